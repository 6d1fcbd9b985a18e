import { strict as assert } from "node:assert";
import { BatchV1Api, CoreV1Api, type V1Pod, type V1Toleration } from "@kubernetes/client-node";
import { type AciEmulator, startAciEmulator } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { type LocalRegistry, startRegistry } from "../../sandbox/registry";
import { TAGS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

const toleration: V1Toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };

describe("pods on the virtual node: Jobs, deletion, entrypoints", function () {
  this.timeout(45 * 60_000);
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let registry: LocalRegistry;
  let emulator: AciEmulator;
  let namespace: string;
  let core: CoreV1Api;
  const nodeName = "burstlet-lifecycle-test";
  const groupsIn = () => sandbox.emulator.groups().filter((g) => g.tags?.[TAGS.namespace] === namespace);
  const groupOf = (pod: string) => groupsIn().filter((g) => g.tags?.[TAGS.pod] === pod);

  before(async () => {
    cp = await sharedControlPlane();
    registry = await startRegistry();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: "unlimited", quotas: "unlimited" });
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator, flags: [`--insecure-registries=${registry.host}`] });
    namespace = await testNamespace(cp, "lifecycle");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
  });
  after(async () => {
    await sandbox?.stop();
    await emulator?.close();
    await registry?.stop();
  });

  it("completes a Job of 20 completions at parallelism 20, and its container groups go as its pods finish", async () => {
    const startedAt = Date.now();
    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: "burst" },
        spec: {
          completions: 20,
          parallelism: 20,
          template: {
            spec: {
              restartPolicy: "Never",
              nodeSelector: { type: "virtual-kubelet", "kubernetes.io/hostname": nodeName },
              tolerations: [toleration],
              containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", "echo processing; sleep 20"], resources: { requests: { cpu: "250m", memory: "256Mi" } } }],
            },
          },
        },
      },
    });
    const job = await eventually(async () => {
      const j = await batch.readNamespacedJob({ namespace, name: "burst" });
      assert.ok(j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), JSON.stringify(j.status));
      return j;
    }, { timeoutMs: 120_000, what: "the Job to complete" });
    assert.equal(job.status?.succeeded, 20);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: "job-name=burst" });
    assert.equal(pods.items.length, 20);
    assert.ok(pods.items.every((p) => p.spec?.nodeName === nodeName));
    const created = emulator.record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status === 201 && c.at >= startedAt && c.path.includes(`${namespace}-burst`));
    assert.equal(created.length, 20, "one group per pod");
    // Finished pods hold no quota: their groups go while the Job and its pods stay.
    await eventually(() => assert.equal(groupsIn().length, 0), { timeoutMs: 30_000, what: "the finished pods' container groups to go" });

    await batch.deleteNamespacedJob({ namespace, name: "burst", propagationPolicy: "Foreground" });
    await eventually(async () => {
      const left = await core.listNamespacedPod({ namespace, labelSelector: "job-name=burst" });
      assert.equal(left.items.length, 0);
    }, { timeoutMs: 60_000, what: "the Job's pods to go" });
    // Creates and deletes are followed by listings and reads of the groups, never by polling each
    // long-running operation.
    const calls = emulator.record.calls.filter((c) => c.at >= startedAt);
    assert.equal(calls.filter((c) => c.operation === "AsyncOperation_Get").length, 0);
    assert.equal(calls.filter((c) => c.operation === "ContainerGroups_Delete").length, 20, "one delete per group");
  });

  it("deletes the container group first, then the pod, when a pod is deleted with a grace period", async () => {
    await core.createNamespacedPod({ namespace, body: runningPod("graceful") });
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "graceful" })).status?.phase, "Running"), { what: "Running" });
    const order: string[] = [];
    const watcher = setInterval(() => {
      if (groupOf("graceful").length === 0 && !order.includes("group gone")) order.push("group gone");
    }, 20);
    await core.deleteNamespacedPod({ namespace, name: "graceful", gracePeriodSeconds: 30 });
    await eventually(async () => {
      try {
        await core.readNamespacedPod({ namespace, name: "graceful" });
        return false;
      } catch (err) {
        assert.equal((err as { code?: number }).code, 404);
        order.push("pod gone");
        return true;
      }
    }, { what: "the pod to be gone" });
    clearInterval(watcher);
    assert.deepEqual(order.slice(0, 2), ["group gone", "pod gone"]);
  });

  it("leaves nothing behind when a pod is deleted while its group is still being created", async () => {
    // Provisioning stays Pending for a while after ARM accepted the group.
    sandbox.emulator.faults.set({ slowProvisioningMs: 3_000 });
    try {
      await core.createNamespacedPod({ namespace, body: runningPod("hasty") });
      await eventually(() => assert.equal(groupOf("hasty").length, 1), { what: "the group to be accepted" });
      await core.deleteNamespacedPod({ namespace, name: "hasty", gracePeriodSeconds: 5 });
      await eventually(async () => {
        const pods = await core.listNamespacedPod({ namespace, fieldSelector: "metadata.name=hasty" });
        assert.equal(pods.items.length, 0);
      }, { what: "the pod to be gone" });
      await eventually(() => assert.equal(groupOf("hasty").length, 0), { timeoutMs: 30_000, what: "no group left for the deleted pod" });
    } finally {
      sandbox.emulator.faults.clear();
    }
  });

  it("replaces a pod force-deleted and created again under its name: the old group goes, the new one runs, one create each", async () => {
    const first = await core.createNamespacedPod({ namespace, body: runningPod("phoenix") });
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "phoenix" })).status?.phase, "Running"), { what: "the first pod Running" });
    await core.deleteNamespacedPod({ namespace, name: "phoenix", gracePeriodSeconds: 0 });
    const second = await core.createNamespacedPod({ namespace, body: runningPod("phoenix") });
    const uids = [first.metadata!.uid!, second.metadata!.uid!];
    await eventually(async () => {
      const pod = await core.readNamespacedPod({ namespace, name: "phoenix" });
      assert.deepEqual([pod.metadata?.uid, pod.status?.phase], [uids[1], "Running"]);
    }, { what: "the second pod Running" });
    await eventually(() => assert.deepEqual(groupOf("phoenix").map((g) => g.tags?.[TAGS.podUid]), [uids[1]]), { what: "only the second pod's group" });
    const creates = emulator.record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.groupName?.startsWith(`${namespace}-phoenix-`));
    assert.equal(creates.length, 2, `one create per pod, got ${creates.map((c) => c.groupName).join(", ")}`);
    assert.equal(new Set(creates.map((c) => c.groupName)).size, 2);
  });

  it("runs a pod that gives args without command, with the image's entrypoint from a real registry", async () => {
    await registry.pushImage("tools/echoer", "v1", { entrypoint: ["sh", "-c"], cmd: ["echo default"] });
    const image = `${registry.host}/tools/echoer:v1`;
    await core.createNamespacedPod({
      namespace,
      body: runningPod("args-only", { containers: [{ name: "main", image, args: ["echo from-args; sleep 100"] }] }),
    });
    const group = await eventually(() => {
      const g = groupOf("args-only");
      assert.equal(g.length, 1);
      return g[0];
    }, { what: "the container group" });
    const body = sandbox.emulator.record.bodiesFor(group.name, "ContainerGroups_CreateOrUpdate")[0] as { properties: { containers: { properties: { command: string[] } }[] } };
    assert.deepEqual(body.properties.containers[0].properties.command, ["sh", "-c", "echo from-args; sleep 100"]);
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "args-only" })).status?.phase, "Running"), { what: "Running" });
  });

  it("keeps a pod whose image the registry cannot find Pending in ImagePullBackOff, and runs it once the image is pushed", async () => {
    await core.createNamespacedPod({
      namespace,
      body: runningPod("no-entrypoint", { containers: [{ name: "main", image: `${registry.host}/tools/late:v1`, args: ["echo late; sleep 100"] }] }),
    });
    const waiting = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "no-entrypoint" });
      assert.equal(p.status?.phase, "Pending");
      assert.match(p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "", /^(ErrImagePull|ImagePullBackOff)$/);
      return p;
    }, { what: "the container waiting on its image" });
    assert.match(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "", /tools\/late:v1.*not found/);
    assert.doesNotMatch(waiting.status?.message ?? "", /command/);
    assert.equal(groupOf("no-entrypoint").length, 0);
    // The image appears (pushed late): the next attempt after the backoff runs the pod.
    await registry.pushImage("tools/late", "v1", { entrypoint: ["sh", "-c"], cmd: ["echo default"] });
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "no-entrypoint" })).status?.phase, "Running"), { timeoutMs: 45_000, what: "Running once the image exists" });
  });

  it("adopts running container groups after a restart instead of creating them again", async () => {
    await core.createNamespacedPod({ namespace, body: runningPod("survivor") });
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "survivor" })).status?.phase, "Running"), { what: "Running" });
    const createsBefore = emulator.record.calls.filter((c) => c.method === "PUT" && c.path.includes(`${namespace}-survivor`)).length;
    await sandbox.stop({ keepNode: true });
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator, flags: [`--insecure-registries=${registry.host}`] });
    await core.deleteNamespacedPod({ namespace, name: "survivor" });
    await eventually(() => assert.equal(groupOf("survivor").length, 0), { what: "the adopted group to be deleted with its pod" });
    const createsAfter = emulator.record.calls.filter((c) => c.method === "PUT" && c.path.includes(`${namespace}-survivor`)).length;
    assert.equal(createsAfter, createsBefore, "no second create for the same pod");
  });

  function runningPod(name: string, spec: Partial<NonNullable<V1Pod["spec"]>> = {}): V1Pod {
    return {
      metadata: { name },
      spec: {
        nodeSelector: { "kubernetes.io/hostname": nodeName },
        tolerations: [toleration],
        restartPolicy: "Never",
        containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "1000"] }],
        ...spec,
      },
    };
  }
});
