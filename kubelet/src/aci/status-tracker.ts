/**
 * Follows the status of the pods that run in ACI without a fixed per-pod poll: the read budget goes
 * where it matters. Pods that are starting or changed recently are read soon; steady running pods
 * are read every `steadyMs`, or less often when that would spend more than `steadyReadsPerSecond`
 * (staleness is then bounded by pods / steadyReadsPerSecond); finished pods are never read again.
 * Changes are pushed to the controller; it never polls.
 *
 * Starting pods are watched through cheap list calls where a backend offers them (`listStates`:
 * one call covers a page of groups): a starting pod is read when its listed state moves, or at the
 * latest after `startingMaxMs` (doubling while reads find nothing new), instead of on every tick;
 * a new pod is not read before `startingMaxMs` while its listed state is one of `quietStates`
 * (nothing worth a read yet).
 *
 * A pod that was read before and is missing from a listing is read at once: its group may have
 * been deleted outside burstlet, which the read confirms (`onLost`). Every pod is listed at least
 * every `lostListMs` for this, starting or not.
 *
 * Pods that may finish on their own (restart policy Never or OnFailure) are read a few extra times
 * in their first moments of running — after `youngFirstMs`, then twice as long each time, up to the
 * steady interval — because a short task is most likely to end soon after it starts. These reads
 * are optional: they spend only what steady reads leave of `steadyReadsPerSecond`, and only while
 * `spareReads()` says the read budget has room.
 *
 * When reads compete, pods past the steady interval go first (the staleness bound holds), then
 * starting pods, then recently changed and young ones, then steady ones.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { NotFoundError } from "../errors";
import type { Logger } from "../log";
import type { BackendPod, BilledCompute, ObservedEvent, PodEvent, PodNotice } from "../provider/provider";
import { canonicalJson } from "../util/canonical";
import { definedOnly } from "../util/defined";
import { type Clock, realClock } from "../util/clock";

export interface StatusTrackerOptions {
  /** Reads a pod's current status from the backend. */
  readonly read: (pod: V1Pod) => Promise<TrackedRead>;
  readonly log: Logger;
  /** Interval for pods that are starting or changed within `recentMs`. @default 2_000 */
  readonly activeMs?: number;
  /** Interval for steady pods: the bound on status staleness. @default 25_000 */
  readonly steadyMs?: number;
  /** How long after a change a pod counts as active. @default 10_000 */
  readonly recentMs?: number;
  /** Steady reads per second at most; beyond it steady pods are read less often. @default 15 */
  readonly steadyReadsPerSecond?: number;
  /** A cheap listing of every group's coarse state, by pod UID (e.g. ACI's provisioning state). */
  readonly listStates?: () => Promise<ReadonlyMap<string, string>>;
  /** How often starting pods are listed. @default 1_000 */
  readonly listEveryMs?: number;
  /**
   * How often all pods are listed, starting or not, so a group that disappeared is read (and found
   * missing) soon, however long the steady interval has grown. @default 15_000
   */
  readonly lostListMs?: number;
  /** A starting pod is read at least this often even if its listed state did not move. @default 4_000 */
  readonly startingMaxMs?: number;
  /** Listed states in which a pod that was never read has nothing worth a read yet. @default none */
  readonly quietStates?: readonly string[];
  /** A young pod's first optional read comes this long after it was seen running. @default 1_000 */
  readonly youngFirstMs?: number;
  /** Whether the read budget has room for optional reads (young pods). @default always */
  readonly spareReads?: () => boolean;
  /** Reads in flight at once. @default 16 */
  readonly maxInFlight?: number;
  /** How often due pods are looked for. @default 200 */
  readonly tickMs?: number;
  /** A failed read is retried after `activeMs`, doubling up to this while reads keep failing. @default 30_000 */
  readonly failedMaxMs?: number;
  /**
   * Called when a read finds that nothing backs a tracked pod any more (its group was deleted
   * outside burstlet, or lost); the pod is no longer tracked then.
   */
  readonly onLost?: (pod: V1Pod) => void;
  /** Every time reading and every wait: ticks, read schedules, backoff. @default the real clock */
  readonly clock?: Clock;
}

/** One read of a pod: its status, and the backend's Events with a key each (same order). */
export interface TrackedRead extends BackendPod {
  readonly status: V1PodStatus;
  /** What the group was billed for, once it has stopped. */
  readonly billed?: BilledCompute;
  readonly events: readonly PodEvent[];
  readonly eventKeys: readonly string[];
}

