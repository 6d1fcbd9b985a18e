/**
 * Runs the pods bound to the virtual node, on the virtual-kubelet model. Level-triggered: informer
 * handlers and provider notices only update the pod's record and queue a key; workers re-read the
 * cache and reconcile idempotently. One record per pod (`pod-records.ts`) holds all there is to know.
 *
 * Three queues, named by the way data flows, each retrying through its own per-key backoff:
 * - `fromKubernetes` (`namespace/name`): a pod appeared or changed in the API server (not just its
 *   status) → create its backing, or decide that it must go;
 * - `deleteFromKubernetes` (`namespace/name/uid`): a pod is being deleted, vanished, was replaced
 *   under its name, or its backing is garbage → delete the backing, then (for a pod that is being
 *   deleted) the pod object;
 * - `statusFromProvider` (`namespace/name`): the backend observed a change → write the Events not
 *   written yet and `pods/status`.
 */
import { CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { EPHEMERAL_MESSAGE, EPHEMERAL_REASON, ephemeralContainerStatuses } from "../aci/status";
import { BILLED_VCPU_SECONDS_ANNOTATION, KEEP_GROUP_ANNOTATION } from "../constants";
import type { Logger } from "../log";
import type { BilledCompute, PodNotice, PodProvider } from "../provider/provider";
import { type BackoffPolicy } from "../util/backoff";
import { type Clock, realClock } from "../util/clock";
import { isConflict, isNotFound } from "../util/kube-errors";
import { type CreateFailureContext, reportCreateError } from "./create-failures";
import { EventRecorder } from "./event-recorder";
import { PodInformer } from "./pod-informer";
import { PodStatusWrites } from "./pod-status-writes";
import { deletionKey, type PodRecord, PodRecords, podKey, splitDeletionKey, splitKey } from "./pod-records";
import { ERR_IMAGE_PULL_MS, IMAGE_PULL_BACKOFF, PullBackoff, containersWaitingStatus, deadlineStatus, replacingStatus } from "./pod-states";
import { WorkQueue } from "./work-queue";

export interface PodControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly provider: PodProvider;
  readonly log: Logger;
  /** Workers for creates and for status writes. @default 8 */
  readonly workers?: number;
  /**
   * Deletions in flight at once. Each mostly waits for its group to go, and the deletion watch
   * confirms all of them with a few reads per round, so many in flight cost less than few: the ARM
   * write budget is what paces them. @default 1000
   */
  readonly deleteWorkers?: number;
  /** How often backing whose pod is gone is collected. @default 60_000 */
  readonly gcIntervalMs?: number;
  /** Pod status writes to the API server. @default 50/s, burst 200 */
  readonly statusWrites?: { readonly perSecond: number; readonly burst: number };
  /** Waits between attempts to pull an image that failed. @default the kubelet's: 10 s doubling to 5 min */
  readonly imagePullBackoff?: BackoffPolicy;
  /**
   * Delete a finished pod's backing (its final logs kept by the provider) once its final status is
   * written, unless the pod asks to keep it (`KEEP_GROUP_ANNOTATION`). @default true
   */
  readonly releaseFinished?: boolean;
  /** Retries of a deletion that failed. @default 1 s doubling to 60 s */
  readonly deleteBackoff?: BackoffPolicy;
  /** Called once per pod whose billed compute was written with its final status (for metrics). */
  readonly onBilled?: (pod: V1Pod, billed: BilledCompute) => void;
  readonly clock?: Clock;
}

const TERMINAL = new Set(["Succeeded", "Failed"]);

