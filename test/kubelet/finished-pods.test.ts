/**
 * Finished pods hold no quota, and creates stay under ACI's windows: burstlet against the ACI
 * emulator with its regional quota and create/delete windows on, and a real control plane.
 *
 * Sized for two cores: a quota of 6 container groups and windows of 6 creates per 10 s hold the same
 * rules as ACI's defaults (100 groups; 100 creates per 5 minutes, 300 per hour) at a fraction of the
 * pods and minutes; the pacing arithmetic at the default sizes is covered by the unit tests.
 */
import { strict as assert } from "node:assert";
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod, type V1Toleration } from "@kubernetes/client-node";
import { type AciEmulator, startAciEmulator } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { KEEP_GROUP_ANNOTATION, TAGS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";
import { burstJob } from "../fixtures/jobs";

const toleration: V1Toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };
/** ARM's request budgets off (not under test here); ACI's windows at their defaults unless overridden. */
const ACI_ONLY = { reads: null, writes: null, deletes: null } as const;

function job(name: string, nodeName: string, pods: number, line: string): V1Job {
  return burstJob(name, nodeName, pods, ["sh", "-c", `echo ${line}; sleep 20`], { cpu: "250m", memory: "256Mi" });
}

async function completed(batch: BatchV1Api, namespace: string, name: string, timeoutMs: number): Promise<V1Job> {
  return eventually(async () => {
    const j = await batch.readNamespacedJob({ namespace, name });
    assert.ok(j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), JSON.stringify(j.status));
    return j;
  }, { timeoutMs, what: `Job ${name} to complete` });
}

/** The most groups the emulator held at once while `during` ran. */
async function peakGroups(emulator: AciEmulator, during: () => Promise<void>): Promise<number> {
  let peak = emulator.groups().length;
  const watch = setInterval(() => (peak = Math.max(peak, emulator.groups().length)), 20);
  try {
    await during();
  } finally {
    clearInterval(watch);
  }
  return Math.max(peak, emulator.groups().length);
}

