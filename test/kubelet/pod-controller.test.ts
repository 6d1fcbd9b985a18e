import { strict as assert } from "node:assert";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { TransientError } from "../../kubelet/src/errors";
import { silentLogger } from "../../kubelet/src/log";
import { PodController } from "../../kubelet/src/pods/pod-controller";
import type { BackendPod, PodProvider } from "../../kubelet/src/provider/provider";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";

/** A backend whose deletions and listings the test steers; it runs nothing. */
class SteeredProvider implements PodProvider {
  readonly deletes: string[] = [];
  readonly backendDeletes: string[] = [];
  failDeletes = true;
  listing: () => Promise<BackendPod[]> = () => Promise.resolve([]);

  createPod(): Promise<{ notes: string[]; adopted: boolean }> {
    return Promise.resolve({ notes: [], adopted: false });
  }
  deletePod(pod: V1Pod): Promise<void> {
    this.deletes.push(pod.metadata!.uid!);
    return this.failDeletes ? Promise.reject(new TransientError("the resource group is locked")) : Promise.resolve();
  }
  getPodStatus(): never {
    throw new Error("not used");
  }
  listPods(): Promise<BackendPod[]> {
    return this.listing();
  }
  deleteBackendPod(pod: BackendPod): Promise<void> {
    this.backendDeletes.push(pod.uid);
    return Promise.resolve();
  }
  getContainerLogs(): never {
    throw new Error("not used");
  }
  health(): never {
    throw new Error("not used");
  }
  capacity(): never {
    throw new Error("not used");
  }
  onStatusChange(): void {}
  onBackingLost(): void {}
  track(): void {}
  untrack(): void {}
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
    controller = new PodController({ kubeConfig: cp.kubeConfig(), nodeName, provider, log: silentLogger, gcIntervalMs: 3_600_000 });
    await controller.sync();
    stop = new AbortController();
    running = controller.run(stop.signal);
  });
  afterEach(async () => {
    stop.abort();
    await running;
  });

  it("backs off a deletion that keeps failing, then deletes the pod once its backing is gone", async () => {
    const created = await core.createNamespacedPod({ namespace, body: pod("locked") });
    await eventually(() => assert.ok(controller.getPod(namespace, "locked")), { what: "the pod in the cache" });
    await core.deleteNamespacedPod({ namespace, name: "locked", gracePeriodSeconds: 30 });
    const since = Date.now();
    await eventually(() => assert.ok(provider.deletes.length >= 1), { what: "the first delete" });
    await new Promise((r) => setTimeout(r, 8_000));
    // Backoff of 1, 2, 4 s (with jitter in [½, 1]) allows at most 5 attempts in 8 s; a retry per
    // reconcile would have made dozens.
    assert.ok(provider.deletes.length >= 2 && provider.deletes.length <= 5, `${provider.deletes.length} deletes in ${Date.now() - since} ms`);
    assert.ok(provider.deletes.every((uid) => uid === created.metadata!.uid));
    assert.equal((await core.readNamespacedPod({ namespace, name: "locked" })).metadata?.uid, created.metadata!.uid, "the pod stays while its backing does");

    provider.failDeletes = false;
    await eventually(async () => {
      const left = await core.listNamespacedPod({ namespace, fieldSelector: "metadata.name=locked" });
      assert.equal(left.items.length, 0);
    }, { timeoutMs: 90_000, what: "the pod to go after its backing" });
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
    assert.equal(await controller.collectGarbage(), 1);
    assert.deepEqual(provider.backendDeletes, ["0f4e1c2a-0000-4000-8000-000000000000"]);
  });
});
