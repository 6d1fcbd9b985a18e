/**
 * What the components grant in Azure is what burstlet runs with: the role assignments (and custom
 * role definitions) a `HybridCluster`, or a standalone `BurstletIdentity` + `VirtualNode`, declares
 * under Pulumi mocks are loaded, and nothing else, into an ACI emulator that authorizes every call
 * as ARM does (the metrics batch API and pulls from the stack's registry included); burstlet runs
 * as the identity they name through a burst with a subnet and the pull identity, pulling from the
 * registry and reading usage. Then each grant is removed in turn, and the failure names what is missing.
 */
import assert from "node:assert/strict";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { BurstletIdentity } from "../../components/burstlet-identity";
import { HybridCluster } from "../../components/hybrid-cluster";
import { VirtualNode } from "../../components/virtual-node";
import { SETTINGS } from "../../kubelet/src/settings";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { BUILT_IN_ROLES } from "../../components/azure-ids";
import { createLogger } from "../../kubelet/src/log";
import { statusOf } from "../../kubelet/src/util/kube-errors";
import { type AciEmulator, type RegistryResource, type RoleAssignment, type RoleDefinition, METRICS_BATCH_OPERATION, startAciEmulator, type UserAssignedIdentityResource } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";
import { type DeclaredResource, declared, kubernetesManifests, OIDC_ISSUER, ofType, SUBSCRIPTION_ID, useMocks } from "./mocks";

/** What a stack deploys that burstlet's Azure access depends on. */
interface AzureDeployment {
  readonly assignments: ReadonlyArray<RoleAssignment & { readonly name: string }>;
  readonly definitions: readonly RoleDefinition[];
  /** burstlet's identity: the client its service account is federated to. */
  readonly principal: { readonly clientId: string; readonly objectId: string };
  /** burstlet's configuration (variable → value), as its ConfigMap carries it. */
  readonly settings: Readonly<Record<string, string>>;
  /** The pull identity, and the registry it holds AcrPull on (login server `<name>.azurecr.io`, as ACR names them). */
  readonly pullIdentity: UserAssignedIdentityResource;
  readonly registry: RegistryResource;
}

function deploymentOf(resources: readonly DeclaredResource[]): AzureDeployment {
  const manifests = kubernetesManifests(resources);
  const account = manifests.find((m) => m.kind === "ServiceAccount")!;
  const clientId = account.metadata.annotations!["azure.workload.identity/client-id"];
  const identity = ofType(resources, "azure-native:managedidentity:UserAssignedIdentity").find((r) => r.state.clientId === clientId)!;
  const config = manifests.find((m) => m.kind === "ConfigMap" && (m.data as Record<string, string>)[SETTINGS.nodeName[1]] !== undefined)!;
  const settings = config.data as Record<string, string>;
  const assignments = ofType(resources, "azure-native:authorization:RoleAssignment").map((r) => ({ name: r.name, principalId: String(r.inputs.principalId), roleDefinitionId: String(r.inputs.roleDefinitionId), scope: String(r.inputs.scope) }));
  const pull = ofType(resources, "azure-native:managedidentity:UserAssignedIdentity").find((r) => r.id === settings[SETTINGS.pullIdentityId[1]])!;
  const pullIdentity = { id: pull.id, principalId: String(pull.state.principalId) };
  const registryId = assignments.find((a) => a.principalId === pullIdentity.principalId && a.roleDefinitionId.endsWith(`/${BUILT_IN_ROLES.acrPull}`))!.scope;
  return {
    assignments,
    definitions: ofType(resources, "azure-native:authorization:RoleDefinition").map((r) => {
      const permissions = r.inputs.permissions as Array<Record<string, string[] | undefined>>;
      const all = (key: string): string[] => permissions.flatMap((p) => p[key] ?? []);
      return { id: r.id.split("/").pop()!, name: String(r.inputs.roleName), actions: all("actions"), notActions: all("notActions"), dataActions: all("dataActions"), notDataActions: all("notDataActions") };
    }),
    principal: { clientId, objectId: String(identity.state.principalId) },
    settings,
    pullIdentity,
    registry: { id: registryId, loginServer: `${registryId.split("/").pop()!.toLowerCase()}.azurecr.io` },
  };
}

const setting = (d: AzureDeployment, name: keyof typeof SETTINGS): string => d.settings[SETTINGS[name][1]];

