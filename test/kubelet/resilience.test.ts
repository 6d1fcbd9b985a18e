import { strict as assert } from "node:assert";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { type AciEmulator, METRICS_BATCH_OPERATION, startAciEmulator } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { seededRandom } from "../../sandbox/aci-emulator/behaviour";
import { TAGS } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { BurstletProcess } from "../fixtures/burstlet-process";
import { startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";
import { burstJob } from "../fixtures/jobs";

/** Create requests the emulator received, per pod UID. */
function createsPerUid(emulator: AciEmulator, namespace: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const body of emulator.record.bodies) {
    if (body.operation !== "ContainerGroups_CreateOrUpdate") continue;
    const tags = (body.body as { tags?: Record<string, string> }).tags ?? {};
    if (tags[TAGS.namespace] !== namespace) continue;
    counts.set(tags[TAGS.podUid], (counts.get(tags[TAGS.podUid]) ?? 0) + 1);
  }
  return counts;
}

/**
 * No window of calls, as the emulator saw them arrive, holds more than a token bucket of this size
 * lets through. Arrival times are not send times: requests sent over a little more than the window
 * can arrive within it, so the bucket gets 250 ms of transit jitter on top of the window.
 */
function assertWithinBudget(times: number[], perSecond: number, burst: number, what: string): void {
  const sorted = [...times].sort((a, b) => a - b);
  for (const windowMs of [1_000, 5_000, 20_000]) {
    const allowed = Math.floor(burst + (perSecond * (windowMs + 250)) / 1000) + 1;
    let start = 0;
    for (let end = 0; end < sorted.length; end++) {
      while (sorted[end] - sorted[start] > windowMs) start++;
      assert.ok(end - start + 1 <= allowed, `${end - start + 1} ${what} within ${windowMs} ms exceeds the budget of ${allowed}`);
    }
  }
}

const BUDGET = { writesPerSecond: 5, writeBurst: 10, readsPerSecond: 20, readBurst: 40 };

