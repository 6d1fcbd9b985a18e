/**
 * Follows the status of the pods that run in ACI without a fixed per-pod poll: the read budget goes
 * where it matters. Pods that are starting or changed recently are read soon; steady running pods
 * are read every `steadyMs`, or less often when that would spend more than `steadyReadsPerSecond`
 * (staleness is then bounded by pods / steadyReadsPerSecond); finished pods are never read again.
 * Changes are pushed to the controller; it never polls.
 *
 * Starting pods are watched through cheap list calls where a backend offers them (`listStates`:
 * one call covers a page of groups): a starting pod is read when its listed state moves, or at the
 * latest every `startingMaxMs`, instead of on every tick.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { NotFoundError } from "../errors";
import type { Logger } from "../log";
import type { PodEvent, PodStatusUpdate } from "../provider/provider";
import { canonicalJson } from "../util/canonical";

export interface StatusTrackerOptions {
  /** Reads a pod's current status from the backend. */
  readonly read: (pod: V1Pod) => Promise<PodStatusUpdate & { readonly eventKeys: readonly string[] }>;
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
  /** A starting pod is read at least this often even if its listed state did not move. @default 4_000 */
  readonly startingMaxMs?: number;
  /** Reads in flight at once. @default 16 */
  readonly maxInFlight?: number;
  /** How often due pods are looked for. @default 200 */
  readonly tickMs?: number;
}

interface Tracked {
  pod: V1Pod;
  due: number;
  lastReadAt: number;
  changedAt: number;
  inFlight: boolean;
  lastStatus?: string;
  seenEvents: Set<string>;
  /** Still starting (phase Pending at the last read, or never read). */
  starting: boolean;
  /** The listed state at the last read, and the latest listed state. */
  stateAtRead?: string;
  listedState?: string;
}

export class StatusTracker {
  private readonly tracked = new Map<string, Tracked>();
  private listener: (update: PodStatusUpdate) => void = () => undefined;
  private inFlight = 0;
  /** Reads done (for metrics and benchmarks). */
  reads = 0;

  constructor(private readonly options: StatusTrackerOptions) {}

  onChange(listener: (update: PodStatusUpdate) => void): void {
    this.listener = listener;
  }

  /** Starts following a pod; it is read soon. */
  track(pod: V1Pod): void {
    const uid = pod.metadata!.uid!;
    const existing = this.tracked.get(uid);
    if (existing) {
      existing.pod = pod;
      return;
    }
    const now = Date.now();
    this.tracked.set(uid, { pod, due: now, lastReadAt: now, changedAt: now, inFlight: false, seenEvents: new Set(), starting: true });
  }

  untrack(uid: string): void {
    this.tracked.delete(uid);
  }

  get size(): number {
    return this.tracked.size;
  }

  /** The oldest status among tracked pods, in seconds. */
  maxStalenessSeconds(now = Date.now()): number {
    let oldest = now;
    for (const t of this.tracked.values()) oldest = Math.min(oldest, t.lastReadAt);
    return (now - oldest) / 1000;
  }

  async run(signal: AbortSignal): Promise<void> {
    const tick = this.options.tickMs ?? 200;
    let listedAt = 0;
    while (!signal.aborted) {
      if (this.options.listStates && Date.now() - listedAt >= (this.options.listEveryMs ?? 1_000) && [...this.tracked.values()].some((t) => t.starting && t.lastStatus !== undefined)) {
        listedAt = Date.now();
        await this.applyListedStates();
      }
      this.dispatch();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, tick);
        signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
  }

  /** Brings starting pods whose listed state moved forward in the read order. */
  private async applyListedStates(): Promise<void> {
    let states: ReadonlyMap<string, string>;
    try {
      states = await this.options.listStates!();
    } catch (err) {
      this.options.log.debug("listing states failed; reading starting pods on their schedule", { error: err });
      return;
    }
    const now = Date.now();
    for (const [uid, t] of this.tracked) {
      const state = states.get(uid);
      if (state === undefined) continue;
      t.listedState = state;
      if (t.starting && !t.inFlight && state !== t.stateAtRead) t.due = Math.min(t.due, now);
    }
  }

  /** The interval for steady pods: `steadyMs`, stretched so steady reads stay within their rate. */
  private steadyInterval(): number {
    const steady = [...this.tracked.values()].filter((t) => !t.starting).length;
    return Math.max(this.options.steadyMs ?? 30_000, (steady / (this.options.steadyReadsPerSecond ?? 15)) * 1000);
  }

  /** Starts reads for due pods, most urgent first, within the in-flight bound. */
  private dispatch(): void {
    const max = this.options.maxInFlight ?? 16;
    if (this.inFlight >= max) return;
    const now = Date.now();
    const due = [...this.tracked.values()].filter((t) => !t.inFlight && t.due <= now).sort((a, b) => a.due - b.due);
    for (const t of due.slice(0, max - this.inFlight)) void this.read(t);
  }

  private async read(t: Tracked): Promise<void> {
    t.inFlight = true;
    this.inFlight++;
    const uid = t.pod.metadata!.uid!;
    try {
      const update = await this.options.read(t.pod);
      this.reads++;
      const now = Date.now();
      t.lastReadAt = now;
      // The next read maps relative to this status: start and transition times must not move.
      t.pod = { ...t.pod, status: update.status };
      const statusJson = canonicalJson(update.status);
      const fresh = update.eventKeys.map((key, i) => ({ key, event: update.events[i] })).filter((e) => !t.seenEvents.has(e.key));
      for (const e of fresh) t.seenEvents.add(e.key);
      const changed = statusJson !== t.lastStatus;
      if (changed) {
        t.lastStatus = statusJson;
        t.changedAt = now;
      }
      if (changed || fresh.length > 0) {
        const events: PodEvent[] = fresh.map((e) => e.event);
        if (this.tracked.get(uid) === t) this.listener({ ...update, events });
      }
      const phase = update.status.phase;
      if (phase === "Succeeded" || phase === "Failed") {
        // Only this tracking ends: the pod may have been untracked and tracked again meanwhile.
        if (this.tracked.get(uid) === t) this.tracked.delete(uid);
        return;
      }
      const wasStarting = t.starting;
      t.starting = phase === "Pending";
      // Turning Running is not a reason to read again soon, unless readiness is still to come.
      const awaitsReadiness = (t.pod.spec?.containers ?? []).some((c) => c.readinessProbe);
      if (changed && wasStarting && !t.starting && !awaitsReadiness) t.changedAt = 0;
      t.stateAtRead = t.listedState;
      if (t.starting) {
        // With listings, a starting pod waits for its listed state to move (or for startingMaxMs).
        t.due = now + (this.options.listStates ? (this.options.startingMaxMs ?? 4_000) : (this.options.activeMs ?? 2_000));
      } else {
        const recent = now - t.changedAt < (this.options.recentMs ?? 10_000);
        t.due = now + (recent ? (this.options.activeMs ?? 2_000) : this.steadyInterval());
      }
    } catch (err) {
      if (err instanceof NotFoundError) {
        this.options.log.debug("container group not found while tracking; will look again", { uid });
      } else {
        this.options.log.debug("status read failed; will retry", { uid, error: err });
      }
      t.due = Date.now() + (this.options.activeMs ?? 2_000);
    } finally {
      t.inFlight = false;
      this.inFlight--;
    }
  }
}