/** An emulator holding exactly the deployment's grants (minus `without`), knowing burstlet's identity. */
async function emulatorFor(d: AzureDeployment, without?: string): Promise<AciEmulator> {
  const emulator = await startAciEmulator({
    subscriptionId: setting(d, "subscriptionId"),
    resourceGroup: setting(d, "resourceGroup"),
    location: setting(d, "location"),
    timeScale: 0.05,
    limits: "unlimited",
    quotas: "unlimited",
    authorization: { grantDefault: false, definitions: d.definitions, assignments: d.assignments.filter((a) => a.name !== without) },
    registries: [d.registry],
    userAssignedIdentities: [d.pullIdentity],
  });
  emulator.tokens.addClient(d.principal);
  return emulator;
}

/** burstlet as the deployment's identity, reading usage every second; its log lines go to `lines`. */
function burstlet(cp: ControlPlane, d: AzureDeployment, emulator: AciEmulator, nodeName: string, waitForRegistration = true, lines: Array<Record<string, unknown>> = []): Promise<SandboxBurstlet> {
  return startSandboxBurstlet(cp, {
    nodeName,
    sharedEmulator: emulator,
    clientId: d.principal.clientId,
    waitForRegistration,
    tuning: { usagePollMs: 1000 },
    log: createLogger("warn", (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    flags: [`--subnet-id=${setting(d, "subnetId")}`, `--pull-identity-id=${setting(d, "pullIdentityId")}`],
  });
}

/** A pod for the node, pulling from the stack's Azure Container Registry (so the pull identity is assigned and used). */
function burstPod(d: AzureDeployment, name: string, nodeName: string): V1Pod {
  return {
    metadata: { name },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": nodeName },
      tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
      restartPolicy: "Never",
      containers: [{ name: "main", image: `${d.registry.loginServer}/worker:1`, command: ["sh", "-c", "echo started; sleep 3600"], resources: { requests: { cpu: "500m", memory: "512Mi" } } }],
    },
  };
}

async function readyCondition(cp: ControlPlane, nodeName: string): Promise<{ status?: string; reason?: string; message?: string }> {
  const node = await cp.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: nodeName });
  return node.status?.conditions?.find((c) => c.type === "Ready") ?? {};
}