/** What the tracker pushes: a status notice. */
export type StatusNotice = Extract<PodNotice, { kind: "status" }>;

interface Tracked {
  pod: V1Pod;
  due: number;
  lastReadAt: number;
  changedAt: number;
  inFlight: boolean;
  lastStatus?: string;
  /** Events pushed and not acknowledged yet, by key: every push carries them all. */
  unacked: Map<string, ObservedEvent>;
  /** Keys acknowledged, among those the backend still reports (so the set stays as small as its list). */
  acked: Set<string>;
  /** Still starting (phase Pending at the last read, or never read). */
  starting: boolean;
  /** The listed state at the last read, and the latest listed state. */
  stateAtRead?: string;
  listedState?: string;
  /** The next optional read's interval while the pod is young (0: not young). */
  youngMs: number;
  /** The interval of a starting pod's reads that its listed state did not ask for (0: not yet set). */
  startingMs: number;
  /** Reads that failed in a row. */
  failures: number;
}

/** Dispatch order when reads compete: lower first. */
const enum Urgency {
  /** Not read for longer than the steady interval: the staleness bound comes first. */
  Overdue = 0,
  Starting = 1,
  Recent = 2,
  Steady = 3,
}

export class StatusTracker {
  private readonly tracked = new Map<string, Tracked>();
  private listener: (notice: StatusNotice) => void = () => undefined;
  private inFlight = 0;
  private readonly clock: Clock;
  /** What steady reads leave of their rate, for optional reads (a token bucket of ten seconds). */
  private readonly optional: { tokens: number; at: number };
  /** Reads done (for metrics and benchmarks). */
  reads = 0;

  /** The options with their defaults filled in. */
  private readonly o: Required<Omit<StatusTrackerOptions, "listStates" | "spareReads" | "onLost" | "clock">> & Pick<StatusTrackerOptions, "listStates" | "spareReads" | "onLost">;

  constructor(options: StatusTrackerOptions) {
    this.clock = options.clock ?? realClock;
    this.optional = { tokens: Number.POSITIVE_INFINITY, at: this.clock.now() };
    this.o = {
      activeMs: 2_000,
      steadyMs: 25_000,
      recentMs: 10_000,
      steadyReadsPerSecond: 15,
      listEveryMs: 1_000,
      lostListMs: 15_000,
      startingMaxMs: 4_000,
      quietStates: [],
      youngFirstMs: 1_000,
      maxInFlight: 16,
      tickMs: 200,
      failedMaxMs: 30_000,
      ...definedOnly(options),
      read: options.read,
      log: options.log,
    };
  }

  onChange(listener: (notice: StatusNotice) => void): void {
    this.listener = listener;
  }

  /** The controller wrote these Events: they are not pushed again. */
  acknowledge(uid: string, keys: readonly string[]): void {
    const t = this.tracked.get(uid);
    if (!t) return;
    for (const key of keys) if (t.unacked.delete(key)) t.acked.add(key);
  }

  /** Updates a tracked pod's object (statuses are mapped relative to it); an untracked pod stays untracked. */
  follow(pod: V1Pod): void {
    const t = this.tracked.get(pod.metadata!.uid!);
    if (t) t.pod = pod;
  }

  /** The pods followed now, each with the status last read. */
  pods(): V1Pod[] {
    return [...this.tracked.values()].map((t) => t.pod);
  }

  /** Starts following a pod; it is read soon. */
  track(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    const existing = this.tracked.get(uid);
    if (existing) {
      existing.pod = pod;
      return;
    }
    const now = this.clock.now();
    // A pod just handed to the backend has nothing to report until its listed state moves.
    const fresh = this.o.listStates !== undefined && this.o.quietStates.length > 0 && (pod.status?.phase ?? "Pending") === "Pending";
    const due = fresh ? now + this.o.startingMaxMs : now;
    this.tracked.set(uid, { pod, due, lastReadAt: now, changedAt: now, inFlight: false, unacked: new Map(), acked: new Set(), starting: true, youngMs: 0, startingMs: 0, failures: 0 });
  }

  untrack(uid: string): void {
    this.tracked.delete(uid);
  }

