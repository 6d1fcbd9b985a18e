/**
 * Runs the pods bound to the virtual node. Level-triggered: informer handlers and provider pushes
 * only enqueue `namespace/name` keys; workers re-read the cache and reconcile idempotently.
 *
 * Two queues, named by the way data flows:
 * - `fromKubernetes`: a pod changed in the API server → create, or delete, its backing.
 * - `statusFromProvider`: the backend saw a pod change → write `pods/status` if anything changed.
 */
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions, type V1Pod, type V1PodStatus } from "@kubernetes/client-node";
import { EPHEMERAL_MESSAGE, EPHEMERAL_REASON, ephemeralContainerStatuses } from "../aci/status";
import type { Logger } from "../log";
import type { PodProvider, PodStatusUpdate } from "../provider/provider";
import { type BackoffPolicy, backoffDelay } from "../util/backoff";
import { canonicalJson } from "../util/canonical";
import { isConflict, isNotFound } from "../util/kube-errors";
import { EventRecorder } from "./event-recorder";
import { PodInformer, podKey, splitKey } from "./pod-informer";
import { ERR_IMAGE_PULL_MS, IMAGE_PULL_BACKOFF, PullBackoff, deadlineStatus, containersWaitingStatus, replacingStatus } from "./pod-states";
import { type CreateFailureContext, reportCreateError } from "./create-failures";
import { WorkQueue } from "./work-queue";

export interface PodControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly provider: PodProvider;
  readonly log: Logger;
  /** @default 8 */
  readonly workers?: number;
  /** How often backing whose pod is gone is collected. @default 60_000 */
  readonly gcIntervalMs?: number;
  /** Pod status writes to the API server. @default 50/s, burst 200 */
  readonly statusWrites?: { readonly perSecond: number; readonly burst: number };
  /** Waits between attempts to pull an image that failed. @default the kubelet's: 10 s doubling to 5 min */
  readonly imagePullBackoff?: BackoffPolicy;
}

const TERMINAL = new Set(["Succeeded", "Failed"]);
const DELETE_BACKOFF = { baseMs: 1_000, maxMs: 60_000 };

export class PodController {
  readonly fromKubernetes = new WorkQueue({ name: "fromKubernetes" });
  readonly statusFromProvider: WorkQueue;
  private readonly informer: PodInformer;
  private readonly core: CoreV1Api;
  private readonly events: EventRecorder;
  /** Pod UIDs whose backing exists (created or adopted) in this process's lifetime. */
  private readonly created = new Set<string>();
  /** The UID last seen under each key, so a vanished pod's backing can still be deleted. */
  private readonly known = new Map<string, string>();
  private readonly pendingStatus = new Map<string, PodStatusUpdate>();
  /** Deletions of backing in progress, by pod UID. */
  private readonly deleting = new Map<string, Promise<void>>();
  /** Pod UIDs whose backing is confirmed gone; the pod object goes next. */
  private readonly backingGone = new Set<string>();
  /** Failed deletions in a row, by pod UID. */
  private readonly deleteFailures = new Map<string, number>();
  private readonly pulls: PullBackoff;
  private readonly failureContext: CreateFailureContext;
  private readonly log: Logger;

  constructor(private readonly options: PodControllerOptions) {
    this.log = options.log;
    this.statusFromProvider = new WorkQueue({ name: "statusFromProvider", rate: options.statusWrites ?? { perSecond: 50, burst: 200 } });
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.events = new EventRecorder(options.kubeConfig, options.nodeName, options.log);
    this.informer = new PodInformer(options.kubeConfig, options.nodeName, options.log, (key) => this.fromKubernetes.add(key));
    this.pulls = new PullBackoff(options.imagePullBackoff ?? IMAGE_PULL_BACKOFF);
    this.failureContext = { events: this.events, queue: this.fromKubernetes, pulls: this.pulls, provider: options.provider, log: this.log, setStatus: (pod, status) => this.setStatus(pod, status) };
    options.provider.onStatusChange((update) => {
      const key = podKey(update.namespace, update.name);
      this.pendingStatus.set(key, update);
      this.statusFromProvider.add(key);
    });
    options.provider.onBackingLost((backend) => {
      // Deleting it ourselves is no loss; anything else is, and the pod's restart policy decides.
      if (this.deleting.has(backend.uid) || !this.created.delete(backend.uid)) return;
      const key = podKey(backend.namespace, backend.name);
      this.log.warn("container group disappeared while its pod runs", { pod: key, uid: backend.uid });
      this.fromKubernetes.add(key);
    });
  }

