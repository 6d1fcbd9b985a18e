/**
 * The share of the ARM read budget that log reads may use, so that no number of `kubectl logs`
 * readers can slow the reads pod status needs. A log read takes a token here and then one of the
 * read budget, so log reads stay within both.
 *
 * Tokens are reserved in order, as `golang.org/x/time/rate` does (`Reserve`, then wait): a read takes
 * the next free slot and waits for it, and a read whose slot is more than `maxWaitMs` away is refused
 * at once (a `ThrottledError` saying when to try again) without reserving anything, as client-go's
 * limiter refuses a wait that would pass its context's deadline.
 */
import { ThrottledError } from "../errors";
import { type Clock, realClock } from "../util/clock";

/** The share of the read budget's rate and burst log reads get unless configured (`--log-read-share`). */
export const DEFAULT_LOG_READ_SHARE = 0.2;
/** How long a log read may wait for its turn before it is refused. */
export const LOG_READ_MAX_WAIT_MS = 10_000;

/** A log read refused because its turn in the log share is too far away. */
export class LogBudgetExceededError extends ThrottledError {
  constructor(what: string, readonly perSecond: number, retryAfterMs: number) {
    super(`${what}: not sent: log reads are over their share of the Azure Resource Manager read budget (${round(perSecond)} reads/s)`, retryAfterMs);
  }
}

export interface LogReadBudgetOptions {
  /** @default LOG_READ_MAX_WAIT_MS */
  readonly maxWaitMs?: number;
  readonly clock?: Clock;
}

export class LogReadBudget {
  private tokens: number;
  private last: number;
  private readonly clock: Clock;
  private readonly maxWaitMs: number;
  /** Reads waiting for their slot now. */
  waiting = 0;
  /** Total time reads spent waiting, in ms (for metrics). */
  waitedMs = 0;

  constructor(readonly perSecond: number, readonly burst: number, options: LogReadBudgetOptions = {}) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError(`log read budget needs perSecond > 0 and burst >= 1 (got ${perSecond}, ${burst})`);
    this.clock = options.clock ?? realClock;
    this.maxWaitMs = options.maxWaitMs ?? LOG_READ_MAX_WAIT_MS;
    this.tokens = burst;
    this.last = this.clock.now();
  }

  /** `share` of a read budget's rate and burst (a burst of at least one). */
  static shareOf(reads: { readonly perSecond: number; readonly burst: number }, share: number, options?: LogReadBudgetOptions): LogReadBudget {
    return new LogReadBudget(reads.perSecond * share, Math.max(1, Math.floor(reads.burst * share)), options);
  }

  /** How long a read asking now would wait for its slot, in ms. */
  expectedWaitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.perSecond) * 1000;
  }

  /**
   * Reserves the next slot and waits for it; refuses at once, reserving nothing, when the slot is
   * more than `maxWaitMs` away (`Infinity`: never refuse, e.g. for a retry of a read already admitted).
   */
  async take(what: string, maxWaitMs = this.maxWaitMs): Promise<void> {
    const wait = this.expectedWaitMs();
    if (wait > maxWaitMs) throw new LogBudgetExceededError(what, this.perSecond, Math.ceil(wait - maxWaitMs));
    this.tokens -= 1;
    if (wait <= 0) return;
    this.waiting++;
    try {
      await this.clock.sleep(wait);
    } finally {
      this.waiting--;
      this.waitedMs += wait;
    }
  }

  /**
   * Takes a token if one is free now, for a background read that never reserves a slot ahead of
   * readers waiting in line (they reserve; it takes only what nobody reserved).
   */
  takeIfFree(): boolean {
    if (this.expectedWaitMs() > 0) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now > this.last) this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = Math.max(now, this.last);
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
