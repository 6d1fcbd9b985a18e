/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. Waiters are served in order.
 * `pause(ms)` empties it for a while — how a `Retry-After` slows every caller, not just one.
 * Waiters are woken on the bucket's `Clock`, so a test moves time and sees exactly who was served when.
 */
import { type Clock, realClock } from "./clock";

export class TokenBucket {
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private readonly waiters: Array<() => void> = [];
  /** Cancels the pending drain, if one is scheduled. */
  private cancelDrain: (() => void) | undefined;
  /** Total time callers spent waiting, in ms (for metrics). */
  waitedMs = 0;

  constructor(readonly perSecond: number, readonly burst: number, private readonly clock: Clock = realClock) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new RangeError(`token bucket needs perSecond > 0 and burst >= 1 (got ${perSecond}, ${burst})`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Waits for one token. */
  take(): Promise<void> {
    if (this.waiters.length === 0 && this.tryTake()) return Promise.resolve();
    const started = this.clock.now();
    return new Promise((resolve) => {
      this.waiters.push(() => {
        this.waitedMs += this.clock.now() - started;
        resolve();
      });
      this.schedule();
    });
  }

  /** Takes no token for `ms` and spends what was saved up: the server said to slow down. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
    this.tokens = 0;
    this.schedule();
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.clock.now() < this.pausedUntil ? 0 : this.tokens;
  }

  get queued(): number {
    return this.waiters.length;
  }

  private tryTake(): boolean {
    this.refill();
    if (this.clock.now() < this.pausedUntil || this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.clock.now();
    const from = Math.max(this.last, this.pausedUntil);
    if (now > from) this.tokens = Math.min(this.burst, this.tokens + ((now - from) / 1000) * this.perSecond);
    this.last = Math.max(now, this.last);
  }

  private schedule(): void {
    if (this.cancelDrain) return;
    const drain = (): void => {
      this.cancelDrain = undefined;
      while (this.waiters.length > 0 && this.tryTake()) this.waiters.shift()!();
      if (this.waiters.length === 0) return;
      const untilPause = Math.max(0, this.pausedUntil - this.clock.now());
      const untilToken = ((1 - this.tokens) / this.perSecond) * 1000;
      this.cancelDrain = this.clock.timer(Math.max(1, Math.ceil(Math.max(untilPause, untilToken))), drain);
    };
    this.cancelDrain = this.clock.timer(0, drain);
  }
}
