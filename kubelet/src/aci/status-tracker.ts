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
 * every `lostListMs` for this, starting or not, unless steady reads come more often than that.
 *
 * Steady pods are read more often while that uses less than `freshReadsPerSecond` (a share of the
 * read budget), down to `freshFloorMs` (`read-schedule.ts` `steadyIntervalMs`). Pods that may finish
 * on their own (restart policy Never or OnFailure; services keep the steady cadence) are also read
 * around their expected exit (`exit-reads.ts`, `nextExitRead`): once pods of their cohort (e.g. one Job) have
 * finished, at the run times those took, spending the budget's spare and burst while `spareReads()`
 * says it has room; before any has, after `youngFirstMs` of running and twice as long each time,
 * spending only what steady reads leave of `steadyReadsPerSecond` and `freshReadsPerSecond`.
 *
 * When reads compete, pods past the steady interval go first (the staleness bound holds), then pods
 * at their expected exit, then starting pods, then recently changed and young ones, then steady ones.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { NotFoundError } from "../errors";
import type { PodNotice } from "../provider/provider";
import { canonicalJson } from "../util/canonical";
import { definedOnly } from "../util/defined";
import { type Clock, realClock } from "../util/clock";
import { applyListedState, PendingEvents, type Tracked, TrackedPods, Urgency } from "./tracked-pod";
import { ExitReads } from "./exit-reads";
import { cohortOf, DEFAULT_FRESH_FLOOR_MS, GoldenShares, LeftoverRate, mayFinish, runningSince, runTimeOf, steadyIntervalMs } from "./read-schedule";
import type { StatusTrackerOptions } from "./status-tracker-options";

export type { StatusTrackerOptions, TrackedRead } from "./status-tracker-options";

/** What the tracker pushes: a status notice. */
export type StatusNotice = Extract<PodNotice, { kind: "status" }>;

interface DuePod {
  readonly t: Tracked;
  readonly urgency: Urgency;
}

export class StatusTracker {
  private readonly tracked = new TrackedPods();
  private listener: (notice: StatusNotice) => void = () => undefined;
  private inFlight = 0;
  private readonly clock: Clock;
  /** What steady reads leave of their rate, for reads before a cohort's first exit. */
  private readonly leftover: LeftoverRate;
  /** Whether the last dispatch left due pods for want of a slot; and the signal `run` was given. */
  private backlog = false;
  /**
   * The due pods the last full pass left for want of a slot, most urgent first, from `queue.next`:
   * reads that end take from here, so a burst costs one pass over the tracked pods per tick, not
   * one per read.
   */
  private queue: { readonly at: number; readonly due: readonly DuePod[]; next: number } = { at: 0, due: [], next: 0 };
  private signal: AbortSignal | undefined;
  /** Reads aimed at expected exits: the cohorts' run times, and the work waiting for those reads. */
  private readonly exits: ExitReads;
  private readonly staggers = new GoldenShares();
  /** Reads done (for metrics and benchmarks). */
  reads = 0;

  /** The options with their defaults filled in. */
  private readonly o: Required<Omit<StatusTrackerOptions, "listStates" | "spareReads" | "readsAvailable" | "onLost" | "clock" | "freshReadsPerSecond">> & Pick<StatusTrackerOptions, "listStates" | "spareReads" | "readsAvailable" | "onLost" | "freshReadsPerSecond">;

  constructor(options: StatusTrackerOptions) {
    this.clock = options.clock ?? realClock;
    this.leftover = new LeftoverRate(this.clock.now());
    this.exits = new ExitReads(this.clock, () => this.tracked.values(), options.readsAvailable);
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
      exitGapMs: 250,
      freshFloorMs: DEFAULT_FRESH_FLOOR_MS,
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
    t.events.acknowledge(keys);
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
    this.tracked.add(uid, { pod, due, lastReadAt: now, changedAt: now, inFlight: false, events: new PendingEvents(), starting: true, cohort: mayFinish(pod) ? cohortOf(pod) : undefined, startingMs: 0, failures: 0 });
  }

  untrack(uid: string): void {
    this.tracked.remove(uid, this.tracked.get(uid));
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
    this.signal = signal;
    while (!signal.aborted) {
      const sinceList = this.clock.now() - listedAt;
      const starting = sinceList >= this.o.listEveryMs && [...this.tracked.values()].some((t) => t.starting);
      if (this.o.listStates && (starting || (sinceList >= this.o.lostListMs && this.needsLostListing()))) {
        listedAt = this.clock.now();
        await this.applyListedStates();
      }
      this.dispatch();
      // Sleeps until the next pod is due, if that comes before the next tick: reads keep their interval to the millisecond.
      await this.clock.sleep(Math.min(tick, this.nextDueInMs()), signal);
    }
  }

