/**
 * Paces container group creates (and deletes) under ACI's own per-region limits, so that burstlet
 * never triggers them. ACI's documented defaults, per subscription and region
 * (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits,
 * "Changeable limits"): 300 container group creates per hour and 100 per 5 minutes, the same for
 * deletes; 100 standard container groups and 100 standard cores, which count every existing group
 * whatever its state until it is deleted (read from `location.listUsage`).
 *
 * Pure bookkeeping on a `Clock`: the windows count the creates this process sent; a 429 from ACI's
 * windows (creates burstlet did not see, e.g. from another client in the subscription) blocks the
 * window until its `Retry-After`. Waiting pods take the slots in the order they first asked, and each
 * is told which limit it waits for and when its slot is expected.
 */
import type { Usage } from "@azure/arm-containerinstance";
import { type Clock, realClock } from "../util/clock";

/** At most `max` operations in any `windowSeconds`. */
export interface WindowLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

/** ACI's default create (and delete) windows per subscription and region. */
export const ACI_DEFAULT_WINDOWS: readonly WindowLimit[] = [
  { max: 100, windowSeconds: 300 },
  { max: 300, windowSeconds: 3600 },
];

/** What a limit is called in a pod's condition and Event, e.g. "100 container group creates per 5 minutes". */
export function describeWindow(limit: WindowLimit, what: string): string {
  const s = limit.windowSeconds;
  const span = s % 3600 === 0 ? (s === 3600 ? "hour" : `${s / 3600} hours`) : s % 60 === 0 ? (s === 60 ? "minute" : `${s / 60} minutes`) : `${s} seconds`;
  return `${limit.max} ${what} per ${span}`;
}

/** Parses `100/5m,300/1h` (units s, m, h). */
export function parseWindows(text: string): WindowLimit[] | string {
  const limits: WindowLimit[] = [];
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const m = /^(\d+)\/(\d+)([smh])$/.exec(part);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) return `"${part}" is not <count>/<duration> with a duration in s, m or h (e.g. 100/5m)`;
    limits.push({ max: Number(m[1]), windowSeconds: Number(m[2]) * { s: 1, m: 60, h: 3600 }[m[3] as "s" | "m" | "h"] });
  }
  return limits.length > 0 ? limits : "no window given (e.g. 100/5m,300/1h)";
}

/** Sliding windows over the times of operations sent. */
export class SlidingWindows {
  private times: number[] = [];
  private blockedUntil = 0;
  private readonly longestMs: number;

  /**
   * `marginMs` widens every window: burstlet stamps an operation before it is sent, ACI when it
   * arrives, so a slot is taken only once it is free by ACI's count too.
   */
  constructor(readonly limits: readonly WindowLimit[], private readonly marginMs = 0) {
    this.longestMs = Math.max(0, ...limits.map((l) => l.windowSeconds * 1000 + marginMs));
  }

  record(now: number): void {
    this.prune(now);
    this.times.push(now);
  }

  /** An operation recorded at `at` did not happen after all (it was never sent). */
  unrecord(at: number): void {
    const i = this.times.lastIndexOf(at);
    if (i >= 0) this.times.splice(i, 1);
  }

