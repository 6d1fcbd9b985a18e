/**
 * The Kubernetes objects that `VirtualNode` and `BurstJob` declare, sent to a real API server: every
 * manifest passes server-side apply (dry run), and the VirtualNode's RBAC is enough for burstlet to
 * bootstrap its node identity (a `system:node:<name>` certificate through a CSR) and, under the Node
 * authorizer and NodeRestriction, register its node and run a pod, and nothing more.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { X509Certificate } from "node:crypto";
import { CertificatesV1Api, CoordinationV1Api, CoreV1Api, type KubernetesObject, KubernetesObjectApi, PatchStrategy, setHeaderOptions, type V1Pod } from "@kubernetes/client-node";
import { BurstJob } from "../../components/burst-job";
import { VirtualNode, type VirtualNodeArgs } from "../../components/virtual-node";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { loadKubeConfig } from "../../kubelet/src/kube/pooled-kube-config";
import { createLogger } from "../../kubelet/src/log";
import { statusOf } from "../../kubelet/src/util/kube-errors";
import type { ControlPlane } from "../../sandbox/control-plane";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { declared, kubernetesManifests, type KubernetesManifest, SUBSCRIPTION_ID, useMocks } from "./mocks";

const FIELD_MANAGER = "burstlet-component-test";
const suffix = (): string => randomBytes(3).toString("hex");

const nodeArgs = (nodeName: string, namespace: string): VirtualNodeArgs => ({
  image: "burstlet:test",
  nodeName,
  namespace,
  clusterName: "sandbox",
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroupName: "burst-aci",
  location: "westeurope",
  clusterDnsIp: "10.96.0.10",
  identity: { clientId: "client-id", tenantId: "tenant-id" },
  capacity: { pods: 50 },
});

/** Server-side apply of one manifest; `dryRun` sends `?dryRun=All`. */
function apply(api: KubernetesObjectApi, manifest: KubernetesManifest, dryRun: boolean): Promise<KubernetesObject> {
  return api.patch(manifest, undefined, dryRun ? "All" : undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
}

/** Applies each manifest, returning what the API server said about each one that it refused. */
async function refusals(api: KubernetesObjectApi, manifests: readonly KubernetesManifest[], dryRun: boolean): Promise<string[]> {
  const refused: string[] = [];
  for (const m of manifests) {
    try {
      await apply(api, m, dryRun);
    } catch (err) {
      refused.push(`${m.kind} ${m.metadata.namespace ?? ""}/${m.metadata.name}: ${statusOf(err) ?? "?"} ${(err as Error).message}`);
    }
  }
  return refused;
}

const label = (m: KubernetesManifest): string => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;

describe("component manifests against a real API server", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let objects: KubernetesObjectApi;
  const namespacesToDelete: string[] = [];

  before(async () => {
    await useMocks();
    cp = await sharedControlPlane();
    objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
  });
  after(async () => {
    const core = cp?.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of namespacesToDelete) await core?.deleteNamespace({ name }).catch(() => undefined);
  });

  describe("server-side apply, dry run", () => {
    let manifests: KubernetesManifest[];
    const nodeName = `dry-run-${suffix()}`;

    before(async () => {
      const namespace = `burstlet-${nodeName}`;
      const { resources } = await declared(() => {
        const node = new VirtualNode("vn", nodeArgs(nodeName, namespace));
        const worker = { name: "worker", image: "thumbnailer:1", command: ["node", "worker.js"], resources: { requests: { cpu: "500m", memory: "1G" } } };
        new BurstJob("burst", { virtualNode: node, containers: [worker], completions: 4, parallelism: 2, namespace: "default" });
        new BurstJob("spill", { virtualNode: node, containers: [worker], placement: "overflow", namespace: "default" });
        new BurstJob("foreign", { virtualNode: { name: `foreign-${nodeName}`, taint: { ...VIRTUAL_NODE_TAINT } }, containers: [worker], namespace: "default" });
        // One node per zone: three configurations, Deployments and budgets, one Role for their Leases.
        const zoned = new VirtualNode("vz", { ...nodeArgs(`zoned-${nodeName}`, `burstlet-zoned-${nodeName}`), zones: ["1", "2", "3"] });
        new BurstJob("zoned", { virtualNode: zoned, containers: [worker], namespace: "default" });
      });
      manifests = kubernetesManifests(resources, { includePatches: true });
      // Namespaced objects can be dry-run only into a namespace that exists: create it for real.
      const namespaces = manifests.filter((m) => m.kind === "Namespace");
      namespacesToDelete.push(...namespaces.map((m) => m.metadata.name));
      assert.deepEqual(await refusals(objects, namespaces, false), []);
    });

    it("declares every kind the components are meant to", () => {
      const kinds = new Set(manifests.map((m) => m.kind));
      for (const kind of ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "PriorityClass", "Deployment", "PodDisruptionBudget", "Job", "Node"]) {
        assert.ok(kinds.has(kind), `no ${kind} among ${[...kinds].join(", ")}`);
      }
      assert.equal(manifests.filter((m) => m.kind === "Job").length, 4);
      assert.equal(manifests.filter((m) => m.kind === "Deployment").length, 4, "one for the node, one per zone");
    });

    it("has every VirtualNode and BurstJob object accepted by the API server", async () => {
      const rest = manifests.filter((m) => m.kind !== "Namespace");
      assert.deepEqual(await refusals(objects, rest, true), [], `refused among ${rest.map(label).join(", ")}`);
    });

    it("persists nothing in a dry run", async () => {
      const role = manifests.find((m) => m.kind === "ClusterRole")!;
      await assert.rejects(objects.read({ apiVersion: role.apiVersion, kind: role.kind, metadata: { name: role.metadata.name } }), (err) => statusOf(err) === 404);
    });

    it("refuses a broken manifest, naming the field (so the checks above can fail)", async () => {
      const deployment = manifests.find((m) => m.kind === "Deployment")!;
      const brokenDeployment = structuredClone(deployment);
      (brokenDeployment.spec as { replicas: number }).replicas = -1;
      const job = manifests.find((m) => m.kind === "Job")!;
      const brokenJob = structuredClone(job);
      (brokenJob.spec as { template: { spec: { restartPolicy: string } } }).template.spec.restartPolicy = "Always";
      const refused = await refusals(objects, [brokenDeployment, brokenJob], true);
      assert.equal(refused.length, 2, refused.join("\n"));
      assert.match(refused[0], /^Deployment .*: 422 .*spec\.replicas/s);
      assert.match(refused[1], /^Job .*: 422 .*restartPolicy/s);
    });
  });

  describe("the VirtualNode's RBAC runs burstlet", () => {
    const nodeName = `rbac-${suffix()}`;
    const namespace = `burstlet-${nodeName}`;
    const serviceAccount = "burstlet";
    // As the VirtualNode's ConfigMap sets it: the leader Lease in burstlet's namespace, held with the service account's token.
    const leaderElection = ["--leader-elect=true", `--leader-elect-namespace=${namespace}`];
    const logLines: string[] = [];
    /** What the API server refused burstlet, as it worded it (the rest of the log line is noise). */
    const forbidden = (): string[] =>
      logLines.filter((l) => /forbidden|\b403\b/i.test(l)).map((l) => {
        const plain = l.replace(/\\+"/g, '"');
        return /[^"]*"[^"]*" is forbidden: User "[^"]*" cannot [^"]*"[^"]*" in API group "[^"]*"(?: in the namespace "[^"]*")?/.exec(plain)?.[0] ?? l;
      });
    const stopping = new AbortController();
    let sandbox: SandboxBurstlet | undefined;
    let workloads: string;
    let rbac: KubernetesManifest[];

    /** Polls `check` until it passes; fails at once with the API server's answer if burstlet was forbidden anything. */
    async function untilOrForbidden<T>(what: string, check: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        assert.deepEqual(forbidden(), [], `burstlet, under the VirtualNode's service account, was refused while waiting for ${what}`);
        try {
          return await check();
        } catch (err) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${(err as Error).message}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    }

    before(async () => {
      const { resources } = await declared(() => new VirtualNode("vn", nodeArgs(nodeName, namespace)));
      const wanted = ["Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"];
      rbac = kubernetesManifests(resources).filter((m) => wanted.includes(m.kind));
      rbac.sort((a, b) => wanted.indexOf(a.kind) - wanted.indexOf(b.kind));
      namespacesToDelete.push(namespace);
      assert.deepEqual(await refusals(objects, rbac, false), []);
      workloads = await testNamespace(cp, "rbac-workload");
      namespacesToDelete.push(workloads);
    });
    after(async () => {
      stopping.abort();
      await sandbox?.stop();
      await cp.kubeConfig().makeApiClient(CoreV1Api).deleteNode({ name: nodeName }).catch(() => undefined);
      for (const m of rbac.filter((r) => r.kind.startsWith("Cluster"))) await objects.delete(m).catch(() => undefined);
    });

    it("applies only the service account, its roles and their bindings (nothing broader)", () => {
      assert.deepEqual(rbac.map(label).sort(), [
        `ClusterRole//burstlet-${nodeName}-bootstrap`,
        `ClusterRole//burstlet-${nodeName}-node`,
        `ClusterRoleBinding//burstlet-${nodeName}-bootstrap`,
        `ClusterRoleBinding//burstlet-${nodeName}-node`,
        `Namespace//${namespace}`,
        `Role/${namespace}/burstlet-${nodeName}-leader-election`,
        `RoleBinding/${namespace}/burstlet-${nodeName}-leader-election`,
        `ServiceAccount/${namespace}/${serviceAccount}`,
      ]);
    });

    it("bootstraps the node's identity from the service account and registers a Ready node as system:node:<name>", async () => {
      const kubeconfigPath = await cp.serviceAccountKubeconfig(namespace, serviceAccount);
      const log = createLogger("debug", (line) => logLines.push(line));
      const starting = startSandboxBurstlet(cp, { nodeName, kubeconfigPath, log, signal: stopping.signal, nodeIdentity: "tls-bootstrap", flags: leaderElection });
      const refused = untilOrForbidden("registration", () => new Promise<never>(() => undefined), 10 * 60_000);
      try {
        sandbox = await Promise.race([starting, refused]);
      } catch (err) {
        stopping.abort();
        sandbox = await starting;
        throw err;
      }
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      await untilOrForbidden("node Ready, with only burstlet's taint", async () => {
        const n = await core.readNode({ name: nodeName });
        assert.equal(n.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
        // The node lifecycle controller lifts its own not-ready taint a moment after Ready.
        assert.deepEqual(n.spec?.taints?.map((t) => t.key), [VIRTUAL_NODE_TAINT.key]);
      });
      const cert = new X509Certificate(sandbox.burstlet.identity!.certificate!.certPem);
      assert.equal(cert.subject, `O=system:nodes\nCN=system:node:${nodeName}`);
      const csrs = await cp.kubeConfig().makeApiClient(CertificatesV1Api).listCertificateSigningRequest();
      const mine = csrs.items.filter((c) => c.spec.username === `system:serviceaccount:${namespace}:${serviceAccount}`);
      assert.equal(mine.length, 1, "one CSR, sent with the service account's token");
      assert.equal(mine[0].spec.signerName, "kubernetes.io/kube-apiserver-client-kubelet");
      assert.ok(mine[0].status?.conditions?.some((c) => c.type === "Approved" && c.reason === "AutoApproved"), "the controller-manager's approver approved it");
    });

    it("holds its leader Lease in its namespace with the service account's token, and no other Lease", async () => {
      assert.ok(sandbox, "burstlet is running");
      const lease = await cp.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: `burstlet-${nodeName}` });
      assert.equal(lease.spec?.holderIdentity, sandbox.burstlet.leader.identity);
      assert.ok(sandbox.burstlet.leader.isLeader);
      const kubeconfigPath = await cp.serviceAccountKubeconfig(namespace, serviceAccount);
      const asServiceAccount = loadKubeConfig(kubeconfigPath).makeApiClient(CoordinationV1Api);
      await assert.rejects(asServiceAccount.readNamespacedLease({ namespace, name: "burstlet-another-node" }), (err) => statusOf(err) === 403, "get is limited to its own Lease by name");
      await assert.rejects(asServiceAccount.readNamespacedLease({ namespace: "kube-node-lease", name: nodeName }), (err) => statusOf(err) === 403, "the node's heartbeat Lease is not the service account's");
      await assert.rejects(asServiceAccount.deleteNamespacedLease({ namespace, name: `burstlet-${nodeName}` }), (err) => statusOf(err) === 403, "it cannot delete the Lease");
    });

    it("runs a pod that tolerates the taint, reads a secret, mounts a config map and its service account token", async () => {
      assert.ok(sandbox, "burstlet is running");
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      await core.createNamespacedSecret({ namespace: workloads, body: { metadata: { name: "api-key" }, stringData: { key: "s3cr3t" } } });
      await core.createNamespacedConfigMap({ namespace: workloads, body: { metadata: { name: "settings" }, data: { "mode.txt": "fast" } } });
      const pod: V1Pod = {
        metadata: { name: "with-secret" },
        spec: {
          nodeSelector: { "kubernetes.io/hostname": nodeName },
          tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
          restartPolicy: "Never",
          containers: [{
            name: "main",
            image: "busybox:1.36",
            command: ["sh", "-c", "echo started; sleep 3600"],
            env: [{ name: "API_KEY", valueFrom: { secretKeyRef: { name: "api-key", key: "key" } } }],
            volumeMounts: [{ name: "settings", mountPath: "/etc/settings" }],
          }],
          volumes: [{ name: "settings", configMap: { name: "settings" } }],
        },
      };
      const created = await core.createNamespacedPod({ namespace: workloads, body: pod });
      const volumes = created.spec?.volumes ?? [];
      assert.ok(volumes.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)), "the pod has the projected service account token every pod gets");
      const running = await untilOrForbidden("the pod Running", async () => {
        const p = await core.readNamespacedPod({ namespace: workloads, name: "with-secret" });
        assert.equal(p.status?.phase, "Running", JSON.stringify(p.status?.containerStatuses?.[0]?.state ?? p.status?.conditions));
        return p;
      });
      assert.equal(running.spec?.nodeName, nodeName);
      const group = sandbox.emulator.groups().find((g) => g.tags?.["burstlet.io/pod"] === "with-secret")!;
      const mounted = (group.spec.properties.volumes ?? []).map((v) => Object.keys(v.secret ?? {}).sort());
      assert.ok(mounted.some((files) => files.includes("mode.txt")), "the config map's file is in the group");
      assert.ok(mounted.some((files) => files.includes("token")), "the projected service account token is in the group");
      await untilOrForbidden("events posted", async () => {
        const events = await core.listNamespacedEvent({ namespace: workloads, fieldSelector: "involvedObject.name=with-secret" });
        assert.ok(events.items.some((e) => e.source?.host === nodeName), "an event posted by burstlet");
      }, 30_000);
      assert.deepEqual(forbidden(), []);
    });

    it("is fenced by the Node authorizer: no secret of another node's pod, no token for an unused service account, no other node", async () => {
      assert.ok(sandbox, "burstlet is running");
      const admin = cp.kubeConfig().makeApiClient(CoreV1Api);
      const other = `other-${suffix()}`;
      await cp.addKwokNodes([other]);
      await admin.createNamespacedSecret({ namespace: workloads, body: { metadata: { name: "elsewhere" }, stringData: { key: "not-for-burstlet" } } });
      await admin.createNamespacedServiceAccount({ namespace: workloads, body: { metadata: { name: "unused" } } });
      await admin.createNamespacedPod({ namespace: workloads, body: {
        metadata: { name: "on-other-node" },
        spec: { nodeName: other, containers: [{ name: "main", image: "busybox:1.36", env: [{ name: "K", valueFrom: { secretKeyRef: { name: "elsewhere", key: "key" } } }] }] },
      } });
      const asNode = sandbox.burstlet.identity!.kubeConfig().makeApiClient(CoreV1Api);
      const refused = async (what: string, call: () => Promise<unknown>): Promise<void> => {
        await assert.rejects(call, (err) => statusOf(err) === 403, `${what} must be forbidden to the node`);
      };
      await refused("a secret of a pod on another node", () => asNode.readNamespacedSecret({ namespace: workloads, name: "elsewhere" }));
      await refused("a token for a service account no pod on the node uses", () => asNode.createNamespacedServiceAccountToken({ namespace: workloads, name: "unused", body: { spec: { audiences: [] } } }));
      await refused("patching another node", () => asNode.patchNode({ name: other, body: { metadata: { labels: { stolen: "yes" } } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)));
      await refused("listing every pod", () => asNode.listPodForAllNamespaces());
      // What it needs still works: its own pod's secret, and its own node.
      assert.equal((await asNode.readNamespacedSecret({ namespace: workloads, name: "api-key" })).metadata?.name, "api-key");
      assert.equal((await asNode.readNode({ name: nodeName })).metadata?.name, nodeName);
      await admin.deleteNamespacedPod({ namespace: workloads, name: "on-other-node", gracePeriodSeconds: 0 });
      await admin.deleteNode({ name: other });
    });

    it("serves the pod's logs to the API server (authorised by a SubjectAccessReview) and finishes its deletion", async () => {
      assert.ok(sandbox, "burstlet is running");
      const core = cp.kubeConfig().makeApiClient(CoreV1Api);
      const logs = await untilOrForbidden("the pod's logs", async () => {
        const text = await core.readNamespacedPodLog({ namespace: workloads, name: "with-secret", container: "main" });
        assert.match(text, /started/);
        return text;
      }, 30_000);
      assert.ok(!logs.includes("s3cr3t"));
      await core.deleteNamespacedPod({ namespace: workloads, name: "with-secret" });
      await untilOrForbidden("the pod gone", async () => {
        const status = await core.readNamespacedPod({ namespace: workloads, name: "with-secret" }).then(() => 200, (err: unknown) => statusOf(err));
        assert.equal(status, 404);
      }, 60_000);
      assert.deepEqual(forbidden(), []);
    });

    it("restarts as the same node and takes it over without touching its taints (NodeRestriction forbids that)", async () => {
      assert.ok(sandbox, "burstlet is running");
      await sandbox.stop({ keepNode: true });
      sandbox = undefined;
      const admin = cp.kubeConfig().makeApiClient(CoreV1Api);
      // Another controller's taint: after a takeover the node's set is the same, in another order.
      const node = await admin.readNode({ name: nodeName });
      const maintenance = { key: "example.com/maintenance", value: "planned", effect: "PreferNoSchedule" };
      await admin.patchNode({ name: nodeName, body: { spec: { taints: [...(node.spec?.taints ?? []), maintenance] } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
      const kubeconfigPath = await cp.serviceAccountKubeconfig(namespace, serviceAccount);
      const log = createLogger("debug", (line) => logLines.push(line));
      const starting = startSandboxBurstlet(cp, { nodeName, kubeconfigPath, log, signal: stopping.signal, nodeIdentity: "tls-bootstrap", flags: leaderElection });
      try {
        sandbox = await Promise.race([starting, untilOrForbidden("registration after the restart", () => new Promise<never>(() => undefined), 5 * 60_000)]);
      } catch (err) {
        stopping.abort();
        sandbox = await starting;
        throw err;
      }
      await untilOrForbidden("the node Ready again, with both taints", async () => {
        const n = await admin.readNode({ name: nodeName });
        assert.equal(n.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
        assert.deepEqual(n.spec?.taints?.map((t) => t.key).sort(), [maintenance.key, VIRTUAL_NODE_TAINT.key].sort());
      });
      assert.deepEqual(forbidden(), []);
    });
  });
});
