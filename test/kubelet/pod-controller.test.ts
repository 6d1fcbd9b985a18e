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
  listing: () => Promise<BackendPod[]> = () => Promise.resolve([]);

  run(): Promise<void> {
    return Promise.resolve();
  }
  createPod(): Promise<{ notes: string[]; adopted: boolean }> {
    return Promise.resolve({ notes: [], adopted: false });
  }
  updatePod(): void {}
  deletePod(pod: BackendPod, finished?: V1Pod): Promise<void> {
    this.deletes.push(pod.uid);
    if (finished) this.finished.set(pod.uid, finished);
    return this.failDeletes ? Promise.reject(new TransientError("the resource group is locked")) : Promise.resolve();
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