describe("burstlet under pressure", function () {
  this.timeout(45 * 60_000);
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  before(async () => {
    cp = await sharedControlPlane();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: "unlimited", quotas: "unlimited", seed: 7 });
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    batch = cp.kubeConfig().makeApiClient(BatchV1Api);
  });
  after(async () => emulator?.close());

  /** A burstlet on the shared emulator with a small ARM budget, so the faults bite. */
  function startBudgetedBurstlet(nodeName: string) {
    return startSandboxBurstlet(cp, {
      nodeName,
      sharedEmulator: emulator,
      flags: [`--arm-writes-per-second=${BUDGET.writesPerSecond}`, `--arm-write-burst=${BUDGET.writeBurst}`, `--arm-reads-per-second=${BUDGET.readsPerSecond}`, `--arm-read-burst=${BUDGET.readBurst}`],
    });
  }

  async function waitForJob(namespace: string, name: string, pods: number): Promise<void> {
    await eventually(async () => {
      const j = await batch.readNamespacedJob({ namespace, name });
      assert.equal(j.status?.failed ?? 0, 0, "no pod failed");
      assert.equal(j.status?.succeeded, pods, JSON.stringify(j.status));
    }, { timeoutMs: 240_000, intervalMs: 500, what: `Job ${name} to complete` });
  }

  async function deleteJobAndWaitForCleanup(namespace: string, name: string, timeoutMs = 120_000): Promise<void> {
    await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: "Foreground" });
    await eventually(async () => assert.equal((await core.listNamespacedPod({ namespace })).items.length, 0), { timeoutMs, intervalMs: 500, what: "pods to go" });
    await eventually(() => assert.equal(emulator.groups().filter((g) => g.tags?.[TAGS.namespace] === namespace).length, 0), { timeoutMs: 60_000, what: "container groups to go" });
  }

  it("survives kill -9 at random moments of a 100-pod burst: one create per pod, Job done, nothing left", async () => {
    const nodeName = "burstlet-kill-test";
    const namespace = await testNamespace(cp, "kill");
    const burstlet = new BurstletProcess(cp, emulator, { nodeName, logDir: mkdtempSync(path.join(tmpdir(), "burstlet-kill-")) });
    const random = seededRandom(2024);
    try {
      burstlet.start();
      await eventually(async () => assert.equal((await core.readNode({ name: nodeName })).status?.conditions?.find((c) => c.type === "Ready")?.status, "True"), { timeoutMs: 60_000, what: "node Ready" });
      await batch.createNamespacedJob({ namespace, body: burstJob("burst", nodeName, 100, ["sh", "-c", "echo working; sleep 60"]) });
      for (let kill = 0; kill < 3; kill++) {
        await new Promise((r) => setTimeout(r, 500 + Math.floor(random() * 2_500)));
        await burstlet.kill();
        burstlet.start();
      }
      await waitForJob(namespace, "burst", 100);
      const creates = createsPerUid(emulator, namespace);
      assert.equal(creates.size, 100, "every pod got a container group");
      const duplicated = [...creates].filter(([, n]) => n !== 1);
      assert.deepEqual(duplicated, [], "exactly one create per pod UID");
      await deleteJobAndWaitForCleanup(namespace, "burst");
    } catch (err) {
      console.log(burstlet.logTails(15));
      throw err;
    } finally {
      await burstlet.stop();
    }
  });

  it("keeps pods Pending, never Failed, while half the writes are throttled and a fifth of calls fail; stays within its budget", async () => {
    const nodeName = "burstlet-throttle-test";
    const namespace = await testNamespace(cp, "throttle");
    const sandbox = await startBudgetedBurstlet(nodeName);
    const since = Date.now();
    try {
      emulator.faults.set({ throttleWriteRate: 0.5, throttleRetryAfterSeconds: 1, errorRate: 0.2 });
      await batch.createNamespacedJob({ namespace, body: burstJob("steady", nodeName, 30, ["sleep", "100000"]) });
      await eventually(() => assert.ok(createsPerUid(emulator, namespace).size >= 15), { timeoutMs: 60_000, what: "half the burst to be created under faults" });
      const waiting = await core.listNamespacedEvent({ namespace, fieldSelector: "reason=ProviderWaiting" });
      assert.ok(waiting.items.length > 0, "waiting pods were told why");
      emulator.faults.clear();
      await eventually(async () => {
        const pods = (await core.listNamespacedPod({ namespace })).items;
        assert.equal(pods.length, 30);
        assert.deepEqual(pods.filter((p) => p.status?.phase !== "Running").map((p) => `${p.metadata?.name}:${p.status?.phase}`), []);
      }, { timeoutMs: 120_000, intervalMs: 500, what: "all 30 pods Running" });
      const job = await batch.readNamespacedJob({ namespace, name: "steady" });
      assert.equal(job.status?.failed ?? 0, 0, "no pod failed");

      const calls = emulator.record.calls.filter((c) => c.at >= since && c.operation !== "Identity_Token" && c.operation !== METRICS_BATCH_OPERATION && !c.operation.startsWith("Emulator"));
      const writes = calls.filter((c) => c.method !== "GET").map((c) => c.at);
      const reads = calls.filter((c) => c.method === "GET").map((c) => c.at);
      assertWithinBudget(writes, BUDGET.writesPerSecond, BUDGET.writeBurst, "writes");
      assertWithinBudget(reads, BUDGET.readsPerSecond, BUDGET.readBurst, "reads");
      await deleteJobAndWaitForCleanup(namespace, "steady");
    } finally {
      emulator.faults.clear();
      await sandbox.stop();
    }
  });

  it("scales in while half the deletes are throttled and a fifth of calls fail: every group goes once, no operation is polled", async () => {
    const nodeName = "burstlet-scale-in-test";
    const namespace = await testNamespace(cp, "scalein");
    const sandbox = await startBudgetedBurstlet(nodeName);
    try {
      await batch.createNamespacedJob({ namespace, body: burstJob("fleet", nodeName, 20, ["sleep", "100000"]) });
      await eventually(async () => {
        const pods = (await core.listNamespacedPod({ namespace })).items;
        assert.equal(pods.filter((p) => p.status?.phase === "Running").length, 20);
      }, { timeoutMs: 120_000, intervalMs: 500, what: "all 20 pods Running" });

      const since = Date.now();
      emulator.faults.set({ throttleWriteRate: 0.5, throttleRetryAfterSeconds: 1, errorRate: 0.2 });
      // Each 429 pauses every write for its Retry-After: the scale-in is slow on purpose.
      await deleteJobAndWaitForCleanup(namespace, "fleet", 240_000);
      const calls = emulator.record.calls.filter((c) => c.at >= since && c.operation !== "Identity_Token" && c.operation !== METRICS_BATCH_OPERATION && !c.operation.startsWith("Emulator"));
      const accepted = new Map<string, number>();
      for (const c of calls.filter((c) => c.operation === "ContainerGroups_Delete" && c.status === 202)) accepted.set(c.path, (accepted.get(c.path) ?? 0) + 1);
      assert.equal(accepted.size, 20, "every group's delete was accepted");
      assert.deepEqual([...accepted.values()].filter((n) => n > 1), [], "no group was deleted twice");
      assert.ok(calls.some((c) => c.operation === "ContainerGroups_Delete" && c.status === 429), "deletes were throttled");
      assert.equal(calls.filter((c) => c.operation === "AsyncOperation_Get").length, 0, "no long-running operation was polled");
      assertWithinBudget(calls.filter((c) => c.method !== "GET").map((c) => c.at), BUDGET.writesPerSecond, BUDGET.writeBurst, "writes");
      assertWithinBudget(calls.filter((c) => c.method === "GET").map((c) => c.at), BUDGET.readsPerSecond, BUDGET.readBurst, "reads");
    } finally {
      emulator.faults.clear();
      await sandbox.stop();
    }
  });

  it("recovers a create whose response was lost without creating twice", async () => {
    const nodeName = "burstlet-dropped-create-test";
    const namespace = await testNamespace(cp, "dropped");
    const sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator });
    try {
      emulator.faults.set({ dropNextCreateResponses: 1 });
      await batch.createNamespacedJob({ namespace, body: burstJob("one", nodeName, 1, ["sh", "-c", "sleep 20"]) });
      await waitForJob(namespace, "one", 1);
      const creates = createsPerUid(emulator, namespace);
      assert.deepEqual([...creates.values()], [1], "the lost create was found by its UID, not sent again");
      assert.equal(emulator.record.count("ContainerGroups_CreateOrUpdate", 0), 1, "the emulator dropped one create response");
      await deleteJobAndWaitForCleanup(namespace, "one");
    } finally {
      emulator.faults.clear();
      await sandbox.stop();
    }
  });

  it("deletes orphaned container groups of its own cluster and node only", async () => {
    const nodeName = "burstlet-gc-test";
    const client = emulator.client();
    const group = (cluster: string, node: string) => ({
      location: emulator.location,
      osType: "Linux",
      restartPolicy: "Never",
      tags: { [TAGS.cluster]: cluster, [TAGS.node]: node, [TAGS.namespace]: "gone", [TAGS.pod]: `orphan-${cluster}-${node}`, [TAGS.podUid]: `uid-${cluster}-${node}` },
      containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "1000"], resources: { requests: { cpu: 0.1, memoryInGB: 0.1 } } }],
    });
    await client.containerGroups.beginCreateOrUpdateAndWait(emulator.resourceGroup, "orphan-ours", group("sandbox", nodeName));
    await client.containerGroups.beginCreateOrUpdateAndWait(emulator.resourceGroup, "orphan-other-cluster", group("elsewhere", nodeName));
    await client.containerGroups.beginCreateOrUpdateAndWait(emulator.resourceGroup, "orphan-other-node", group("sandbox", "another-node"));
    const sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator });
    try {
      await eventually(() => assert.ok(!emulator.groups().some((g) => g.name === "orphan-ours")), { what: "the orphan to be collected" });
      const names = emulator.groups().map((g) => g.name);
      assert.ok(names.includes("orphan-other-cluster"), "another cluster's group is untouched");
      assert.ok(names.includes("orphan-other-node"), "another node's group is untouched");
    } finally {
      await sandbox.stop();
      await client.containerGroups.beginDeleteAndWait(emulator.resourceGroup, "orphan-other-cluster");
      await client.containerGroups.beginDeleteAndWait(emulator.resourceGroup, "orphan-other-node");
    }
  });

  it("rides out a kube-apiserver restart mid-burst: no duplicates, the Job completes", async () => {
    const nodeName = "burstlet-apiserver-restart-test";
    const namespace = await testNamespace(cp, "restart");
    const sandbox = await startSandboxBurstlet(cp, { nodeName, sharedEmulator: emulator });
    try {
      await batch.createNamespacedJob({ namespace, body: burstJob("burst", nodeName, 30, ["sh", "-c", "sleep 60"]) });
      await eventually(() => assert.ok(createsPerUid(emulator, namespace).size >= 5), { what: "the burst to start" });
      await cp.restartApiServer();
      await waitForJob(namespace, "burst", 30);
      const creates = createsPerUid(emulator, namespace);
      assert.equal(creates.size, 30);
      assert.ok([...creates.values()].every((n) => n === 1), "exactly one create per pod UID");
      await deleteJobAndWaitForCleanup(namespace, "burst");
    } finally {
      await sandbox.stop();
    }
  });
});