  /** ACI said the window is full until `until` (epoch ms). */
  block(until: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, until);
  }

  /**
   * When the `n`-th next operation (0: the next one) may go, and the limit it waits for (undefined
   * when it may go now): each is placed in turn at the first moment every window has room.
   */
  slotAt(now: number, n: number): { at: number; limit?: WindowLimit } {
    this.prune(now);
    const times = [...this.times];
    // Slots are placed in order, each no earlier than the one before, so every time counted is at
    // or before the slot being placed.
    let at = Math.max(now, this.blockedUntil);
    let limit: WindowLimit | undefined;
    for (let k = 0; k <= n; k++) {
      for (let moved = true; moved; ) {
        moved = false;
        for (const l of this.limits) {
          const w = l.windowSeconds * 1000 + this.marginMs;
          const inWindow = times.filter((t) => t > at - w);
          if (inWindow.length >= l.max) {
            // The window has room once its oldest operations have left it.
            at = inWindow[inWindow.length - l.max] + w;
            limit = l;
            moved = true;
          }
        }
      }
      times.push(at);
    }
    return at > now ? { at, limit } : { at };
  }

  /** Waits for the next slot and takes it (for deletes, which wait in their worker). */
  async acquire(clock: Clock): Promise<void> {
    for (;;) {
      const now = clock.now();
      const slot = this.slotAt(now, 0);
      if (slot.at <= now) return this.record(now);
      await clock.sleep(slot.at - now);
    }
  }

  private prune(now: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop] <= now - this.longestMs) drop++;
    if (drop > 0) this.times = this.times.slice(drop);
  }
}

/** A region's container group quota, as `location.listUsage` reports it. */
export interface QuotaUsage {
  readonly groups?: { readonly used: number; readonly limit: number };
  readonly cores?: { readonly used: number; readonly limit: number };
  /** When it was read (epoch ms). */
  readonly at: number;
}

/** The quotas in a `location.listUsage` answer read at `at`. */
export function quotaFromUsages(usages: readonly Usage[], at: number): QuotaUsage {
  const quota = (name: string): { used: number; limit: number } | undefined => {
    const u = usages.find((x) => x.name?.value === name);
    return u?.limit === undefined || u.currentValue === undefined ? undefined : { used: u.currentValue, limit: u.limit };
  };
  return { groups: quota("ContainerGroups"), cores: quota("StandardCores"), at };
}

/** Why a create has to wait, and until when (when known). */
export interface CreateWait {
  /** The limit, as a user reads it: "100 container group creates per 5 minutes". */
  readonly limit: string;
  /** When a slot is expected (epoch ms); undefined when it depends on groups being deleted. */
  readonly expectedAt?: number;
  /** When to look again (epoch ms). */
  readonly retryAt: number;
}

export type Reservation = { readonly ok: true; readonly at: number } | ({ readonly ok: false } & CreateWait);

export interface CreatePacerOptions {
  /** @default ACI_DEFAULT_WINDOWS */
  readonly windows?: readonly WindowLimit[];
  /** How much later than burstlet's own count a window's slot is taken (see `SlidingWindows`). @default 2_000 */
  readonly marginMs?: number;
  /** While waiting for quota, look again this often. @default 5_000 */
  readonly quotaRecheckMs?: number;
  readonly clock?: Clock;
}

/** Creates under ACI's windows and quotas, in the order pods first asked. */
export class CreatePacer {
  readonly windows: SlidingWindows;
  private readonly clock: Clock;
  private readonly quotaRecheckMs: number;
  /** Pods waiting for a slot, in the order they first asked. */
  private readonly waiting: string[] = [];
  /**
   * Creates the last reading of the quota may not count: each holds a group (and its cores). One
   * answered before that reading began is counted by it (or was refused), and leaves this list.
   */
  private sentSinceUsage: { at: number; cores: number; answeredAt?: number }[] = [];
  private usage: QuotaUsage | undefined;
  /** 429s from ACI's windows (for metrics). */
  throttled = 0;

  constructor(options: CreatePacerOptions = {}) {
    this.windows = new SlidingWindows(options.windows ?? ACI_DEFAULT_WINDOWS, options.marginMs ?? 2_000);
    this.clock = options.clock ?? realClock;
    this.quotaRecheckMs = options.quotaRecheckMs ?? 5_000;
  }

  /** The region's quota and usage as just read. */
  setUsage(usage: QuotaUsage): void {
    this.usage = usage;
    this.sentSinceUsage = this.sentSinceUsage.filter((s) => s.answeredAt === undefined || s.answeredAt >= usage.at);
  }