export class PodController {
  readonly fromKubernetes: WorkQueue;
  readonly deleteFromKubernetes: WorkQueue;
  readonly statusFromProvider: WorkQueue;
  readonly records: PodRecords;
  private readonly informer: PodInformer;
  private readonly core: CoreV1Api;
  private readonly statusWrites: PodStatusWrites;
  private readonly events: EventRecorder;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly options: PodControllerOptions) {
    this.log = options.log;
    const clock = (this.clock = options.clock ?? realClock);
    this.fromKubernetes = new WorkQueue({ name: "fromKubernetes", clock });
    this.deleteFromKubernetes = new WorkQueue({ name: "deleteFromKubernetes", clock, backoff: options.deleteBackoff ?? { baseMs: 1_000, maxMs: 60_000 } });
    this.statusFromProvider = new WorkQueue({ name: "statusFromProvider", clock, rate: options.statusWrites ?? { perSecond: 50, burst: 200 } });
    const pullPolicy = options.imagePullBackoff ?? IMAGE_PULL_BACKOFF;
    this.records = new PodRecords(() => new PullBackoff(pullPolicy, () => clock.now()));
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.statusWrites = new PodStatusWrites(this.core, options.onBilled);
    this.events = new EventRecorder(options.kubeConfig, options.nodeName, options.log, undefined, clock);
    this.informer = new PodInformer(options.kubeConfig, options.nodeName, options.log, { seen: (pod) => this.seen(pod), vanished: (pod) => this.vanished(pod) }, clock);
    options.provider.notify((notice) => this.noticed(notice));
  }

  /** Lists pods into the cache (call before `run`), so adoption and GC see every pod. */
  async sync(): Promise<void> {
    await this.informer.start();
  }

  /**
   * Queues the deletion of backing whose pod no longer exists, and of finished pods' backing (see
   * `release`); returns how many were queued.
   */
  async collectGarbage(): Promise<number> {
    // A pod whose deletion finishes while the listing is on its way still shows in it, and its
    // record is gone by the time the listing answers: a record from before the listing tells.
    const recorded = new Set(this.records.uids());
    const backends = await this.options.provider.listPods();
    // Pods are read after the listing: a group listed was created for a pod already in the cache,
    // so a pod created meanwhile can never look like an orphan.
    const live = new Map(this.informer.list().map((p) => [p.metadata?.uid, p]));
    let queued = 0;
    for (const backend of backends) {
      // Deleted while the listing was on its way: done already.
      if (recorded.has(backend.uid) && !this.records.get(backend.uid)) continue;
      const pod = live.get(backend.uid);
      if (pod) {
        // A pod that finished while no burstlet ran, or before its backing could go: release it now.
        if (TERMINAL.has(pod.status?.phase ?? "") && this.release(this.records.get(backend.uid) ?? this.records.see(pod).record, pod)) queued++;
        continue;
      }
      const record = this.records.orphan(backend);
      if (record.backing === "deleting" || record.backing === "gone") continue;
      this.log.info("deleting container group of a pod that no longer exists", { pod: podKey(backend.namespace, backend.name), uid: backend.uid });
      this.deleteFromKubernetes.add(deletionKey(backend));
      queued++;
    }
    return queued;
  }

  /** Reconciles until `signal` aborts. Running backing is left alone when it does. */
  async run(signal: AbortSignal): Promise<void> {
    for (const pod of this.informer.list()) this.seen(pod);
    const workers = this.options.workers ?? 8;
    const onError = (queue: string) => (key: string, err: unknown) => this.log.warn("reconcile failed; will retry", { queue, pod: key, error: err });
    await Promise.all([
      this.fromKubernetes.run(workers, (key) => this.reconcile(key), signal, onError("fromKubernetes")),
      this.deleteFromKubernetes.run(this.options.deleteWorkers ?? 1_000, (key) => this.deleteBacking(key), signal, onError("deleteFromKubernetes")),
      this.statusFromProvider.run(Math.max(2, workers / 2), (key) => this.writeStatus(key), signal, onError("statusFromProvider")),
      this.gcLoop(signal),
    ]);
    await this.informer.stop();
  }

  /** Used by the kubelet API and tests: the cached pod. */
  getPod(namespace: string, name: string): V1Pod | undefined {
    return this.informer.get(namespace, name);
  }

  listPods(): readonly V1Pod[] {
    return this.informer.list();
  }

  private seen(pod: V1Pod): void {
    const { record, changed, replaced } = this.records.see(pod);
    // A new pod under an old name: the old one's backing goes.
    if (replaced) this.deleteFromKubernetes.add(deletionKey(replaced));
    // Updates of status alone (most of them burstlet's own writes) are no work.
    if (changed) this.fromKubernetes.add(podKey(record.namespace, record.name));
  }

  private vanished(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    this.records.vanished(uid);
    this.deleteFromKubernetes.add(deletionKey({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid }));
  }

  private noticed(notice: PodNotice): void {
    const record = this.records.get(notice.uid);
    if (!record || !record.present) return;
    const key = podKey(record.namespace, record.name);
    if (notice.kind === "lost") {
      // Deleting it ourselves is no loss; anything else is, and the pod's restart policy decides.
      if (record.backing !== "running") return;
      this.log.warn("container group disappeared while its pod runs", { pod: key, uid: record.uid });
      record.backing = "creating";
      this.fromKubernetes.add(key);
      return;
    }
    record.pending = notice;
    this.statusFromProvider.add(key);
  }

  private async gcLoop(signal: AbortSignal): Promise<void> {
    const every = this.options.gcIntervalMs ?? 60_000;
    for (;;) {
      await this.clock.sleep(every, signal);
      if (signal.aborted) return;
      await this.collectGarbage().catch((err: unknown) => this.log.warn("garbage collection failed; will try again", { error: err }));
    }
  }

  /** Brings the backend in line with one pod. */
  private async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.informer.get(namespace, name);
    if (!cached) return; // its deletion is queued by the informer
    const record = this.records.get(cached.metadata!.uid!);
    if (!record) return this.seen(cached);
    if (cached.metadata?.deletionTimestamp) {
      this.deleteFromKubernetes.add(deletionKey(record));
      return;
    }
    if (TERMINAL.has(cached.status?.phase ?? "") || record.backing === "deleting" || record.backing === "gone") return;
    const pod = structuredClone(cached);
    if (this.deadlinePassed(key, pod)) return this.failForDeadline(record, pod);
    if (record.backing === "running") return this.refuseEphemeral(pod);
    const wait = record.pulls.remaining();
    if (wait > 0) return this.pullBackingOff(key, record, pod, wait);
    try {
      const creating = this.options.provider.createPod(pod);
      record.creating = creating;
      const result = await creating.finally(() => (record.creating = undefined));
      // Deleted meanwhile (the object went while the create ran): the deletion takes it from here.
      if (record.backing !== "creating") return;
      record.backing = "running";
      record.attempts = 0;
      record.waitsFor = undefined;
      record.pulls.forget();
      this.fromKubernetes.forget(key);
      this.log.info(result.adopted ? "adopted existing container group" : "created container group", { pod: key, uid: record.uid });
      if (result.restartCount !== undefined) {
        // A replaced group's statuses follow on from the lost one's: the provider maps relative to them.
        const replacing = replacingStatus(pod, result.restartCount, new Date(this.clock.now()));
        this.options.provider.updatePod({ ...pod, status: replacing });
        const message = `the pod's container group disappeared (deleted outside burstlet, or lost by Azure Container Instances); created it again (restart ${result.restartCount}), as a kubelet restarts containers that died`;
        await this.events.record(pod, { reason: "ContainerGroupLost", message, type: "Warning" });
        await this.statusWrites.setStatus(pod, replacing);
      }
      for (const note of result.notes) await this.events.record(pod, { reason: "ResourcesAdjusted", message: note, type: "Normal" });
    } catch (err) {
      if (record.backing !== "creating") return; // deleted meanwhile: nothing to report
      record.attempts++;
      await reportCreateError(this.failureContext(record), key, pod, err);
    }
  }

  private failureContext(record: PodRecord): CreateFailureContext {
    return { events: this.events, queue: this.fromKubernetes, pulls: record.pulls, slot: record, log: this.log, now: () => new Date(this.clock.now()), setStatus: (pod, status) => this.statusWrites.setStatus(pod, status) };
  }

  /** Whether `activeDeadlineSeconds` has passed; if not, the pod is looked at again when it does. */
  private deadlinePassed(key: string, pod: V1Pod): boolean {
    const seconds = pod.spec?.activeDeadlineSeconds;
    if (seconds === undefined) return false;
    const since = new Date(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? this.clock.now()).getTime();
    const left = since + seconds * 1000 - this.clock.now();
    if (left > 0) this.fromKubernetes.addAfter(key, left);
    return left <= 0;
  }

  /** Fails a pod past its deadline, as the kubelet does, and deletes its group (it stops billing). */
  private async failForDeadline(record: PodRecord, pod: V1Pod): Promise<void> {
    const status = deadlineStatus(pod, new Date(this.clock.now()));
    await this.events.record(pod, { reason: "DeadlineExceeded", message: status.message!, type: "Warning" });
    await this.statusWrites.setStatus(pod, status);
    // Killed, whatever the pod asks: its group goes, and what it logged is kept.
    record.finished = true;
    this.deleteFromKubernetes.add(deletionKey(record));
  }

  /**
   * A finished pod's backing goes (it holds quota and may bill) while the pod object stays, its
   * final logs kept by the provider; the node's setting or the pod's annotation may keep it.
   * Returns whether a deletion was queued.
   */
  private release(record: PodRecord, pod: V1Pod): boolean {
    if (this.options.releaseFinished === false || pod.metadata?.annotations?.[KEEP_GROUP_ANNOTATION] === "true") return false;
    if (record.backing === "deleting" || record.backing === "gone" || record.finished) return false;
    record.finished = true;
    this.log.info("pod finished; deleting its container group and keeping its final logs", { pod: podKey(record.namespace, record.name), uid: record.uid });
    this.deleteFromKubernetes.add(deletionKey(record));
    return true;
  }

  /**
   * Ephemeral containers (`kubectl debug`) cannot join a running group: each new one gets a waiting
   * status saying so, and a warning Event. The provider follows the pod as it is now.
   */
  private async refuseEphemeral(pod: V1Pod): Promise<void> {
    const reported = new Set((pod.status?.ephemeralContainerStatuses ?? []).map((s) => s.name));
    const fresh = (pod.spec?.ephemeralContainers ?? []).filter((c) => !reported.has(c.name));
    if (fresh.length === 0) return;
    this.options.provider.updatePod(pod);
    for (const c of fresh) await this.events.record(pod, { reason: "Failed", message: `Error: ${EPHEMERAL_REASON}: ephemeral container ${c.name}: ${EPHEMERAL_MESSAGE}`, type: "Warning" });
    await this.statusWrites.setStatus(pod, { ...pod.status, ephemeralContainerStatuses: ephemeralContainerStatuses(pod) });
  }

  /** While a failed pull backs off: `ImagePullBackOff`, an Event, and the next attempt when it ends. */
  private async pullBackingOff(key: string, record: PodRecord, pod: V1Pod, wait: number): Promise<void> {
    const waiting = pod.status?.containerStatuses?.find((s) => s.state?.waiting?.reason === "ErrImagePull" || s.state?.waiting?.reason === "ImagePullBackOff");
    const shown = record.pulls.sinceFailure();
    if (waiting?.state?.waiting?.reason === "ErrImagePull" && shown < ERR_IMAGE_PULL_MS) {
      this.fromKubernetes.addAfter(key, ERR_IMAGE_PULL_MS - shown);
      return;
    }
    if (waiting?.state?.waiting?.reason === "ErrImagePull") {
      const failing = (pod.status?.containerStatuses ?? []).filter((s) => s.state?.waiting?.reason === "ErrImagePull");
      // A failure that named no image holds every container back; keep it that way.
      const image = failing.length > 1 && failing.length === (pod.spec?.containers ?? []).length ? undefined : waiting.image;
      await this.events.record(pod, { reason: "BackOff", message: `Back-off pulling image "${image ?? failing.map((s) => s.image).join(", ")}"`, type: "Normal" });
      await this.statusWrites.setStatus(pod, containersWaitingStatus(pod, image, "ImagePullBackOff", waiting.state.waiting.message ?? "", new Date(this.clock.now())));
    }
    this.fromKubernetes.addAfter(key, wait);
  }

  /**
   * Deletes a pod's backing and resolves once it is gone; then a pod that is being deleted goes
   * too (grace period honoured: backing first, then the object, by UID precondition). A failure is
   * retried through the queue's backoff. The record goes once the pod object has gone as well.
   */
  private async deleteBacking(key: string): Promise<void> {
    const ref = splitDeletionKey(key);
    const record = this.records.get(ref.uid);
    // Every deletion is queued for a record (a pod seen, or garbage listed); none left means this
    // one is done (e.g. the key was queued again while it ran).
    if (!record) return;
    const cached = this.informer.get(ref.namespace, ref.name);
    const pod = cached?.metadata?.uid === ref.uid ? cached : undefined;
    if (record.backing !== "gone") {
      record.backing = "deleting";
      // A create in flight may still land: wait for it, then delete what it made.
      await record.creating?.catch(() => undefined);
      const billed = await this.options.provider.deletePod(record, record.finished && pod ? pod : undefined);
      record.backing = "gone";
      // Its group went while it ran (the pod was deleted, or killed at its deadline): billed until now.
      if (billed && pod && pod.metadata?.annotations?.[BILLED_VCPU_SECONDS_ANNOTATION] === undefined) await this.statusWrites.annotateBilled(pod, billed);
    }
    if (pod?.metadata?.deletionTimestamp) {
      try {
        await this.core.deleteNamespacedPod({ namespace: ref.namespace, name: ref.name, gracePeriodSeconds: 0, body: { gracePeriodSeconds: 0, preconditions: { uid: ref.uid } } });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      this.log.info("deleted pod and its container group", { pod: podKey(ref.namespace, ref.name), uid: ref.uid });
    }
    // The pod may linger a while (a Job's finalizer): its record goes when it leaves the cache.
    if (!pod) {
      this.records.remove(ref.uid);
      this.events.forget(ref.uid);
      this.options.provider.forgetPod(ref.uid);
    }
  }

  /** Writes the Events not written yet and the status the backend observed, if it is news to the API server. */
  private async writeStatus(key: string): Promise<void> {
    const record = this.records.forKey(key);
    const notice = record?.pending;
    const { namespace, name } = splitKey(key);
    const cached = this.informer.get(namespace, name);
    if (!record || !notice || !cached || cached.metadata?.uid !== notice.uid) return;
    const pod = structuredClone(cached);
    if (notice.events.length > 0) {
      for (const event of notice.events) await this.events.record(pod, event);
      const written = new Set(notice.events.map((e) => e.key));
      this.options.provider.acknowledge(notice.uid, [...written]);
      // A newer notice carries these too: they are written now.
      if (record.pending && record.pending !== notice) record.pending = { ...record.pending, events: record.pending.events.filter((e) => !written.has(e.key)) };
    }
    if (!TERMINAL.has(pod.status?.phase ?? "")) await this.statusWrites.setStatus(pod, notice.status, notice.billed);
    if (record.pending === notice) record.pending = undefined;
    // Its final status is written: nothing will run in its backing again.
    if (TERMINAL.has(notice.status.phase ?? "") || TERMINAL.has(pod.status?.phase ?? "")) this.release(record, pod);
  }
}