  /** How long until the next pod not in flight is due; `Infinity` if none is due later than now. */
  private nextDueInMs(): number {
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const t of this.tracked.values()) if (!t.inFlight && t.due > now) next = Math.min(next, t.due - now);
    return next;
  }

  /**
   * Whether a listing for lost groups tells anything reads do not: a pod read before is found
   * missing by its next read, which comes within the steady interval, so only a longer interval
   * needs the listing.
   */
  private needsLostListing(): boolean {
    return this.tracked.size > 0 && this.steadyInterval() > this.o.lostListMs;
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
    for (const [uid, t] of this.tracked) applyListedState(t, states.get(uid), quiet, now);
  }

  /** The interval for steady pods: `steadyMs` within their rate, shortened for freshness (`steadyIntervalMs`). */
  private steadyInterval(running = this.tracked.running): number {
    return steadyIntervalMs(running, this.o);
  }

  /** Starts reads for due pods, most urgent first, within the in-flight bound: a full pass over the tracked pods. */
  private dispatch(): void {
    if (this.inFlight >= this.o.maxInFlight) return;
    const now = this.clock.now();
    const steadyMs = this.steadyInterval();
    const due = [...this.tracked.values()].filter((t) => !t.inFlight && t.due <= now).map((t) => ({ t, urgency: this.urgency(t, now, steadyMs) }));
    due.sort((a, b) => a.urgency - b.urgency || a.t.due - b.t.due);
    this.queue = { at: now, due, next: 0 };
    this.startQueued(now);
    this.exits.releaseIfSettled(now);
  }

  /**
   * A read ended: the next queued pod goes, if the queue is from this tick; once it is used up, or
   * older, a full pass finds what has come due since.
   */
  private dispatchNext(): void {
    const now = this.clock.now();
    const q = this.queue;
    if (now - q.at >= this.o.tickMs || q.next >= q.due.length) return this.dispatch();
    this.startQueued(now);
    if (!this.backlog) return this.dispatch();
    this.exits.releaseIfSettled(now);
  }

  /** Starts queued reads while slots are free; `backlog` tells whether due pods are left waiting. */
  private startQueued(now: number): void {
    const q = this.queue;
    const running = this.tracked.running;
    const steadyMs = this.steadyInterval(running);
    // Reads before a cohort's first exit spend what steady reads leave of their rate, fresh share included.
    const rate = Math.min(this.o.steadyReadsPerSecond, this.o.freshReadsPerSecond ?? Number.POSITIVE_INFINITY);
    const spare = (): boolean => (this.o.spareReads?.() ?? true) && this.leftover.take(now, rate - running / (steadyMs / 1000));
    this.backlog = false;
    for (; q.next < q.due.length; q.next++) {
      const { t, urgency } = q.due[q.next];
      // Queued earlier in this tick: a pod read, untracked or rescheduled since is not due.
      if (t.inFlight || t.due > now || this.tracked.get(t.pod.metadata!.uid!) !== t) continue;
      if (this.inFlight >= this.o.maxInFlight) {
        this.backlog = true;
        return;
      }
      const optional = t.exitAt !== undefined && !t.starting && now - t.changedAt >= this.o.recentMs && urgency !== Urgency.Overdue;
      if (optional && urgency === Urgency.Exit && !(this.o.spareReads?.() ?? true)) continue; // waits for the budget to have room
      if (optional && urgency !== Urgency.Exit && !spare()) {
        // A read before any sibling finished, with no budget to spare: skip it for the next one.
        this.scheduleAfterRead(t, now, t.lastReadAt, now);
        continue;
      }
      void this.read(t);
    }
  }

  /**
   * Resolves once reads at expected exits no longer need all the budget has, or after `maxMs`: work
   * that can wait (reading a finished pod's final logs, deleting its group) comes after noticing the
   * other pods' exits, whose reads it would otherwise take.
   */
  exitReadsSettled(maxMs = 60_000): Promise<void> {
    return this.exits.settled(maxMs);
  }

  private urgency(t: Tracked, now: number, steadyMs: number): Urgency {
    if (now - t.lastReadAt >= steadyMs) return Urgency.Overdue;
    if (t.starting) return Urgency.Starting;
    if (this.exits.due(t, now)) return Urgency.Exit;
    return t.exitAt !== undefined || now - t.changedAt < this.o.recentMs ? Urgency.Recent : Urgency.Steady;
  }

  /**
   * Sets when a pod is read next, from what it is now; `lastReadAt` is the read the steady interval
   * and reads for its exit count from (a skipped read for its exit counts from `now` instead).
   */
  private scheduleAfterRead(t: Tracked, now: number, lastReadAt = now, exitFrom = lastReadAt): void {
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
    // Read for its exit or not, a pod is read within the steady interval of its last read.
    const steadyDue = lastReadAt + this.steadyInterval() * (t.staggerShare ?? 1);
    const startedAt = mayFinish(t.pod) ? (runningSince(t.pod.status) ?? t.runningAt) : undefined;
    const exitAt = startedAt === undefined ? undefined : this.exits.next(t, startedAt, exitFrom, { firstMs: this.o.youngFirstMs, minGapMs: this.o.exitGapMs });
    t.exitAt = exitAt !== undefined && exitAt < steadyDue ? exitAt : undefined;
    t.due = t.exitAt ?? steadyDue;
  }

  /**
   * The share of the steady interval until the first steady read of a pod that may finish and was
   * just found running: while the interval is shortened for freshness, spread over (0.1, 1] by the
   * golden ratio, so that pods of a Job that started together are read at times spread over the
   * interval (its first exit is found soon); otherwise 1. Never more than the interval.
   */
  private staggerShare(): number {
    const running = this.tracked.running;
    if (this.steadyInterval(running) >= steadyIntervalMs(running, { ...this.o, freshReadsPerSecond: undefined })) return 1;
    return 0.1 + 0.9 * this.staggers.next();
  }

  /** A pod of `cohort` finished after `ms` of running: its running siblings are read around that time. */
  private learnRunTime(cohort: string, ms: number): void {
    this.exits.learn(cohort, ms);
    const now = this.clock.now();
    for (const t of this.tracked.values()) {
      if (t.cohort === cohort && !t.starting && !t.inFlight && t.failures === 0 && now - t.changedAt >= this.o.recentMs) this.scheduleAfterRead(t, now, t.lastReadAt);
    }
  }

  private async read(t: Tracked): Promise<void> {
    t.inFlight = true;
    this.inFlight++;
    const uid = t.pod.metadata!.uid!;
    // The status read is at least as fresh as the moment it was asked for; intervals count from there.
    const askedAt = this.clock.now();
    try {
      const update = await this.o.read(t.pod);
      this.reads++;
      t.failures = 0;
      const now = this.clock.now();
      t.lastReadAt = askedAt;
      // The next read maps relative to this status: start and transition times must not move.
      t.pod = { ...t.pod, status: update.status };
      const statusJson = canonicalJson(update.status);
      const fresh = t.events.observe(update.events, update.eventKeys);
      const changed = statusJson !== t.lastStatus;
      if (changed) {
        t.lastStatus = statusJson;
        t.changedAt = now;
      }
      if ((changed || fresh > 0) && this.tracked.get(uid) === t) {
        this.listener({ kind: "status", namespace: update.namespace, name: update.name, uid, status: update.status, events: t.events.unacknowledged(), ...(update.billed ? { billed: update.billed } : {}) });
      }
      const phase = update.status.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        // Only this tracking ends: the pod may have been untracked and tracked again meanwhile.
        this.tracked.remove(uid, t);
        const ran = runTimeOf(update.status);
        if (t.cohort !== undefined && ran !== undefined) this.learnRunTime(t.cohort, ran);
        return;
      }
      // The steady read after this one counts a whole interval, unless this read found it running (below).
      t.staggerShare = undefined;
      const wasStarting = t.starting;
      this.tracked.setStarting(uid, t, phase === "Pending");
      if (changed && wasStarting && !t.starting) {
        // Turning Running is not a reason to read again soon, unless readiness is still to come;
        // a pod that may finish on its own is young for a while instead.
        const awaitsReadiness = (t.pod.spec?.containers ?? []).some((c) => c.readinessProbe);
        if (!awaitsReadiness) t.changedAt = 0;
        t.runningAt = now;
        t.staggerShare = mayFinish(t.pod) ? this.staggerShare() : undefined;
      }
      t.stateAtRead = t.listedState;
      this.scheduleAfterRead(t, now, askedAt);
    } catch (err) {
      if (err instanceof NotFoundError && this.tracked.get(uid) === t) {
        // The backend says nothing backs the pod: that is news for the controller, not a retry.
        this.tracked.remove(uid, t);
        this.o.onLost?.(t.pod);
        return;
      }
      this.o.log.debug("status read failed; will retry", { uid, error: err });
      t.failures++;
      t.due = this.clock.now() + Math.min(this.o.failedMaxMs, this.o.activeMs * 2 ** (t.failures - 1));
    } finally {
      t.inFlight = false;
      this.inFlight--;
      // Due pods waiting for a slot go now, not at the next tick: a burst of exits is read at the budget's pace.
      if (this.backlog && this.signal?.aborted === false) this.dispatchNext();
    }
  }
}