  /**
   * Takes a create slot for the pod `uid` whose group has `cores`, or says what it waits for.
   * Pods that asked earlier and still wait go first.
   */
  reserve(uid: string, cores: number): Reservation {
    const now = this.clock.now();
    const { position, wait } = this.check(uid, cores, now);
    if (wait) return wait;
    this.waiting.splice(position, 1);
    this.windows.record(now);
    this.sentSinceUsage.push({ at: now, cores });
    return { ok: true, at: now };
  }

  /**
   * What the pod would wait for now, if anything, taking no slot (it does take its place in line):
   * a cheap look before the work of preparing a create.
   */
  peek(uid: string, cores = 0): CreateWait | undefined {
    return this.check(uid, cores, this.clock.now()).wait;
  }

  private check(uid: string, cores: number, now: number): { position: number; wait?: CreateWait & { ok: false } } {
    let position = this.waiting.indexOf(uid);
    if (position < 0) position = this.waiting.push(uid) - 1;
    const quota = this.quotaWait(cores, now);
    if (quota) return { position, wait: quota };
    const slot = this.windows.slotAt(now, position);
    if (slot.at <= now) return { position };
    const limit = slot.limit ? describeWindow(slot.limit, "container group creates") : "Azure Container Instances' create window (it answered 429)";
    return { position, wait: { ok: false, limit, expectedAt: slot.at, retryAt: slot.at } };
  }

  /** ACI answered the create reserved at `reservation.at` (whatever it said): the next reading of the quota counts it. */
  answered(reservation: { readonly at: number }): void {
    const sent = this.sentSinceUsage.find((s) => s.at === reservation.at && s.answeredAt === undefined);
    if (sent) sent.answeredAt = this.clock.now();
  }

  /**
   * ACI answered the create reserved at `reservation.at` with a server error: no group was created,
   * so the create takes no place in the windows (retries of a placement that is down would
   * otherwise fill them, and the pods would wait for slots instead of being seen to fail). The
   * next reading of the quota still counts it, as for any answered create.
   */
  failed(reservation: { readonly at: number }): void {
    this.windows.unrecord(reservation.at);
    this.answered(reservation);
  }

  /** A reserved create was not sent after all: its slot is free again. */
  cancel(reservation: { readonly at: number }): void {
    this.windows.unrecord(reservation.at);
    const i = this.sentSinceUsage.findIndex((s) => s.at === reservation.at);
    if (i >= 0) this.sentSinceUsage.splice(i, 1);
  }

  /** The pod no longer waits (it was deleted, or created another way). */
  forget(uid: string): void {
    const i = this.waiting.indexOf(uid);
    if (i >= 0) this.waiting.splice(i, 1);
  }

  /** ACI answered a create with 429 from its own windows: no create goes until `retryAfterMs` has passed. */
  windowFull(retryAfterMs: number): void {
    this.throttled++;
    this.windows.block(this.clock.now() + retryAfterMs);
  }

  /** Pods waiting for a slot now. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private quotaWait(cores: number, now: number): (CreateWait & { ok: false }) | undefined {
    const u = this.usage;
    if (!u) return undefined;
    const sent = this.sentSinceUsage.length;
    const sentCores = this.sentSinceUsage.reduce((sum, s) => sum + s.cores, 0);
    const retryAt = now + this.quotaRecheckMs;
    if (u.groups && u.groups.used + sent + 1 > u.groups.limit) {
      return { ok: false, limit: `the region's quota of ${u.groups.limit} container groups (${Math.min(u.groups.limit, u.groups.used + sent)} exist; groups count until they are deleted)`, retryAt };
    }
    if (u.cores && u.cores.used + sentCores + cores > u.cores.limit + 1e-9) {
      return { ok: false, limit: `the region's quota of ${u.cores.limit} standard cores (${round2(u.cores.used + sentCores)} in use, ${cores} asked)`, retryAt };
    }
    return undefined;
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
