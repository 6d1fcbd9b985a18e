/**
 * What the status tracker (`status-tracker.ts`) knows of each pod it follows: when it is due, what
 * its last read found, its Events between a read and the controller writing them, and the order in
 * which due pods are read when reads compete.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { ObservedEvent, PodEvent } from "../provider/provider";

/** One followed pod. */
export interface Tracked {
  pod: V1Pod;
  due: number;
  lastReadAt: number;
  changedAt: number;
  inFlight: boolean;
  lastStatus?: string;
  /** The backend's Events: every push carries those not acknowledged yet. */
  readonly events: PendingEvents;
  /** Still starting (phase Pending at the last read, or never read). */
  starting: boolean;
  /** The listed state at the last read, and the latest listed state. */
  stateAtRead?: string;
  listedState?: string;
  /** Its controller and template (pods that run similar work), if any. */
  readonly cohort?: string;
  /** When its next read aimed at its exit is due, if one is (it may finish on its own and runs). */
  exitAt?: number;
  /** When a read first found it running (its run's start where the backend gives none). */
  runningAt?: number;
  /** Its first steady read after it was found running comes at this share of the interval. */
  staggerShare?: number;
  /** The interval of a starting pod's reads that its listed state did not ask for (0: not yet set). */
  startingMs: number;
  /** Reads that failed in a row. */
  failures: number;
}

/** Dispatch order when reads compete: lower first. */
export enum Urgency {
  /** Not read for longer than the steady interval: the staleness bound comes first. */
  Overdue = 0,
  /** At its expected exit, known from its cohort's run times. */
  Exit = 1,
  Starting = 2,
  Recent = 3,
  Steady = 4,
}

/**
 * What a listing says of one pod (`state`: its group's listed state, undefined when not listed):
 * a pod read before and missing from the listing is read at once (its group may be gone; a read
 * tells for sure); a starting pod is read at once when its listed state moved since its last read,
 * and a never-read pod in a quiet state waits.
 */
export function applyListedState(t: Tracked, state: string | undefined, quiet: ReadonlySet<string>, now: number): void {
  if (state === undefined) {
    if (t.lastStatus !== undefined && !t.inFlight) t.due = Math.min(t.due, now);
    return;
  }
  t.listedState = state;
  if (!t.starting || t.inFlight) return;
  if (t.lastStatus === undefined && quiet.has(state)) t.stateAtRead = state;
  else if (state !== t.stateAtRead) t.due = Math.min(t.due, now);
}

/**
 * The backend's Events of one followed pod, between a read and the controller writing them: every
 * status notice carries all those not acknowledged yet, so none is lost under backlog, and the keys
 * acknowledged are kept only while the backend still reports them, so the set stays as small as
 * its list rather than growing for the pod's whole life.
 */
export class PendingEvents {
  private readonly unacked = new Map<string, ObservedEvent>();
  private readonly acked = new Set<string>();

  /** Takes a read's Events (`keys[i]` names `events[i]`); returns how many are new. */
  observe(events: readonly PodEvent[], keys: readonly string[]): number {
    const reported = new Set(keys);
    for (const key of this.acked) if (!reported.has(key)) this.acked.delete(key);
    let fresh = 0;
    keys.forEach((key, i) => {
      if (this.acked.has(key) || this.unacked.has(key)) return;
      this.unacked.set(key, { ...events[i], key });
      fresh++;
    });
    return fresh;
  }

  /** The controller wrote these: they are not pushed again. */
  acknowledge(keys: readonly string[]): void {
    for (const key of keys) if (this.unacked.delete(key)) this.acked.add(key);
  }

  /** Every Event pushed and not acknowledged yet, oldest first. */
  unacknowledged(): ObservedEvent[] {
    return [...this.unacked.values()];
  }
}

/**
 * The pods a tracker follows, by UID, with how many are past starting (the ones steady reads are
 * spread over), kept as pods come, go and start rather than counted on every read.
 */
export class TrackedPods {
  private readonly byUid = new Map<string, Tracked>();
  private runningCount = 0;

  get size(): number {
    return this.byUid.size;
  }

  /** Pods past starting. */
  get running(): number {
    return this.runningCount;
  }

  get(uid: string): Tracked | undefined {
    return this.byUid.get(uid);
  }

  values(): IterableIterator<Tracked> {
    return this.byUid.values();
  }

  [Symbol.iterator](): IterableIterator<[string, Tracked]> {
    return this.byUid.entries();
  }

  add(uid: string, t: Tracked): void {
    this.remove(uid, this.byUid.get(uid));
    this.byUid.set(uid, t);
    if (!t.starting) this.runningCount++;
  }

  /** Ends this tracking of the pod; a pod untracked and tracked again meanwhile keeps its new one. */
  remove(uid: string, t: Tracked | undefined): void {
    if (t === undefined || this.byUid.get(uid) !== t) return;
    this.byUid.delete(uid);
    if (!t.starting) this.runningCount--;
  }

  /** Whether the pod is still starting; only the current tracking of a pod counts. */
  setStarting(uid: string, t: Tracked, starting: boolean): void {
    if (t.starting !== starting && this.byUid.get(uid) === t) this.runningCount += starting ? -1 : 1;
    t.starting = starting;
  }
}
