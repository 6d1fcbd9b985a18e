/**
 * A keyed work queue, as Kubernetes controllers use: a key waits in the queue at most once, a key
 * being processed is never processed concurrently (re-adds run again after), failures back off per
 * key, and an overall token bucket bounds how fast keys are handed out.
 */
import { type BackoffPolicy, backoffDelay } from "../util/backoff";
import { TokenBucket } from "../util/token-bucket";

export interface WorkQueueOptions {
  /** The queue's name says which way data flows (e.g. `fromKubernetes`). */
  readonly name: string;
  readonly backoff?: BackoffPolicy;
  /** Overall rate limit on keys handed out. @default 100/s, burst 500 */
  readonly rate?: { readonly perSecond: number; readonly burst: number };
}

export type Handler = (key: string) => Promise<void>;

export class WorkQueue {
  readonly name: string;
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  private readonly backoff: BackoffPolicy;
  private readonly bucket: TokenBucket;
  private readonly sleepers: Array<() => void> = [];
  private shuttingDown = false;
  /** Called after each key is handled, with how long it took (for metrics). */
  observer: ((ms: number, failed: boolean) => void) | undefined;

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.backoff = options.backoff ?? { baseMs: 200, maxMs: 60_000 };
    this.bucket = new TokenBucket(options.rate?.perSecond ?? 100, options.rate?.burst ?? 500);
  }

  /** Queues a key now (deduplicated). */
  add(key: string): void {
    if (this.shuttingDown) return;
    const pending = this.delayed.get(key);
    if (pending) {
      clearTimeout(pending.timer);
      this.delayed.delete(key);
    }
    if (this.active.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.sleepers.shift()?.();
  }

  /** Queues a key after `ms`, unless it is added sooner (of two delays, the sooner wins). */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown || this.queued.has(key)) return;
    const at = Date.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.delayed.set(key, { timer, at });
  }

  /** Queues a key after its backoff; each call without `forget` doubles the wait. Returns the delay. */
  addRateLimited(key: string, minMs = 0): number {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    const delay = Math.max(minMs, backoffDelay(this.backoff, n));
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

  /** Runs `concurrency` workers until `signal` aborts. A handler's error backs its key off. */
  async run(concurrency: number, handler: Handler, signal: AbortSignal, onError?: (key: string, err: unknown) => void): Promise<void> {
    // An already-aborted signal never fires "abort": without this check the workers would wait forever.
    if (signal.aborted) this.shutdown();
    else signal.addEventListener("abort", () => this.shutdown(), { once: true });
    const worker = async (): Promise<void> => {
      for (;;) {
        const key = await this.next();
        if (key === undefined) return;
        const started = Date.now();
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
          this.observer?.(Date.now() - started, failed);
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
        this.queued.delete(key);
        this.active.add(key);
        await this.bucket.take();
        return key;
      }
      await new Promise<void>((resolve) => this.sleepers.push(resolve));
    }
  }

  private done(key: string): void {
    this.active.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  private shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    for (const wake of this.sleepers.splice(0)) wake();
  }
}
