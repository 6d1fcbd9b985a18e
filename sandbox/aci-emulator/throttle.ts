/**
 * Request limits as ARM and ACI apply them:
 *
 * - ARM, per subscription (and principal): token buckets for reads, writes and deletes. Published
 *   defaults since 2024: reads 250 burst refilling 25/s, writes 200 burst refilling 10/s, deletes
 *   200 burst refilling 10/s (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 * - ACI, per subscription and region: at most 300 creates per hour and 100 per 5 minutes, and the
 *   same for deletes (ACI quotas and limits page).
 *
 * Pure bookkeeping with an injectable clock; `null` anywhere means unlimited.
 */

/** A token bucket: `burst` tokens, refilled at `perSecond`. */
export interface BucketLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/** A sliding-window limit: at most `max` operations in any `windowSeconds`. */
export interface WindowLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

export interface ThrottleLimits {
  readonly reads: BucketLimit | null;
  readonly writes: BucketLimit | null;
  readonly deletes: BucketLimit | null;
  /** ACI container-group creates per region. */
  readonly creates: readonly WindowLimit[] | null;
  /** ACI container-group deletes per region. */
  readonly groupDeletes: readonly WindowLimit[] | null;
}

export const ARM_DEFAULT_LIMITS: ThrottleLimits = {
  reads: { burst: 250, perSecond: 25 },
  writes: { burst: 200, perSecond: 10 },
  deletes: { burst: 200, perSecond: 10 },
  creates: [
    { max: 300, windowSeconds: 3600 },
    { max: 100, windowSeconds: 300 },
  ],
  groupDeletes: [
    { max: 300, windowSeconds: 3600 },
    { max: 100, windowSeconds: 300 },
  ],
};

export const UNLIMITED: ThrottleLimits = { reads: null, writes: null, deletes: null, creates: null, groupDeletes: null };

export type RequestKind = "read" | "write" | "delete";

/** The answer to "may this request go ahead?". */
export type Admission = { readonly ok: true; readonly remaining: number | null } | { readonly ok: false; readonly retryAfterSeconds: number };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: BucketLimit,
    private readonly now: () => number,
  ) {
    this.tokens = limit.burst;
    this.last = now();
  }

  take(): Admission {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, remaining: Math.floor(this.tokens) };
    }
    const seconds = (1 - this.tokens) / this.limit.perSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.last) / 1000) * this.limit.perSecond);
    this.last = t;
  }
}

/**
 * Sliding windows over operation timestamps. Timestamps are kept in a ring of the largest window's
 * size, so each check is O(number of windows) amortised, not O(history).
 */
export class WindowCounter {
  private readonly times: number[] = [];
  private head = 0;

  constructor(
    private readonly limits: readonly WindowLimit[],
    private readonly now: () => number,
  ) {}

  /** Records an operation if every window has room; otherwise says when the oldest one frees up. */
  take(): Admission & { window?: WindowLimit } {
    const t = this.now();
    const largest = Math.max(...this.limits.map((l) => l.windowSeconds)) * 1000;
    while (this.head < this.times.length && this.times[this.head] <= t - largest) this.head++;
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    for (const limit of this.limits) {
      const from = t - limit.windowSeconds * 1000;
      const inWindow = this.countSince(from);
      if (inWindow >= limit.max) {
        const oldest = this.times[this.times.length - limit.max];
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + limit.windowSeconds * 1000 - t) / 1000)), window: limit };
      }
    }
    this.times.push(t);
    return { ok: true, remaining: null };
  }

  private countSince(from: number): number {
    // Binary search for the first timestamp after `from` (timestamps are non-decreasing).
    let lo = this.head;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[mid] > from) hi = mid;
      else lo = mid + 1;
    }
    return this.times.length - lo;
  }
}

/** All limits of one subscription (and region, for the ACI windows). */
export class Throttle {
  private readonly buckets: Partial<Record<RequestKind, TokenBucket>> = {};
  private readonly createWindow: WindowCounter | null;
  private readonly deleteWindow: WindowCounter | null;

  constructor(
    readonly limits: ThrottleLimits,
    now: () => number = Date.now,
  ) {
    if (limits.reads) this.buckets.read = new TokenBucket(limits.reads, now);
    if (limits.writes) this.buckets.write = new TokenBucket(limits.writes, now);
    if (limits.deletes) this.buckets.delete = new TokenBucket(limits.deletes, now);
    this.createWindow = limits.creates && limits.creates.length > 0 ? new WindowCounter(limits.creates, now) : null;
    this.deleteWindow = limits.groupDeletes && limits.groupDeletes.length > 0 ? new WindowCounter(limits.groupDeletes, now) : null;
  }

  /** ARM's bucket for the request kind. */
  admit(kind: RequestKind): Admission {
    return this.buckets[kind]?.take() ?? { ok: true, remaining: null };
  }

  /** ACI's create window (only creates of new groups count). */
  admitCreate(): Admission & { window?: WindowLimit } {
    return this.createWindow?.take() ?? { ok: true, remaining: null };
  }

  /** ACI's delete window. */
  admitGroupDelete(): Admission & { window?: WindowLimit } {
    return this.deleteWindow?.take() ?? { ok: true, remaining: null };
  }
}

/** `01:00:00` style label of a window, as ACI names its observation windows. */
export function windowLabel(limit: WindowLimit): string {
  const h = Math.floor(limit.windowSeconds / 3600);
  const m = Math.floor((limit.windowSeconds % 3600) / 60);
  const s = limit.windowSeconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, "0")).join(":");
}