describe("finished pods release their quota (ACI quota and windows on)", function () {
  this.timeout(10 * 60_000);
  const QUOTA = 6;
  const nodeName = "burstlet-finished-test";
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  const groupsOf = (pods: readonly V1Pod[]) => {
    const uids = new Set(pods.map((p) => p.metadata?.uid));
    return emulator.groups().filter((g) => uids.has(g.tags?.[TAGS.podUid]));
  };
  const podsOf = async (jobName: string) => (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` })).items;

  before(async () => {
    cp = await sharedControlPlane();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: ACI_ONLY, quotas: { containerGroups: QUOTA } });
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator });
    namespace = await testNamespace(cp, "finished");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    batch = cp.kubeConfig().makeApiClient(BatchV1Api);
  });
  after(async () => {
    await sandbox?.stop();
    await emulator?.close();
  });

  it("runs two Jobs one after the other under a quota that fits one, without deleting the first, and still serves the first Job's logs", async () => {
    const peak = await peakGroups(emulator, async () => {
      await batch.createNamespacedJob({ namespace, body: job("first", nodeName, QUOTA, "from-the-first-job") });
      await completed(batch, namespace, "first", 120_000);
      await batch.createNamespacedJob({ namespace, body: job("second", nodeName, QUOTA, "from-the-second-job") });
      await completed(batch, namespace, "second", 180_000);
    });
    assert.ok(peak <= QUOTA, `the emulator held ${peak} groups at once, more than the quota of ${QUOTA}`);
    assert.equal(emulator.record.count("ContainerGroups_CreateOrUpdate", 409), 0, "burstlet waited for quota instead of running into it");
    assert.equal(emulator.record.count("ContainerGroups_CreateOrUpdate", 429), 0);
    const first = await podsOf("first");
    assert.equal(first.length, QUOTA, "the first Job and its pods are still there");
    assert.ok(first.every((p) => p.status?.phase === "Succeeded"));
    await eventually(async () => assert.equal(groupsOf([...first, ...(await podsOf("second"))]).length, 0), { timeoutMs: 30_000, what: "every finished pod's group to be deleted" });
    for (const p of first.slice(0, 2)) {
      const text = await core.readNamespacedPodLog({ namespace, name: p.metadata!.name!, container: "work" });
      assert.equal(text, "from-the-first-job\n");
      const stamped = await core.readNamespacedPodLog({ namespace, name: p.metadata!.name!, container: "work", timestamps: true, tailLines: 1 });
      assert.match(stamped, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z from-the-first-job\n$/);
    }
  });

  it("keeps the group of a finished pod annotated to keep it", async () => {
    const body = (name: string, annotations: Record<string, string>): V1Pod => ({
      metadata: { name, annotations },
      spec: { restartPolicy: "Never", nodeSelector: { "kubernetes.io/hostname": nodeName }, tolerations: [toleration], containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", `echo ${name}; sleep 10`] }] },
    });
    await core.createNamespacedPod({ namespace, body: body("kept", { [KEEP_GROUP_ANNOTATION]: "true" }) });
    await core.createNamespacedPod({ namespace, body: body("released", {}) });
    const finished = await eventually(async () => {
      const pods = await Promise.all(["kept", "released"].map((name) => core.readNamespacedPod({ namespace, name })));
      assert.deepEqual(pods.map((p) => p.status?.phase), ["Succeeded", "Succeeded"]);
      return pods;
    }, { timeoutMs: 60_000, what: "both pods to finish" });
    // The pod finished beside it is released: by then the annotated one would have been too.
    await eventually(() => assert.equal(groupsOf([finished[1]]).length, 0), { timeoutMs: 30_000, what: "the other pod's group to be released" });
    assert.equal(groupsOf([finished[0]]).length, 1, "the annotated pod keeps its group");
    assert.equal(await core.readNamespacedPodLog({ namespace, name: "kept", container: "main" }), "kept\n", "read live from ACI");
    await core.deleteNamespacedPod({ namespace, name: "kept", gracePeriodSeconds: 0 });
    await eventually(() => assert.equal(groupsOf([finished[0]]).length, 0), { timeoutMs: 30_000, what: "the group to go with its pod" });
  });

  it("after a restart, releases finished pods whose groups still exist, and says plainly that logs it kept before are gone", async () => {
    const first = await podsOf("first");
    await sandbox.stop({ keepNode: true });
    // A burstlet that keeps finished groups runs a Job; then one that releases them starts.
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator, flags: ["--release-finished-pods=false"] });
    await batch.createNamespacedJob({ namespace, body: job("third", nodeName, 2, "from-the-third-job") });
    await completed(batch, namespace, "third", 120_000);
    const third = await podsOf("third");
    assert.equal(groupsOf(third).length, 2, "groups kept while the node's setting says so");
    await sandbox.stop({ keepNode: true });
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator });
    await eventually(() => assert.equal(groupsOf(third).length, 0), { timeoutMs: 30_000, what: "the groups of pods that finished before the restart to be released" });
    assert.equal(await core.readNamespacedPodLog({ namespace, name: third[0].metadata!.name!, container: "work" }), "from-the-third-job\n", "logs read as the group was released");
    const gone = await core.readNamespacedPodLog({ namespace, name: first[0].metadata!.name!, container: "work" }).then(() => undefined, (e: unknown) => e as { code?: number; body?: unknown });
    assert.ok(gone, "no logs for a pod whose group was released before the restart");
    assert.equal(gone.code, 400, "answered as the kubelet answers logs it cannot serve");
    assert.match(String(gone.body), /keeps final logs in memory only \(it has restarted since/);
  });
});

describe("creates paced under ACI's create window", function () {
  this.timeout(10 * 60_000);
  const WINDOW = { max: 6, windowSeconds: 10 };
  const PODS = 15;
  const nodeName = "burstlet-window-test";
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let sandbox: SandboxBurstlet;
  let namespace: string;

  before(async () => {
    cp = await sharedControlPlane();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: { ...ACI_ONLY, creates: [WINDOW] }, quotas: "unlimited" });
    sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator, flags: [`--aci-create-windows=${WINDOW.max}/${WINDOW.windowSeconds}s`] });
    namespace = await testNamespace(cp, "window");
  });
  after(async () => {
    await sandbox?.stop();
    await emulator?.close();
  });

  it("runs a burst larger than the window with no 429 from ACI, its waiting pods Pending with the condition and an Event", async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    const startedAt = Date.now();
    await batch.createNamespacedJob({ namespace, body: job("burst", nodeName, PODS, "burst") });
    const waiting = await eventually(async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: "job-name=burst" })).items;
      const held = pods.find((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.reason === "WaitingForCreateSlot"));
      assert.ok(held, "a pod waits for a create slot");
      return held;
    }, { timeoutMs: 60_000, what: "a pod waiting for a create slot" });
    assert.equal(waiting.status?.phase, "Pending");
    const condition = waiting.status.conditions!.find((c) => c.type === "Ready")!;
    assert.match(condition.message ?? "", /^waiting for a create slot under 6 container group creates per 10 seconds: a slot is expected at \S+Z \(in \d+ s\)$/);
    await completed(batch, namespace, "burst", 180_000);
    const events = await core.listNamespacedEvent({ namespace, fieldSelector: "reason=WaitingForCreateSlot" });
    assert.ok(events.items.length >= PODS - WINDOW.max, `an Event for each pod that waited (${events.items.length})`);
    assert.match(events.items[0].message ?? "", /6 container group creates per 10 seconds/);

    assert.equal(emulator.record.count("ContainerGroups_CreateOrUpdate", 429), 0, "no create ran into ACI's window");
    const creates = emulator.record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status === 201 && c.at >= startedAt).map((c) => c.at);
    assert.equal(creates.length, PODS);
    for (const t of creates) assert.ok(creates.filter((u) => u > t - WINDOW.windowSeconds * 1000 && u <= t).length <= WINDOW.max, "never more than the window's creates in any window");
    // 15 creates at 6 per 10 s need three windows: the last goes at least two windows after the first.
    const span = Math.max(...creates) - Math.min(...creates);
    assert.ok(span >= 2 * WINDOW.windowSeconds * 1000, `all created over ${span} ms`);
    console.log(`      ${PODS} creates at ${WINDOW.max} per ${WINDOW.windowSeconds} s: first to last create ${(span / 1000).toFixed(1)} s, Job complete ${((Date.now() - startedAt) / 1000).toFixed(1)} s after it was created`);
  });
});