const declareHybrid = (): unknown => new HybridCluster("hc", { resourceGroupName: "rg", location: "westeurope" });
const declareStandalone = (): unknown => {
  const containerGroups = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/burst-aci`;
  const subnetId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci`;
  const identity = new BurstletIdentity("id", {
    resourceGroupName: "identities",
    containerGroupResourceGroupId: containerGroups,
    aciSubnetId: subnetId,
    oidcIssuerUrl: OIDC_ISSUER,
    pullRegistryId: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/acr/providers/Microsoft.ContainerRegistry/registries/burstletimages`,
  });
  return new VirtualNode("vn", {
    image: "burstlet:test",
    clusterName: "sandbox",
    subscriptionId: SUBSCRIPTION_ID,
    resourceGroupName: "burst-aci",
    location: "westeurope",
    subnetId,
    pullIdentityId: identity.pullIdentityId,
    identity: { clientId: identity.clientId, tenantId: identity.tenantId },
  });
};

describe("Azure grants the components declare, enforced by the ACI emulator", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let workloads: string;

  before(async () => {
    await useMocks();
    cp = await sharedControlPlane();
    workloads = await testNamespace(cp, "azure-grants");
  });
  after(async () => {
    await cp?.kubeConfig().makeApiClient(CoreV1Api).deleteNamespace({ name: workloads }).catch(() => undefined);
  });

  for (const [program, declare, grants] of [
    ["HybridCluster", declareHybrid, ["hc-identity-container-groups", "hc-identity-aci-usages", "hc-identity-metrics", "hc-identity-aci-subnet", "hc-identity-assign-pull", "hc-identity-pull-acr"]],
    ["BurstletIdentity + VirtualNode", declareStandalone, ["id-container-groups", "id-aci-usages", "id-metrics", "id-aci-subnet", "id-assign-pull", "id-pull-acr"]],
  ] as const) {
    it(`${program}: burstlet runs a burst as the declared identity with no denial`, async () => {
      const { resources } = await declared(declare);
      const d = deploymentOf(resources);
      assert.deepEqual(d.assignments.filter((a) => (grants as readonly string[]).includes(a.name)).map((a) => a.name).sort(), [...grants].sort(), "the grants this test knows are all declared");
      const emulator = await emulatorFor(d);
      const nodeName = `grants-${program === "HybridCluster" ? "hybrid" : "standalone"}`;
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      const sandbox = await burstlet(cp, d, emulator, nodeName);
      try {
        await eventually(async () => assert.equal((await readyCondition(cp, nodeName)).status, "True"), { timeoutMs: 60_000, what: "the node Ready" });
        const names = ["a", "b", "c"].map((n) => `${nodeName}-${n}`);
        for (const name of names) await core.createNamespacedPod({ namespace: workloads, body: burstPod(d, name, nodeName) });
        for (const name of names) {
          await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace: workloads, name })).status?.phase, "Running"), { timeoutMs: 90_000, what: `${name} Running` });
        }
        const group = emulator.groups().find((g) => g.tags?.["burstlet.io/pod"] === names[0])!;
        assert.deepEqual(group.spec.properties.subnetIds, [{ id: setting(d, "subnetId") }], "the group joined the subnet");
        assert.ok(Object.keys((group.spec.identity?.userAssignedIdentities as object | undefined) ?? {}).includes(setting(d, "pullIdentityId")), "the group carries the pull identity");
        assert.equal(group.spec.properties.containers[0].properties.image, `${d.registry.loginServer}/worker:1`, "the image is the stack's registry's");
        const logs = await eventually(() => core.readNamespacedPodLog({ namespace: workloads, name: names[0], container: "main" }), { timeoutMs: 30_000, what: "logs" });
        assert.match(logs, /started/);
        await eventually(() => emulator.record.calls.some((c) => c.operation === METRICS_BATCH_OPERATION && c.status === 200), { timeoutMs: 30_000, what: "usage read from Azure Monitor" });
        // One deleted gracefully, one forced away at once (its group is then collected as garbage).
        await core.deleteNamespacedPod({ namespace: workloads, name: names[1] });
        await core.deleteNamespacedPod({ namespace: workloads, name: names[2], gracePeriodSeconds: 0 });
        await core.deleteNamespacedPod({ namespace: workloads, name: names[0] });
        for (const name of names) {
          await eventually(async () => assert.equal(await core.readNamespacedPod({ namespace: workloads, name }).then(() => 200, (err: unknown) => statusOf(err)), 404), { timeoutMs: 60_000, what: `${name} gone` });
        }
        await eventually(() => emulator.groups().length === 0, { timeoutMs: 60_000, what: "every container group deleted" });
        assert.deepEqual(emulator.authorization!.denials.recent, [], "burstlet was denied nothing");
      } finally {
        await sandbox.stop();
        await emulator.close();
        await core.deleteNode({ name: nodeName }).catch(() => undefined);
      }
    });
  }

  describe("with one grant removed, the failure names the missing action and scope", () => {
    let d: AzureDeployment;
    before(async () => {
      d = deploymentOf((await declared(declareHybrid)).resources);
    });

    interface Without {
      readonly nodeName: string;
      readonly pod: () => Promise<V1Pod>;
      readonly sandbox: SandboxBurstlet;
      readonly emulator: AciEmulator;
      /** burstlet's log lines, warnings and errors. */
      readonly lines: ReadonlyArray<Record<string, unknown>>;
    }

    /** Runs burstlet without `grant`; `check` sees the node, a pod on it, burstlet and its logs. */
    async function without(grant: string, check: (w: Without) => Promise<void>): Promise<void> {
      const emulator = await emulatorFor(d, grant);
      const nodeName = `without-${grant.replace(/^hc-identity-/, "")}`;
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      const lines: Array<Record<string, unknown>> = [];
      const sandbox = await burstlet(cp, d, emulator, nodeName, false, lines);
      try {
        await eventually(() => core.readNode({ name: nodeName }), { timeoutMs: 60_000, what: "the node registered" });
        await core.createNamespacedPod({ namespace: workloads, body: burstPod(d, nodeName, nodeName) });
        await check({ nodeName, pod: () => core.readNamespacedPod({ namespace: workloads, name: nodeName }), sandbox, emulator, lines });
        assert.ok(emulator.authorization!.denials.total > 0, "the emulator recorded the denial");
      } finally {
        await sandbox.stop();
        await emulator.close();
        await core.deleteNamespacedPod({ namespace: workloads, name: nodeName, gracePeriodSeconds: 0 }).catch(() => undefined);
        await core.deleteNode({ name: nodeName }).catch(() => undefined);
      }
    }

    const rgScope = (): string => `/subscriptions/${setting(d, "subscriptionId")}/resourceGroups/${setting(d, "resourceGroup")}`;
    const nodeNames = async (nodeName: string, action: string, scope: string): Promise<void> => {
      await eventually(async () => {
        const ready = await readyCondition(cp, nodeName);
        assert.equal(ready.status, "False");
        assert.equal(ready.reason, "AuthorizationFailed");
        assert.ok(ready.message?.includes(`'${action}' on '${scope}`), ready.message);
      }, { timeoutMs: 60_000, what: `the node naming ${action}` });
    };
    const podNames = async (pod: () => Promise<V1Pod>, action: string, scope: string): Promise<void> => {
      await eventually(async () => {
        const p = await pod();
        const ready = p.status?.conditions?.find((c) => c.type === "Ready");
        assert.equal(p.status?.phase, "Pending");
        assert.equal(ready?.reason, "AuthorizationFailed");
        assert.ok(ready?.message?.includes(`'${action}' on '${scope}'`), ready?.message);
      }, { timeoutMs: 60_000, what: `the pod naming ${action}` });
    };

    it("Contributor on the container-group resource group: the node is not Ready, naming containerGroups/read there", () =>
      without("hc-identity-container-groups", ({ nodeName }) => nodeNames(nodeName, "Microsoft.ContainerInstance/containerGroups/read", rgScope())));

    it("the ACI usage reader on the subscription: the node is not Ready, naming locations/usages/read", () =>
      without("hc-identity-aci-usages", ({ nodeName }) => nodeNames(nodeName, "Microsoft.ContainerInstance/locations/usages/read", `/subscriptions/${setting(d, "subscriptionId")}/providers/Microsoft.ContainerInstance/locations/${setting(d, "location")}`)));

    it("Network Contributor on the ACI subnet: the pod waits, naming subnets/join/action on the subnet", () =>
      without("hc-identity-aci-subnet", ({ pod }) => podNames(pod, "Microsoft.Network/virtualNetworks/subnets/join/action", setting(d, "subnetId"))));

    it("Managed Identity Operator on the pull identity: the pod waits, naming userAssignedIdentities/assign/action on it", () =>
      without("hc-identity-assign-pull", ({ pod }) => podNames(pod, "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", setting(d, "pullIdentityId"))));

    it("AcrPull for the pull identity on the registry: the pod waits in ErrImagePull / ImagePullBackOff with ACI's InaccessibleImage message, never Failed", () =>
      without("hc-identity-pull-acr", async ({ pod, emulator }) => {
        const image = `${d.registry.loginServer}/worker:1`;
        await eventually(async () => {
          const p = await pod();
          const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
          assert.equal(p.status?.phase, "Pending");
          assert.ok(waiting?.reason === "ErrImagePull" || waiting?.reason === "ImagePullBackOff", JSON.stringify(waiting));
          assert.ok(waiting?.message?.includes(`The image '${image}' in container group`) && waiting.message.includes("is not accessible. Please check the image and registry credential."), waiting?.message);
        }, { timeoutMs: 60_000, what: "the pod waiting on its image" });
        assert.deepEqual(emulator.authorization!.denials.recent.map((x) => [x.principalId, x.action, x.scope])[0], [d.pullIdentity.principalId, "Microsoft.ContainerRegistry/registries/pull/read", d.registry.id]);
        assert.equal(emulator.groups().length, 0, "no container group exists for a pull ACI refused");
        assert.notEqual((await pod()).status?.phase, "Failed");
      }));

    it("the metrics reader on the subscription: the node stays Ready and the pod runs; burstlet logs and counts the refused read and reports no usage", () =>
      without("hc-identity-metrics", async ({ nodeName, pod, sandbox, emulator, lines }) => {
        const scope = `/subscriptions/${setting(d, "subscriptionId")}`;
        await eventually(async () => assert.equal((await pod()).status?.phase, "Running"), { timeoutMs: 90_000, what: "the pod Running" });
        await eventually(async () => {
          const { body } = await sandbox.burstlet.metrics.text();
          assert.match(body, new RegExp(`burstlet_usage_reads_denied_total\\{action="Microsoft\\.Insights/metrics/read",scope="${scope}"\\} [1-9]`));
        }, { timeoutMs: 30_000, what: "the refused usage read counted" });
        const logged = lines.find((l) => l.level === "error" && l.action === "Microsoft.Insights/metrics/read");
        assert.equal(logged?.scope, scope, "an error log line names the action and the scope");
        assert.deepEqual([...new Set(emulator.authorization!.denials.recent.map((x) => `${x.action} on ${x.scope}`))], [`Microsoft.Insights/metrics/read on ${scope}`], "metrics read is all that was refused");
        assert.equal((await readyCondition(cp, nodeName)).status, "True", "the node stays Ready");
        const uid = (await pod()).metadata!.uid!;
        assert.equal(sandbox.burstlet.provider.stats().container(uid, "main"), undefined, "the pod's usage is unknown, not 0");
        assert.ok(sandbox.burstlet.provider.usagePoller!.counts.deniedBatches > 0);
      }));
  });
});