  /** Lists pods into the cache (call before `run`), so adoption and GC see every pod. */
  async sync(): Promise<void> {
    await this.informer.start();
  }

  /** Deletes backing whose pod no longer exists, all at once; returns how many were deleted. */
  async collectGarbage(): Promise<number> {
    const backends = await this.options.provider.listPods();
    // Pods are read after the listing: a group listed was created for a pod already in the cache,
    // so a pod created meanwhile can never look like an orphan.
    const live = new Set(this.informer.list().map((p) => p.metadata?.uid));
    const orphans = backends.filter((b) => !live.has(b.uid) && !this.deleting.has(b.uid));
    const results = await Promise.allSettled(
      orphans.map((backend) => {
        this.log.info("deleting container group of a pod that no longer exists", { pod: `${backend.namespace}/${backend.name}`, uid: backend.uid });
        return this.deletion(backend.uid, () => this.options.provider.deleteBackendPod(backend));
      }),
    );
    const failed = results.filter((r) => r.status === "rejected");
    if (failed.length > 0) this.log.warn("some orphaned container groups could not be deleted yet; will try again", { failed: failed.length, error: failed[0].reason });
    return results.length - failed.length;
  }

  /** Reconciles until `signal` aborts. Running backing is left alone when it does. */
  async run(signal: AbortSignal): Promise<void> {
    for (const pod of this.informer.list()) this.fromKubernetes.add(podKey(pod.metadata!.namespace!, pod.metadata!.name!));
    const workers = this.options.workers ?? 8;
    const onError = (queue: string) => (key: string, err: unknown) => this.log.warn("reconcile failed; will retry", { queue, pod: key, error: err });
    const gc = this.gcLoop(signal);
    await Promise.all([
      this.fromKubernetes.run(workers, (key) => this.reconcile(key), signal, onError("fromKubernetes")),
      this.statusFromProvider.run(Math.max(2, workers / 2), (key) => this.writeStatus(key), signal, onError("statusFromProvider")),
      gc,
    ]);
    await this.informer.stop();
  }