  /** The backend answers again: pods whose reads failed are read now rather than at their backoff. */
  resume(): void {
    const now = this.clock.now();
    for (const t of this.tracked.values()) if (t.failures > 0) t.due = Math.min(t.due, now);
  }

  get size(): number {
    return this.tracked.size;
  }

  /** The oldest status among tracked pods, in seconds. */
  maxStalenessSeconds(now = this.clock.now()): number {
    let oldest = now;
    for (const t of this.tracked.values()) oldest = Math.min(oldest, t.lastReadAt);
    return (now - oldest) / 1000;
  }

  async run(signal: AbortSignal): Promise<void> {
    const tick = this.o.tickMs;
    let listedAt = 0;
    while (!signal.aborted) {
      const sinceList = this.clock.now() - listedAt;
      const starting = sinceList >= this.o.listEveryMs && [...this.tracked.values()].some((t) => t.starting);
      if (this.o.listStates && (starting || (sinceList >= this.o.lostListMs && this.tracked.size > 0))) {
        listedAt = this.clock.now();
        await this.applyListedStates();
      }
      this.dispatch();
      await this.clock.sleep(tick, signal);
    }
  }

  /** Brings starting pods whose listed state moved forward in the read order. */
  private async applyListedStates(): Promise<void> {
    let states: ReadonlyMap<string, string>;
    try {
      states = await this.o.listStates!();
    } catch (err) {
      this.o.log.debug("listing states failed; reading starting pods on their schedule", { error: err });
      return;
    }
    const now = this.clock.now();
    const quiet = new Set(this.o.quietStates);
    for (const [uid, t] of this.tracked) {
      const state = states.get(uid);
      if (state === undefined) {
        // Read before, and not listed now: its group may be gone; a read tells for sure.
        if (t.lastStatus !== undefined && !t.inFlight) t.due = Math.min(t.due, now);
        continue;
      }
      t.listedState = state;
      if (!t.starting || t.inFlight) continue;
      if (t.lastStatus === undefined && quiet.has(state)) t.stateAtRead = state;
      else if (state !== t.stateAtRead) t.due = Math.min(t.due, now);
    }
  }

  /** The interval for steady pods: `steadyMs`, stretched so steady reads stay within their rate. */
  private steadyInterval(running = this.runningCount()): number {
    return Math.max(this.o.steadyMs, (running / this.o.steadyReadsPerSecond) * 1000);
  }

  /** Pods past starting: the ones steady reads are spread over. */
  private runningCount(): number {
    let n = 0;
    for (const t of this.tracked.values()) if (!t.starting) n++;
    return n;
  }

  /** Starts reads for due pods, most urgent first, within the in-flight bound. */
  private dispatch(): void {
    const max = this.o.maxInFlight;
    if (this.inFlight >= max) return;
    const now = this.clock.now();
    const running = this.runningCount();
    const steadyMs = this.steadyInterval(running);
    const spare = (): boolean => (this.o.spareReads?.() ?? true) && this.takeOptional(now, running, steadyMs);
    const due = [...this.tracked.values()].filter((t) => !t.inFlight && t.due <= now).map((t) => ({ t, urgency: this.urgency(t, now, steadyMs) }));
    due.sort((a, b) => a.urgency - b.urgency || a.t.due - b.t.due);
    for (const { t } of due.slice(0, max - this.inFlight)) {
      if (t.youngMs > 0 && !t.starting && now - t.changedAt >= this.o.recentMs && !spare()) {
        // An optional read with no budget to spare: skip it, the pod is read on its steady schedule.
        this.scheduleAfterRead(t, now);
        continue;
      }
      void this.read(t);
    }
  }

  /**
   * Takes one optional read from what steady reads leave of their rate, if there is one. Up to
   * ten seconds of that rate can be spent at once: a burst of short tasks all start together.
   */
  private takeOptional(now: number, running: number, steadyMs: number): boolean {
    const cap = this.o.steadyReadsPerSecond;
    const left = Math.max(0, cap - running / (steadyMs / 1000));
    this.optional.tokens = Math.min(Math.max(1, left * 10), this.optional.tokens + ((now - this.optional.at) / 1000) * left);
    this.optional.at = now;
    if (this.optional.tokens < 1) return false;
    this.optional.tokens -= 1;
    return true;
  }

