import { strict as assert } from "node:assert";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { TransientError } from "../../kubelet/src/errors";
import { silentLogger } from "../../kubelet/src/log";
import { PodController } from "../../kubelet/src/pods/pod-controller";
import type { BackendPod, PodNotice, PodProvider } from "../../kubelet/src/provider/provider";
import { KEEP_GROUP_ANNOTATION } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";
import { ManualClock } from "../fixtures/manual-clock";

/** A backend whose deletions and listings the test steers; it runs nothing. */
class SteeredProvider implements PodProvider {
  readonly deletes: string[] = [];
  /** The pods passed as finished to deletions, by UID. */
  readonly finished = new Map<string, V1Pod>();
  listener: (notice: PodNotice) => void = () => undefined;
  failDeletes = true;
  /** Deletes wait for this, when set. */
  deleteGate: Promise<void> | undefined;
  listing: () => Promise<BackendPod[]> = () => Promise.resolve([]);

  run(): Promise<void> {
    return Promise.resolve();
  }
  /** What happened, in order, for tests about overlap. */
  readonly log: string[] = [];
  /** Creates wait for this, when set. */
  createGate: Promise<void> | undefined;

  async createPod(pod: V1Pod): Promise<{ notes: string[]; adopted: boolean }> {
    this.log.push(`create ${pod.metadata!.uid} started`);
    await this.createGate;
    this.log.push(`create ${pod.metadata!.uid} done`);
    return { notes: [], adopted: false };
  }
  updatePod(): void {}
  async deletePod(pod: BackendPod, finished?: V1Pod): Promise<undefined> {
    this.deletes.push(pod.uid);
    this.log.push(`delete ${pod.uid}`);
    if (finished) this.finished.set(pod.uid, finished);
    await this.deleteGate;
    if (this.failDeletes) throw new TransientError("the resource group is locked");
    return undefined;
  }
  listPods(): Promise<BackendPod[]> {
    return this.listing();
  }
  forgetPod(): void {}
  getContainerLogs(): never {
    throw new Error("not used");
  }
  health(): never {
    throw new Error("not used");
  }
  capacity(): never {
    throw new Error("not used");
  }
  stats(): never {
    throw new Error("not used");
  }
  notify(listener: (notice: PodNotice) => void): void {
    this.listener = listener;
  }
  acknowledge(): void {}
}