  private async gcLoop(signal: AbortSignal): Promise<void> {
    const every = this.options.gcIntervalMs ?? 60_000;
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, every);
        signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      if (signal.aborted) return;
      await this.collectGarbage().catch((err: unknown) => this.log.warn("garbage collection failed; will try again", { error: err }));
    }
  }

  /** Brings the backend in line with one pod. */
  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.informer.get(namespace, name);
    const knownUid = this.known.get(key);
    if (!cached || (knownUid && cached.metadata?.uid !== knownUid)) {
      // The pod is gone (or replaced by a new one with the same name): its backing must go too,
      // unless it went before the pod did.
      if (knownUid && this.backingGone.has(knownUid)) {
        this.known.delete(key);
        this.forgetDeleted(knownUid);
      } else if (knownUid) {
        this.deleteBacking(key, { namespace, name, uid: knownUid });
      }
      if (!cached) return;
    }
    const pod = structuredClone(cached);
    const uid = pod.metadata!.uid!;
    this.known.set(key, uid);

    if (pod.metadata?.deletionTimestamp) return this.finishDeletion(key, pod);
    if (TERMINAL.has(pod.status?.phase ?? "")) {
      this.options.provider.untrack(uid);
      return;
    }
    if (this.deadlinePassed(key, pod)) return this.failForDeadline(key, pod);
    if (this.created.has(uid)) return this.refuseEphemeral(pod);
    const wait = this.pulls.remaining(uid);
    if (wait > 0) return this.pullBackingOff(key, pod, wait);
    try {
      const result = await this.options.provider.createPod(pod);
      this.created.add(uid);
      this.pulls.forget(uid);
      // A replaced group's statuses follow on from the lost one's: the tracker maps relative to them.
      const replacing = result.restartCount === undefined ? undefined : replacingStatus(pod, result.restartCount, new Date());
      this.options.provider.track(replacing ? { ...pod, status: replacing } : pod);
      this.fromKubernetes.forget(key);
      this.log.info(result.adopted ? "adopted existing container group" : "created container group", { pod: key, uid });
      if (replacing) {
        const message = `the pod's container group disappeared (deleted outside burstlet, or lost by Azure Container Instances); created it again (restart ${result.restartCount}), as a kubelet restarts containers that died`;
        await this.events.record(pod, { reason: "ContainerGroupLost", message, type: "Warning" });
        await this.setStatus(pod, replacing);
      }
      for (const note of result.notes) await this.events.record(pod, { reason: "ResourcesAdjusted", message: note, type: "Normal" });
    } catch (err) {
      await reportCreateError(this.failureContext, key, pod, err);
    }
  }

  /** Whether `activeDeadlineSeconds` has passed; if not, the pod is looked at again when it does. */
  private deadlinePassed(key: string, pod: V1Pod): boolean {
    const seconds = pod.spec?.activeDeadlineSeconds;
    if (seconds === undefined) return false;
    const since = new Date(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? Date.now()).getTime();
    const left = since + seconds * 1000 - Date.now();
    if (left > 0) this.fromKubernetes.addAfter(key, left);
    return left <= 0;
  }

  /** Fails a pod past its deadline, as the kubelet does, and deletes its group (it stops billing). */
  private async failForDeadline(key: string, pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const status = deadlineStatus(pod, new Date());
    await this.events.record(pod, { reason: "DeadlineExceeded", message: status.message!, type: "Warning" });
    await this.setStatus(pod, status);
    this.pulls.forget(uid);
    this.inBackground(key, uid, () => this.options.provider.deletePod(pod));
  }

  /**
   * Ephemeral containers (`kubectl debug`) cannot join a running group: each new one gets a waiting
   * status saying so, and a warning Event. The tracker follows the pod as it is now.
   */
  private async refuseEphemeral(pod: V1Pod): Promise<void> {
    const reported = new Set((pod.status?.ephemeralContainerStatuses ?? []).map((s) => s.name));
    const fresh = (pod.spec?.ephemeralContainers ?? []).filter((c) => !reported.has(c.name));
    if (fresh.length === 0) return;
    this.options.provider.track(pod);
    for (const c of fresh) await this.events.record(pod, { reason: "Failed", message: `Error: ${EPHEMERAL_REASON}: ephemeral container ${c.name}: ${EPHEMERAL_MESSAGE}`, type: "Warning" });
    await this.setStatus(pod, { ...pod.status, ephemeralContainerStatuses: ephemeralContainerStatuses(pod) });
  }

  /** While a failed pull backs off: `ImagePullBackOff`, an Event, and the next attempt when it ends. */
  private async pullBackingOff(key: string, pod: V1Pod, wait: number): Promise<void> {
    const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason === "ErrImagePull" || s.state?.waiting?.reason === "ImagePullBackOff");
    const shown = this.pulls.sinceFailure(pod.metadata!.uid!);
    if (waiting?.state?.waiting?.reason === "ErrImagePull" && shown < ERR_IMAGE_PULL_MS) {
      this.fromKubernetes.addAfter(key, ERR_IMAGE_PULL_MS - shown);
      return;
    }
    if (waiting?.state?.waiting?.reason === "ErrImagePull") {
      const failing = (pod.status?.containerStatuses ?? []).filter((s) => s.state?.waiting?.reason === "ErrImagePull");
      // A failure that named no image holds every container back; keep it that way.
      const image = failing.length > 1 && failing.length === (pod.spec?.containers ?? []).length ? undefined : waiting.image;
      await this.events.record(pod, { reason: "BackOff", message: `Back-off pulling image "${image ?? failing.map((s) => s.image).join(", ")}"`, type: "Normal" });
      await this.setStatus(pod, containersWaitingStatus(pod, image, "ImagePullBackOff", waiting.state.waiting.message ?? "", new Date()));
    }
    this.fromKubernetes.addAfter(key, wait);
  }

  /**
   * Deletion honours the grace period: the backing goes first, then the pod, by UID precondition.
   * Waiting for the backing to go holds no worker: it runs on its own and queues the pod again.
   */
  private async finishDeletion(key: string, pod: V1Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    if (!this.backingGone.has(uid)) {
      this.inBackground(key, uid, () => this.options.provider.deletePod(pod));
      return;
    }
    try {
      await this.core.deleteNamespacedPod({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid } } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
    // The pod may linger a while (a Job's finalizer); it is forgotten when it leaves the cache.
    this.fromKubernetes.forget(key);
    this.log.info("deleted pod and its container group", { pod: key, uid });
  }

  /** The backing of a pod that vanished (or was replaced under the same name) goes, in the background. */
  private deleteBacking(key: string, backend: { namespace: string; name: string; uid: string }): void {
    if (this.known.get(key) === backend.uid) this.known.delete(key);
    this.inBackground(key, backend.uid, () => this.options.provider.deleteBackendPod(backend));
  }

  /** Deletes a pod's backing in the background; when that ends, the key is reconciled again. */
  private inBackground(key: string, uid: string, remove: () => Promise<void>): void {
    if (this.deleting.has(uid)) return;
    this.deletion(uid, remove).then(
      () => {
        this.deleteFailures.delete(uid);
        this.created.delete(uid);
        this.backingGone.add(uid);
        this.fromKubernetes.add(key);
        // A vanished pod has nothing left to finish.
        const { namespace, name } = splitKey(key);
        if (this.informer.get(namespace, name)?.metadata?.uid !== uid) this.forgetDeleted(uid);
      },
      (err: unknown) => {
        // Backoff per UID: the key's own backoff is reset by each reconcile that starts a deletion.
        const failures = (this.deleteFailures.get(uid) ?? 0) + 1;
        this.deleteFailures.set(uid, failures);
        const retryIn = backoffDelay(DELETE_BACKOFF, failures);
        this.log.warn("deleting a container group failed; will retry", { pod: key, uid, retryInMs: retryIn, error: err });
        // A vanished pod's key remembers the UID, so the retry knows what to delete (if a new pod
        // took the name meanwhile, garbage collection deletes the old backing instead).
        if (!this.known.has(key)) this.known.set(key, uid);
        this.fromKubernetes.addAfter(key, retryIn);
      },
    );
  }

  /** One deletion at a time per pod UID, whoever starts it (a reconcile or garbage collection). */
  private deletion(uid: string, remove: () => Promise<void>): Promise<void> {
    const running = this.deleting.get(uid);
    if (running) return running;
    // Its status is of no interest any more: reads go to pods that run.
    this.options.provider.untrack(uid);
    const deletion = remove().finally(() => this.deleting.delete(uid));
    this.deleting.set(uid, deletion);
    return deletion;
  }

  private forgetDeleted(uid: string): void {
    this.pulls.forget(uid);
    this.backingGone.delete(uid);
    this.deleteFailures.delete(uid);
    this.events.forget(uid);
  }

  /** Writes what the backend observed, if it is news to the API server. */
  private async writeStatus(key: string): Promise<void> {
    const update = this.pendingStatus.get(key);
    const { namespace, name } = splitKey(key);
    const cached = this.informer.get(namespace, name);
    if (!update || !cached || cached.metadata?.uid !== update.uid) {
      this.pendingStatus.delete(key);
      return;
    }
    const pod = structuredClone(cached);
    for (const event of update.events) await this.events.record(pod, event);
    if (TERMINAL.has(pod.status?.phase ?? "")) {
      this.pendingStatus.delete(key);
      return;
    }
    await this.setStatus(pod, update.status);
    if (this.pendingStatus.get(key) === update) this.pendingStatus.delete(key);
  }

  /** Replaces `pods/status` only when something changed; a conflict is retried from the fresh cache. */
  private async setStatus(pod: V1Pod, status: V1PodStatus): Promise<void> {
    const merged: V1PodStatus = { ...status, qosClass: pod.status?.qosClass ?? status.qosClass };
    if (canonicalJson(merged) === canonicalJson(pod.status)) return;
    try {
      // A merge patch of the whole status, preconditioned on the UID: no resourceVersion, so a
      // cache that lags our own last write cannot turn every update into a conflict.
      await this.core.patchNamespacedPodStatus(
        { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, body: { metadata: { uid: pod.metadata!.uid }, status: merged } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
      );
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }

  /** Used by tests and the kubelet API: the cached pod. */
  getPod(namespace: string, name: string): V1Pod | undefined {
    return this.informer.get(namespace, name);
  }

  listPods(): readonly V1Pod[] {
    return this.informer.list();
  }
}

