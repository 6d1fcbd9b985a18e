/**
 * The status tracker's reads aimed at pods' expected exits: the run times its cohorts' finished
 * pods took, whether a pod is at one of them, and whether such reads need all the read budget has.
 * Work that can wait (reading a finished pod's final logs, deleting its group) waits until they do
 * not (`settled`), so it does not take the reads that notice the other pods' exits.
 */
import type { Clock } from "../util/clock";
import { Waiters } from "../util/waiters";
import { type ExitReadOptions, nextExitRead, RunTimes } from "./read-schedule";
import type { Tracked } from "./tracked-pod";

/** How far ahead reads at expected exits are counted against the budget (`backlogged`). */
const EXIT_HORIZON_MS = 5_000;

export class ExitReads {
  /** Run times of finished pods, by cohort. */
  private readonly runTimes = new RunTimes();
  /** Callers of `settled` waiting. */
  private readonly waiters: Waiters;

  /** `pods`: the tracked pods; `readsAvailable`: reads the budget holds now (unbounded if absent). */
  constructor(
    private readonly clock: Clock,
    private readonly pods: () => Iterable<Tracked>,
    private readonly readsAvailable?: () => number,
  ) {
    this.waiters = new Waiters(clock);
  }

  /** A pod of `cohort` finished after `ms` of running: its siblings are read around that time. */
  learn(cohort: string, ms: number): void {
    this.runTimes.add(cohort, ms);
  }

  /** Whether the pod is at a run time its cohort's finished pods took (a read at its expected exit). */
  due(t: Tracked, now: number): boolean {
    return t.exitAt !== undefined && t.exitAt <= now && this.runTimes.has(t.cohort);
  }

  /** When a pod running since `startedAt` and last read at `lastReadAt` is next read for its exit (`nextExitRead`). */
  next(t: Tracked, startedAt: number, lastReadAt: number, options: ExitReadOptions): number {
    return nextExitRead(startedAt, lastReadAt, this.runTimes.of(t.cohort), options);
  }

  /** Resolves once reads at expected exits no longer need all the budget has (`backlogged`), or after `maxMs`. */
  settled(maxMs: number): Promise<void> {
    if (!this.backlogged(this.clock.now())) return Promise.resolve();
    return this.waiters.wait(maxMs);
  }

  /** Lets the callers of `settled` go if reads at expected exits no longer need all the budget. */
  releaseIfSettled(now: number): void {
    if (this.waiters.size > 0 && !this.backlogged(now)) this.waiters.release();
  }

  /**
   * Whether reads at expected exits need all the read budget has: one waits for room now, or more
   * are due within `EXIT_HORIZON_MS` than the budget holds (as when the first pods of a large Job
   * end and the others are about to).
   */
  private backlogged(now: number): boolean {
    let ahead = 0;
    for (const t of this.pods()) {
      if (t.inFlight || t.exitAt === undefined || t.due > now + EXIT_HORIZON_MS || !this.due(t, t.due)) continue;
      if (t.due <= now) return true;
      ahead++;
    }
    return ahead > (this.readsAvailable?.() ?? Number.POSITIVE_INFINITY);
  }
}