  private urgency(t: Tracked, now: number, steadyMs: number): Urgency {
    if (now - t.lastReadAt >= steadyMs) return Urgency.Overdue;
    if (t.starting) return Urgency.Starting;
    return t.youngMs > 0 || now - t.changedAt < this.o.recentMs ? Urgency.Recent : Urgency.Steady;
  }

  /** Sets when a pod is read next, from what it is now. */
  private scheduleAfterRead(t: Tracked, now: number): void {
    if (t.starting) {
      // With listings, a starting pod waits for its listed state to move, or for its own interval:
      // `startingMaxMs`, twice as long after each read that found nothing new (up to the steady
      // interval), so a long image pull does not spend the budget a burst needs.
      if (!this.o.listStates) {
        t.due = now + this.o.activeMs;
        return;
      }
      const first = this.o.startingMaxMs;
      t.startingMs = t.changedAt === now || t.startingMs === 0 ? first : Math.min(t.startingMs * 2, this.steadyInterval());
      t.due = now + t.startingMs;
      return;
    }
    if (now - t.changedAt < this.o.recentMs) {
      t.due = now + this.o.activeMs;
      return;
    }
    // Young or not, a pod is read within the steady interval of its last read.
    const steadyDue = t.lastReadAt + this.steadyInterval();
    if (t.youngMs > 0 && now + t.youngMs < steadyDue) {
      t.due = now + t.youngMs;
      t.youngMs *= 2;
      return;
    }
    t.youngMs = 0;
    t.due = steadyDue;
  }

  private async read(t: Tracked): Promise<void> {
    t.inFlight = true;
    this.inFlight++;
    const uid = t.pod.metadata!.uid!;
    try {
      const update = await this.o.read(t.pod);
      this.reads++;
      t.failures = 0;
      const now = this.clock.now();
      t.lastReadAt = now;
      // The next read maps relative to this status: start and transition times must not move.
      t.pod = { ...t.pod, status: update.status };
      const statusJson = canonicalJson(update.status);
      const reported = new Set(update.eventKeys);
      for (const key of t.acked) if (!reported.has(key)) t.acked.delete(key);
      const fresh = update.eventKeys.map((key, i) => ({ ...update.events[i], key })).filter((e) => !t.acked.has(e.key) && !t.unacked.has(e.key));
      for (const e of fresh) t.unacked.set(e.key, e);
      const changed = statusJson !== t.lastStatus;
      if (changed) {
        t.lastStatus = statusJson;
        t.changedAt = now;
      }
      if ((changed || fresh.length > 0) && this.tracked.get(uid) === t) {
        this.listener({ kind: "status", namespace: update.namespace, name: update.name, uid, status: update.status, events: [...t.unacked.values()], ...(update.billed ? { billed: update.billed } : {}) });
      }
      const phase = update.status.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        // Only this tracking ends: the pod may have been untracked and tracked again meanwhile.
        if (this.tracked.get(uid) === t) this.tracked.delete(uid);
        return;
      }
      const wasStarting = t.starting;
      t.starting = phase === "Pending";
      if (changed && wasStarting && !t.starting) {
        // Turning Running is not a reason to read again soon, unless readiness is still to come;
        // a pod that may finish on its own is young for a while instead.
        const awaitsReadiness = (t.pod.spec?.containers ?? []).some((c) => c.readinessProbe);
        if (!awaitsReadiness) t.changedAt = 0;
        if (mayFinish(t.pod)) t.youngMs = this.o.youngFirstMs;
      }
      t.stateAtRead = t.listedState;
      this.scheduleAfterRead(t, now);
    } catch (err) {
      if (err instanceof NotFoundError && this.tracked.get(uid) === t) {
        // The backend says nothing backs the pod: that is news for the controller, not a retry.
        this.tracked.delete(uid);
        this.o.onLost?.(t.pod);
        return;
      }
      this.o.log.debug("status read failed; will retry", { uid, error: err });
      t.failures++;
      t.due = this.clock.now() + Math.min(this.o.failedMaxMs, this.o.activeMs * 2 ** (t.failures - 1));
    } finally {
      t.inFlight = false;
      this.inFlight--;
    }
  }
}

/** Whether a pod's containers may all end for good on their own (Jobs), rather than be restarted. */
function mayFinish(pod: V1Pod): boolean {
  return (pod.spec?.restartPolicy ?? "Always") !== "Always";
}
