/**
 * Confirms that deleted container groups are gone, for all of them at once: each round either lists
 * the resource group (one read per page, covering every pending deletion) or reads the few pending
 * groups one by one, whichever costs fewer reads, and the next round waits in proportion to what
 * this one cost (`readGapMs`). A scale-in of hundreds of pods then costs at most four reads per
 * second instead of one long-running-operation poll per group per second.
 *
 * A deletion not confirmed within `timeoutMs` is reported as a `TransientError` as soon as that time
 * is up, so the caller sends its delete again (deletes are idempotent) rather than waiting forever.
 */
import { NotFoundError, TransientError } from "../errors";
import type { Logger } from "../log";
import { type Clock, realClock } from "../util/clock";

export interface DeletionWatchOptions {
  /** Names of the groups that exist now (every page of a listing). */
  readonly list: () => Promise<readonly string[]>;
  /** Whether one group exists now; `NotFoundError` also means gone. */
  readonly exists: (name: string) => Promise<boolean>;
  /** Reads one listing costs (its pages), as of the last listing. */
  readonly listCost: () => number;
  readonly log: Logger;
  /** Time between rounds. @default 1_000 */
  readonly intervalMs?: number;
  /**
   * Rounds spend at most one read per this on average: after a round of N reads the next waits
   * N times as long, if that is longer than `intervalMs` (a listing of ten pages, 2.5 s). @default 250
   */
  readonly readGapMs?: number;
  /** How long a deletion may stay unconfirmed. @default 180_000 */
  readonly timeoutMs?: number;
  /** Times the rounds and the timeout. @default the real clock */
  readonly clock?: Clock;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
  /** Stops the timeout. */
  readonly cancel: () => void;
}

export class DeletionWatch {
  private readonly waiters = new Map<string, Waiter[]>();
  private running = false;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(private readonly options: DeletionWatchOptions) {
    this.clock = options.clock ?? realClock;
    this.timeoutMs = options.timeoutMs ?? 180_000;
  }

  /**
   * Resolves once `name` is seen gone (after its delete was accepted); rejects with `TransientError`
   * when it is not seen gone within `timeoutMs`.
   */
  gone(name: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cancel = this.clock.timer(this.timeoutMs, () => this.expire(name, waiter));
      const waiter: Waiter = { resolve, reject, cancel };
      this.waiters.set(name, [...(this.waiters.get(name) ?? []), waiter]);
      if (!this.running) void this.loop();
    });
  }

  /** Deletions waiting for confirmation. */
  get pending(): number {
    return this.waiters.size;
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      let reads = 0;
      while (this.waiters.size > 0) {
        const wait = Math.max(this.options.intervalMs ?? 1_000, reads * (this.options.readGapMs ?? 250));
        // Waiting to confirm must not keep a stopping process alive (clock timers never do).
        await new Promise<void>((resolve) => this.clock.timer(wait, resolve));
        reads = await this.round();
      }
    } finally {
      this.running = false;
    }
  }

  /** Confirms what it can; returns the reads the round cost. */
  private async round(): Promise<number> {
    const names = [...this.waiters.keys()];
    // Every deletion may have timed out while waiting for this round.
    if (names.length === 0) return 0;
    const listCost = this.options.listCost();
    try {
      if (names.length >= listCost) {
        const existing = new Set(await this.options.list());
        for (const name of names) if (!existing.has(name)) this.settle(name);
      } else {
        await Promise.all(names.map(async (name) => {
          if (!(await this.exists(name))) this.settle(name);
        }));
      }
    } catch (err) {
      this.options.log.debug("confirming deletions failed; will look again", { error: err });
    }
    return Math.min(names.length, listCost);
  }

  /** Gives up on one deletion whose time is up; other waits for the same group go on. */
  private expire(name: string, waiter: Waiter): void {
    const rest = (this.waiters.get(name) ?? []).filter((w) => w !== waiter);
    if (rest.length > 0) this.waiters.set(name, rest);
    else this.waiters.delete(name);
    waiter.reject(new TransientError(`container group ${name} still exists ${Math.round(this.timeoutMs / 1000)} s after its delete was accepted; deleting it again`));
  }

  private async exists(name: string): Promise<boolean> {
    try {
      return await this.options.exists(name);
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  private settle(name: string): void {
    const waiters = this.waiters.get(name) ?? [];
    this.waiters.delete(name);
    for (const w of waiters) {
      w.cancel();
      w.resolve();
    }
  }
}
