/**
 * `VirtualNode` and `BurstJob` deployed by the real Pulumi engine and the real Kubernetes provider
 * (the sandbox builds both from the Go module proxy), through the Automation API with an inline
 * program, against the sandbox's control plane as `examples/existing-cluster` does: up, a preview
 * that must show no drift, an update of one input, refresh, destroy, a Job on a virtual node
 * burstlet did not register, and the policy pack enforcing in the engine. The components and the
 * pack come from the package as `npm pack` ships it, installed into a scratch project with only
 * the peers a stack on an existing cluster needs (test/fixtures/installed-package.ts).
 *
 * burstlet's image does not run here (no container runtime): its Deployment's pods land on a kwok
 * node, which reports them running and ready, so `up` waits for the Deployment as it would on a
 * cluster; the Job's pods stay Pending (no burstlet registers the virtual node), and a BurstJob does
 * not wait for them.
 */
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AppsV1Api, BatchV1Api, CoreV1Api, KubernetesObjectApi, PolicyV1Api, type KubernetesObject } from "@kubernetes/client-node";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Stack } from "@pulumi/pulumi/automation";
import { LOAD_BALANCER_EXCLUSION_LABELS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { SETTINGS } from "../../kubelet/src/settings";
import { statusOf } from "../../kubelet/src/util/kube-errors";
import { type BinarySet, ensurePulumiBinaries } from "../../sandbox/binaries";
import type { ControlPlane } from "../../sandbox/control-plane";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { stepRecorder } from "../fixtures/engine-events";
import { installPackage, type InstalledPackage } from "../fixtures/installed-package";
import { engineStack, policyPackLauncher } from "../fixtures/pulumi-engine";

type Components = typeof import("../../components/kubernetes");

const suffix = randomBytes(3).toString("hex");
const PROJECT = "burstlet-engine-test";

/** The Kubernetes objects a stack's state holds, as `apiVersion`, `kind` and name. */
async function stateObjects(stack: Stack): Promise<KubernetesObject[]> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: { type: string; outputs?: Record<string, unknown> }[] }).resources ?? [];
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:providers") && r.outputs?.kind)
    .map((r) => {
      const { apiVersion, kind, metadata } = r.outputs as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };
      return { apiVersion, kind, metadata: { name: metadata.name, namespace: metadata.namespace } };
    });
}