describe("pod controller deletions (real API server, steered backend)", function () {
  this.timeout(5 * 60_000);
  let cp: ControlPlane;
  let core: CoreV1Api;
  let namespace: string;
  let provider: SteeredProvider;
  let controller: PodController;
  let stop: AbortController;
  let running: Promise<void>;
  let clock: ManualClock;
  const nodeName = "burstlet-pod-controller-test";

  const pod = (name: string): V1Pod => ({
    metadata: { name },
    spec: { nodeName, restartPolicy: "Never", containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "3600"] }] },
  });

  before(async () => {
    cp = await sharedControlPlane();
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    namespace = await testNamespace(cp, "pod-controller");
  });
  beforeEach(async () => {
    provider = new SteeredProvider();
    clock = new ManualClock(Date.now());
    controller = new PodController({ kubeConfig: cp.kubeConfig(), nodeName, provider, log: silentLogger, gcIntervalMs: 3_600_000, clock });
    await controller.sync();
    stop = new AbortController();
    running = controller.run(stop.signal);
  });
  afterEach(async () => {
    stop.abort();
    await running;
  });

  it("backs off a deletion that keeps failing (1 s doubling, through its queue), then deletes the pod once its backing is gone", async () => {
    const created = await core.createNamespacedPod({ namespace, body: pod("locked") });
    const uid = created.metadata!.uid!;
    const key = `${namespace}/locked/${uid}`;
    await eventually(() => assert.ok(controller.getPod(namespace, "locked")), { what: "the pod in the cache" });
    await core.deleteNamespacedPod({ namespace, name: "locked", gracePeriodSeconds: 30 });
    await eventually(() => assert.equal(provider.deletes.length, 1), { what: "the first delete" });
    for (let attempt = 2; attempt <= 5; attempt++) {
      await eventually(() => assert.ok(controller.deleteFromKubernetes.delayedUntil(key)), { what: `retry ${attempt} scheduled` });
      const wait = controller.deleteFromKubernetes.delayedUntil(key)! - clock.now();
      const step = 1_000 * 2 ** (attempt - 2);
      assert.ok(wait >= step / 2 && wait <= step, `retry ${attempt} waits ${wait} ms, the backoff step is ${step} ms with jitter in [½, 1]`);
      await clock.advance(wait - 1);
      assert.equal(provider.deletes.length, attempt - 1, "no retry before its backoff ends");
      await clock.advance(1);
      await eventually(() => assert.equal(provider.deletes.length, attempt), { what: `delete attempt ${attempt}` });
    }
    assert.ok(provider.deletes.every((d) => d === uid));
    assert.equal((await core.readNamespacedPod({ namespace, name: "locked" })).metadata?.uid, uid, "the pod stays while its backing does");

    provider.failDeletes = false;
    await eventually(() => assert.ok(controller.deleteFromKubernetes.delayedUntil(key)), { what: "the next retry scheduled" });
    await clock.advance(controller.deleteFromKubernetes.delayedUntil(key)! - clock.now());
    await eventually(async () => {
      const left = await core.listNamespacedPod({ namespace, fieldSelector: "metadata.name=locked" });
      assert.equal(left.items.length, 0);
    }, { timeoutMs: 30_000, what: "the pod to go after its backing" });
    await eventually(() => assert.equal(controller.records.get(uid), undefined), { what: "the pod's record to go with it" });
  });

  it("never collects the backing of a pod that appeared while the backend was being listed", async () => {
    let created: V1Pod | undefined;
    provider.listing = async () => {
      // The pod and its group come into being while the listing is on its way.
      created = await core.createNamespacedPod({ namespace, body: pod("newcomer") });
      await eventually(() => assert.ok(controller.getPod(namespace, "newcomer")), { what: "the pod in the cache" });
      return [
        { namespace, name: "newcomer", uid: created.metadata!.uid! },
        { namespace, name: "gone-long-ago", uid: "0f4e1c2a-0000-4000-8000-000000000000" },
      ];
    };
    provider.failDeletes = false;
    assert.equal(await controller.collectGarbage(), 1);
    await eventually(() => assert.deepEqual(provider.deletes, ["0f4e1c2a-0000-4000-8000-000000000000"]), { what: "the orphan's deletion" });
    await eventually(() => assert.equal(controller.records.get("0f4e1c2a-0000-4000-8000-000000000000"), undefined), { what: "the orphan's record to go" });
    provider.listing = () => Promise.resolve([{ namespace, name: "newcomer", uid: created!.metadata!.uid! }]);
    assert.equal(await controller.collectGarbage(), 0, "nothing left to collect");
  });

  it("never deletes again a group whose deletion finished while the backend was being listed", async () => {
    provider.failDeletes = false;
    const created = await core.createNamespacedPod({ namespace, body: pod("quick") });
    const uid = created.metadata!.uid!;
    await eventually(() => assert.ok(controller.records.get(uid)), { what: "the pod's record" });
    provider.listing = async () => {
      // The listing sees the group; meanwhile the pod is deleted and its deletion completes.
      await core.deleteNamespacedPod({ namespace, name: "quick", gracePeriodSeconds: 0 });
      await eventually(() => assert.equal(controller.records.get(uid), undefined), { what: "the deletion to finish" });
      return [{ namespace, name: "quick", uid }];
    };
    assert.equal(await controller.collectGarbage(), 0);
    assert.deepEqual(provider.deletes.filter((d) => d === uid), [uid], "one delete");
  });

  it("deletes a group once when its pod is force-deleted while the deletion runs", async () => {
    provider.failDeletes = false;
    let open!: () => void;
    provider.deleteGate = new Promise((resolve) => (open = resolve));
    let handled = 0;
    controller.deleteFromKubernetes.observer = () => void handled++;
    const created = await core.createNamespacedPod({ namespace, body: pod("forced") });
    const uid = created.metadata!.uid!;
    await eventually(() => assert.ok(controller.records.get(uid)), { what: "the pod's record" });
    await core.deleteNamespacedPod({ namespace, name: "forced", gracePeriodSeconds: 30 });
    await eventually(() => assert.equal(provider.deletes.length, 1), { what: "the delete to start" });
    // While it runs, the pod object goes for good: its deletion is queued again.
    await core.deleteNamespacedPod({ namespace, name: "forced", gracePeriodSeconds: 0 });
    await eventually(() => assert.equal(controller.getPod(namespace, "forced"), undefined), { what: "the pod to leave the cache" });
    open();
    await eventually(() => assert.ok(handled >= 2), { what: "the deletion and its queued repeat" });
    assert.deepEqual([provider.deletes, controller.records.get(uid)], [[uid], undefined], "one delete, and the record gone");
  });

  it("never deletes a pod's group while its create is still on its way, and deletes what the create made", async () => {
    provider.failDeletes = false;
    let open!: () => void;
    provider.createGate = new Promise((resolve) => (open = resolve));
    const created = await core.createNamespacedPod({ namespace, body: pod("racing") });
    const uid = created.metadata!.uid!;
    await eventually(() => assert.ok(provider.log.includes(`create ${uid} started`)), { what: "the create to start" });
    await core.deleteNamespacedPod({ namespace, name: "racing", gracePeriodSeconds: 0 });
    await eventually(() => assert.equal(controller.getPod(namespace, "racing"), undefined), { what: "the pod to leave the cache" });
    assert.deepEqual(provider.deletes, [], "no delete while the create runs");
    open();
    await eventually(() => assert.equal(controller.records.get(uid), undefined), { what: "the record to go" });
    assert.deepEqual(provider.log.filter((l) => l.includes(uid)), [`create ${uid} started`, `create ${uid} done`, `delete ${uid}`]);
  });

  it("releases a finished pod's backing once its final status is written, the pod object staying, unless the pod asks to keep it", async () => {
    provider.failDeletes = false;
    const kept = { ...pod("debug-me"), metadata: { name: "debug-me", annotations: { [KEEP_GROUP_ANNOTATION]: "true" } } };
    const created = await Promise.all([core.createNamespacedPod({ namespace, body: pod("done") }), core.createNamespacedPod({ namespace, body: kept })]);
    const uids = created.map((p) => p.metadata!.uid!);
    await eventually(() => assert.ok(uids.every((uid) => controller.records.get(uid)?.backing === "running")), { what: "both pods created" });
    const succeeded = { phase: "Succeeded", containerStatuses: [{ name: "main", image: "busybox:1.36", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, finishedAt: new Date() } } }] };
    for (const p of created) provider.listener({ kind: "status", namespace, name: p.metadata!.name!, uid: p.metadata!.uid!, status: succeeded, events: [] });
    await eventually(() => assert.equal(controller.records.get(uids[0])?.backing, "gone"), { what: "the finished pod's backing to go" });
    assert.equal(provider.finished.get(uids[0])?.metadata?.name, "done", "deleted as finished, so its logs are kept");
    assert.equal((await core.readNamespacedPod({ namespace, name: "done" })).status?.phase, "Succeeded", "the pod object stays, its final status written");
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "debug-me" })).status?.phase, "Succeeded"), { what: "the kept pod's final status" });
    assert.deepEqual(provider.deletes, [uids[0]], "the annotated pod keeps its backing");
    assert.equal(controller.records.get(uids[1])?.backing, "running");
  });
});
