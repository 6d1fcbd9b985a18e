/**
 * A keyed work queue with client-go's semantics (`workqueue.RateLimitingInterface`):
 * - a key waits in the queue at most once, and is never processed by two workers at once; a key
 *   added while it is processed runs once more after (`done`);
 * - `addAfter` queues a key later; of two pending delays the sooner wins, and a plain `add` does
 *   not cancel a pending one (the key runs now, and again when the delay ends);
 * - `addRateLimited` waits the key's own exponential backoff (each failure doubles it) and `forget`
 *   resets it after a success;
 * - a token bucket bounds how fast keys are handed out overall.
 * All timing goes through a `Clock`.
 */
import { type BackoffPolicy, backoffDelay } from "../util/backoff";
import { type Clock, realClock } from "../util/clock";
import { TokenBucket } from "../util/token-bucket";

export interface WorkQueueOptions {
  /** The queue's name says which way data flows (e.g. `fromKubernetes`). */
  readonly name: string;
  readonly backoff?: BackoffPolicy;
  /** Overall rate limit on keys handed out. @default 100/s, burst 500 */
  readonly rate?: { readonly perSecond: number; readonly burst: number };
  readonly clock?: Clock;
  /** The backoff's jitter source. @default Math.random */
  readonly random?: () => number;
}

export type Handler = (key: string) => Promise<void>;

export class WorkQueue {
  readonly name: string;
  private readonly queue: string[] = [];
  /** Keys that need processing: waiting in `queue`, or to run again once their worker is done. */
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly backoff: BackoffPolicy;
  private readonly bucket: TokenBucket;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sleepers: Array<() => void> = [];
  private shuttingDown = false;
  /** Called after each key is handled, with how long it took (for metrics). */
  observer: ((ms: number, failed: boolean) => void) | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.backoff = options.backoff ?? { baseMs: 200, maxMs: 60_000 };
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
    this.bucket = new TokenBucket(options.rate?.perSecond ?? 100, options.rate?.burst ?? 500, this.clock);
  }

  /** Queues a key now (deduplicated). A pending delayed add stays pending. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.sleepers.shift()?.();
  }

  /** Queues a key after `ms`; of two pending delays for one key, the sooner wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.clock.timer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  /** Queues a key after its backoff (at least `minMs`); each call without `forget` doubles it. Returns the delay. */
  addRateLimited(key: string, minMs = 0): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.max(minMs, backoffDelay(this.backoff, n, this.random));
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears a key's failure count (after it succeeded). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys waiting now (not counting delayed ones). */
  get depth(): number {
    return this.queue.length;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  /** When a key's pending delayed add is due, if it has one. */
  delayedUntil(key: string): number | undefined {
    return this.delayed.get(key)?.at;
  }

  /** Runs `concurrency` workers until `signal` aborts. A handler's error backs its key off. */
  async run(concurrency: number, handler: Handler, signal: AbortSignal, onError?: (key: string, err: unknown) => void): Promise<void> {
    // An already-aborted signal never fires "abort": without this check the workers would wait forever.
    if (signal.aborted) this.shutdown();
    else signal.addEventListener("abort", () => this.shutdown(), { once: true });
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.next();
        if (key === undefined) return;
        const started = this.clock.now();
        let failed = false;
        const retriesBefore = this.retries(key);
        try {
          await handler(key);
          // Success resets the key's backoff, unless the handler itself asked for a later retry.
          if (this.retries(key) === retriesBefore) this.forget(key);
        } catch (err) {
          failed = true;
          onError?.(key, err);
          this.addRateLimited(key);
        } finally {
          this.done(key);
          this.observer?.(this.clock.now() - started, failed);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  private async next(): Promise<string | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      const key = this.queue.shift();
      if (key !== undefined) {
        this.dirty.delete(key);
        this.processing.add(key);
        await this.bucket.take();
        return key;
      }
      await new Promise<void>((resolve) => this.sleepers.push(resolve));
    }
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.sleepers.shift()?.();
    }
  }

  private shutdown(): void {
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    for (const wake of this.sleepers.splice(0)) wake();
  }
}
