/**
 * Confirms that deleted container groups are gone, for all of them at once: each round either lists
 * the resource group (one read per page, covering every pending deletion) or reads the few pending
 * groups one by one, whichever costs fewer reads. A scale-in of hundreds of pods then costs a few
 * reads per second instead of one long-running-operation poll per group per second.
 *
 * A deletion not confirmed within `timeoutMs` is reported as a `TransientError`, so the caller sends
 * its delete again (deletes are idempotent) rather than waiting forever.
 */
import { NotFoundError, TransientError } from "../errors";
import type { Logger } from "../log";

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
  /** How long a deletion may stay unconfirmed. @default 180_000 */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly since: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class DeletionWatch {
  private readonly waiters = new Map<string, Waiter[]>();
  private running = false;

  constructor(private readonly options: DeletionWatchOptions) {}

  /** Resolves once `name` is seen gone (after its delete was accepted). */
  gone(name: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiters.set(name, [...(this.waiters.get(name) ?? []), { since: Date.now(), resolve, reject }]);
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
      while (this.waiters.size > 0) {
        // Waiting to confirm must not keep a stopping process alive.
        await new Promise((r) => setTimeout(r, this.options.intervalMs ?? 1_000).unref());
        await this.round();
      }
    } finally {
      this.running = false;
    }
  }

  private async round(): Promise<void> {
    const names = [...this.waiters.keys()];
    try {
      if (names.length >= this.options.listCost()) {
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
    const timeoutMs = this.options.timeoutMs ?? 180_000;
    const now = Date.now();
    for (const [name, waiters] of this.waiters) {
      const late = waiters.filter((w) => now - w.since > timeoutMs);
      if (late.length === 0) continue;
      const rest = waiters.filter((w) => !late.includes(w));
      if (rest.length > 0) this.waiters.set(name, rest);
      else this.waiters.delete(name);
      for (const w of late) w.reject(new TransientError(`container group ${name} still exists ${Math.round(timeoutMs / 1000)} s after its delete was accepted; deleting it again`));
    }
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
    for (const w of waiters) w.resolve();
  }
}