describe("the Pulumi engine and Kubernetes provider deploy the components", function () {
  this.timeout(5 * 60_000);
  let binaries: BinarySet;
  let cp: ControlPlane;
  let dir: string;
  let kubeconfig: string;
  let objects: KubernetesObjectApi;
  let installed: InstalledPackage;
  let lib: Components;
  const stacks: Stack[] = [];
  const nodesToDelete: string[] = [];
  const namespacesToDelete: string[] = [];

  before(async function () {
    // The first run on a machine builds the CLI and the provider (tens of minutes on two cores).
    this.timeout(120 * 60_000);
    binaries = await ensurePulumiBinaries({ progress: (line) => console.log(`      ${line}`) });
    cp = await sharedControlPlane();
    objects = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
    kubeconfig = readFileSync(cp.kubeconfigPath, "utf8");
    dir = mkdtempSync(path.join(tmpdir(), "burstlet-engine-"));
    installed = await installPackage(path.join(dir, "consumer"), { extraPeers: ["@pulumi/policy"] });
    lib = installed.require("burstlet/kubernetes") as Components;
  });
  after(async function () {
    this.timeout(3 * 60_000);
    // A failed test may leave a stack deployed: take it down so the shared control plane stays clean.
    for (const stack of stacks) await stack.destroy().catch((err: Error) => console.log(`      destroy after failure: ${err.message}`));
    const core = cp?.kubeConfig().makeApiClient(CoreV1Api);
    for (const name of nodesToDelete) await core?.deleteNode({ name }).catch(() => undefined);
    for (const name of namespacesToDelete) await core?.deleteNamespace({ name }).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Asserts that every object is gone from the API server. */
  async function assertGone(list: readonly KubernetesObject[]): Promise<void> {
    const left: string[] = [];
    for (const o of list) {
      const status = await objects.read(o as KubernetesObject & { metadata: { name: string } }).then(() => 200, (err: unknown) => statusOf(err));
      if (status !== 404) left.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name} (${status})`);
    }
    assert.deepEqual(left, [], "objects left behind");
  }

  describe("a VirtualNode with a BurstJob on it", () => {
    const nodeName = `engine-${suffix}`;
    const namespace = `burstlet-engine-${suffix}`;
    let jobNamespace: string;
    let stack: Stack;
    let deployed: KubernetesObject[] = [];

    const program = (pods: number) => (): Promise<Record<string, pulumi.Output<string> | string>> => {
      const config = new pulumi.Config();
      const provider = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig"), enableServerSideApply: true });
      const node = new lib.VirtualNode("burstlet", {
        provider,
        image: "burstlet:engine-test",
        nodeName,
        namespace,
        clusterName: "sandbox",
        subscriptionId: "00000000-0000-0000-0000-000000000000",
        resourceGroupName: "burst-aci",
        location: "westeurope",
        identity: { clientId: "client-id", tenantId: "tenant-id" },
        workloadIdentityWebhook: false,
        capacity: { pods },
        deploymentAwait: { timeoutSeconds: 120 },
      });
      const job = new lib.BurstJob("hello", {
        provider,
        virtualNode: node,
        namespace: jobNamespace,
        containers: [{ name: "hello", image: "busybox:1.37", command: ["sh", "-c", "echo hello"], resources: { requests: { cpu: "100m", memory: "100M" } } }],
        ttlSecondsAfterFinished: 3600,
      });
      return Promise.resolve({ virtualNodeName: node.nodeName, virtualNodeNamespace: node.namespace, jobName: job.jobName, jobNamespace: job.namespace });
    };

    before(async () => {
      // An ordinary (kwok) machine for burstlet's replicas.
      const machine = `engine-machine-${suffix}`;
      await cp.addKwokNodes([machine]);
      nodesToDelete.push(machine);
      jobNamespace = await testNamespace(cp, "engine-jobs");
      namespacesToDelete.push(jobNamespace);
      stack = await engineStack({ project: PROJECT, stack: "virtual-node", program: program(50), dir: path.join(dir, "virtual-node"), binaries, config: { kubeconfig: { value: kubeconfig, secret: true } } });
      stacks.push(stack);
    });

    it("up creates every object, waits for burstlet's Deployment and resolves every output", async () => {
      const steps = stepRecorder();
      const result = await stack.up({ onEvent: steps.onEvent });
      assert.equal(result.summary.result, "succeeded");
      const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value as unknown]));
      assert.equal(outputs.virtualNodeName, nodeName);
      assert.equal(outputs.virtualNodeNamespace, namespace);
      assert.equal(outputs.jobNamespace, jobNamespace);
      assert.match(String(outputs.jobName), /^hello-job-[a-z0-9]+$/, "the Job is auto-named");
      const kinds = steps.changes().map((c) => c.split(" ")[1]);
      for (const kind of ["core/v1:Namespace", "core/v1:ServiceAccount", "core/v1:ConfigMap", "apps/v1:Deployment", "policy/v1:PodDisruptionBudget", "scheduling.k8s.io/v1:PriorityClass", "batch/v1:Job"]) {
        assert.ok(kinds.includes(`kubernetes:${kind}`), `no ${kind} created among ${kinds.join(", ")}`);
      }

      const deployment = await cp.kubeConfig().makeApiClient(AppsV1Api).readNamespacedDeployment({ namespace, name: `burstlet-${nodeName}` });
      assert.equal(deployment.spec?.replicas, 2);
      assert.equal(deployment.status?.availableReplicas, 2, "up returned before the Deployment was available");
      const job = await cp.kubeConfig().makeApiClient(BatchV1Api).readNamespacedJob({ namespace: jobNamespace, name: String(outputs.jobName) });
      assert.equal(job.spec?.template.spec?.nodeSelector?.["kubernetes.io/hostname"], nodeName);
      assert.deepEqual(job.spec?.template.spec?.tolerations?.map((t) => ({ ...t })), [{ ...VIRTUAL_NODE_TAINT, operator: "Equal" }]);
      deployed = await stateObjects(stack);
      assert.ok(deployed.length >= 12, `the state holds ${deployed.length} Kubernetes objects`);
    });

    it("a preview right after up shows no changes", async () => {
      const steps = stepRecorder();
      const preview = await stack.preview({ onEvent: steps.onEvent, diff: true });
      assert.deepEqual(steps.changes(), [], steps.explain());
      assert.deepEqual(Object.keys(preview.changeSummary), ["same"]);
    });

    it("one changed input replaces only the ConfigMap and rolls the Deployment after it", async () => {
      // The provider replaces a ConfigMap whose data changes (unless the provider sets
      // enableConfigMapMutable), deleting first since its name is fixed; the Deployment depends on
      // it, so it rolls only once the new ConfigMap exists.
      const steps = stepRecorder();
      const result = await stack.up({ program: program(60), onEvent: steps.onEvent });
      assert.deepEqual(steps.changes(), [
        "create-replacement kubernetes:core/v1:ConfigMap burstlet-config",
        "delete-replaced kubernetes:core/v1:ConfigMap burstlet-config",
        "replace kubernetes:core/v1:ConfigMap burstlet-config",
        "update kubernetes:apps/v1:Deployment burstlet-deployment",
      ], steps.explain());
      assert.ok(steps.startedAfter("update kubernetes:apps/v1:Deployment burstlet-deployment", "create-replacement kubernetes:core/v1:ConfigMap burstlet-config"), "the Deployment rolled before its new ConfigMap existed");
      assert.deepEqual({ update: result.summary.resourceChanges?.update, replace: result.summary.resourceChanges?.replace }, { update: 1, replace: 1 });
      const config = await cp.kubeConfig().makeApiClient(CoreV1Api).readNamespacedConfigMap({ namespace, name: `burstlet-${nodeName}` });
      assert.equal(config.data?.[SETTINGS.pods[1]], "60");
      const again = stepRecorder();
      await stack.preview({ program: program(60), onEvent: again.onEvent });
      assert.deepEqual(again.changes(), [], again.explain());
    });

    it("refresh finds only what changed behind the engine's back, and up puts it back", async () => {
      const policy = cp.kubeConfig().makeApiClient(PolicyV1Api);
      await policy.deleteNamespacedPodDisruptionBudget({ namespace, name: `burstlet-${nodeName}` });
      const refreshed = await stack.refresh();
      const { same, ...changed } = refreshed.summary.resourceChanges ?? {};
      assert.deepEqual(changed, { delete: 1 }, `refresh saw ${JSON.stringify(refreshed.summary.resourceChanges)}`);
      assert.ok((same ?? 0) >= deployed.length - 1, `refresh read ${same} resources as unchanged`);
      const steps = stepRecorder();
      await stack.up({ program: program(60), onEvent: steps.onEvent });
      assert.deepEqual(steps.changes(), ["create kubernetes:policy/v1:PodDisruptionBudget burstlet-pdb"], steps.explain());
      await policy.readNamespacedPodDisruptionBudget({ namespace, name: `burstlet-${nodeName}` });
    });

    it("destroy leaves no object behind", async () => {
      const list = await stateObjects(stack);
      assert.equal(list.length, deployed.length);
      const result = await stack.destroy();
      assert.equal(result.summary.result, "succeeded");
      await assertGone(list);
      assert.deepEqual(await stateObjects(stack), []);
    });
  });

  describe("a BurstJob on a virtual node burstlet did not register", () => {
    const foreign = `foreign-${suffix}`;
    let stack: Stack;
    let jobNamespace: string;

    const program = () => (): Promise<Record<string, pulumi.Output<string>>> => {
      const provider = new k8s.Provider("cluster", { kubeconfig: new pulumi.Config().requireSecret("kubeconfig"), enableServerSideApply: true });
      const job = new lib.BurstJob("elsewhere", {
        provider,
        virtualNode: { name: foreign, taint: { ...VIRTUAL_NODE_TAINT } },
        namespace: jobNamespace,
        containers: [{ name: "work", image: "busybox:1.37", command: ["true"], resources: { requests: { cpu: "250m", memory: "256M" } } }],
      });
      return Promise.resolve({ jobName: job.jobName });
    };

    before(async () => {
      // Another virtual kubelet's node: registered, tainted, not labelled for load-balancer exclusion.
      await cp.kubeConfig().makeApiClient(CoreV1Api).createNode({
        body: { metadata: { name: foreign, labels: { type: "virtual-kubelet", "kubernetes.io/hostname": foreign } }, spec: { taints: [{ ...VIRTUAL_NODE_TAINT }] } },
      });
      nodesToDelete.push(foreign);
      jobNamespace = await testNamespace(cp, "engine-foreign");
      namespacesToDelete.push(jobNamespace);
      stack = await engineStack({ project: PROJECT, stack: "foreign-node", program: program(), dir: path.join(dir, "foreign-node"), binaries, config: { kubeconfig: { value: kubeconfig, secret: true } } });
      stacks.push(stack);
    });

    it("up labels the node for load-balancer exclusion and submits the Job; a preview shows no changes", async () => {
      const result = await stack.up();
      const node = await cp.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: foreign });
      for (const [key, value] of Object.entries(LOAD_BALANCER_EXCLUSION_LABELS)) assert.equal(node.metadata?.labels?.[key], value, key);
      const job = await cp.kubeConfig().makeApiClient(BatchV1Api).readNamespacedJob({ namespace: jobNamespace, name: String(result.outputs.jobName.value) });
      assert.equal(job.spec?.template.spec?.nodeSelector?.["kubernetes.io/hostname"], foreign);
      const steps = stepRecorder();
      await stack.preview({ onEvent: steps.onEvent });
      assert.deepEqual(steps.changes(), [], steps.explain());
    });

    it("destroy removes the Job and leaves the node, with the labels, to its owner", async () => {
      const jobs = (await stateObjects(stack)).filter((o) => o.kind === "Job");
      assert.equal(jobs.length, 1);
      await stack.destroy();
      await assertGone(jobs);
      const node = await cp.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: foreign });
      assert.equal(node.metadata?.labels?.["node.kubernetes.io/exclude-from-external-load-balancers"], "true");
    });
  });
  describe("the policy pack in the engine", () => {
    let stack: Stack;
    let jobNamespace: string;
    let pack: string;
    const toleration = { ...VIRTUAL_NODE_TAINT, operator: "Equal" };

    /** A plain Job that tolerates the virtual node's taint, its container's memory request as given. */
    const program = (memory: string | undefined) => (): Promise<Record<string, never>> => {
      const provider = new k8s.Provider("cluster", { kubeconfig: new pulumi.Config().requireSecret("kubeconfig"), enableServerSideApply: true });
      new k8s.batch.v1.Job("burst", {
        metadata: { namespace: jobNamespace },
        spec: {
          template: {
            spec: {
              restartPolicy: "Never",
              tolerations: [toleration],
              containers: [{ name: "work", image: "busybox:1.37", command: ["true"], resources: { requests: { cpu: "1", ...(memory ? { memory } : {}) } } }],
            },
          },
        },
      }, { provider });
      return Promise.resolve({});
    };

    before(async () => {
      jobNamespace = await testNamespace(cp, "engine-policy");
      pack = policyPackLauncher(path.join(installed.dir, "policy"), path.join(dir, "policy-launcher"));
      namespacesToDelete.push(jobNamespace);
      stack = await engineStack({ project: PROJECT, stack: "policy", program: program(undefined), dir: path.join(dir, "policy"), binaries, config: { kubeconfig: { value: kubeconfig, secret: true } } });
      stacks.push(stack);
    });

    it("the installed pack stops a preview whose burst Job cannot run on the virtual node, naming the rule and the container", async () => {
      const violations: { policyName: string; message: string; enforcementLevel: string }[] = [];
      const error = await stack.preview({
        policyPacks: [pack],
        onEvent: (e) => e.policyEvent && violations.push(e.policyEvent),
      }).then(() => undefined, (err: Error) => err);
      assert.ok(error, "preview succeeded despite a mandatory violation");
      assert.deepEqual(violations.map((v) => [v.policyName, v.enforcementLevel]), [["virtual-node-workloads-runnable", "mandatory"]], JSON.stringify(violations));
      assert.match(violations[0].message, /container "work" sets no memory request/);
    });

    it("lets the same Job through once it requests memory", async () => {
      const violations: unknown[] = [];
      const preview = await stack.preview({
        program: program("1Gi"),
        policyPacks: [pack],
        onEvent: (e) => e.policyEvent && violations.push(e.policyEvent),
      });
      assert.deepEqual(violations, []);
      assert.equal(preview.changeSummary.create, 3, "the stack, its provider and the Job");
    });
  });
});
