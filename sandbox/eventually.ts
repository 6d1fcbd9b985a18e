/** Polls until a check passes: tests wait for conditions, never for fixed times. */
import { realClock } from "../kubelet/src/util/clock";

export interface EventuallyOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message. */
  readonly what?: string;
}

/** Calls `check` until it returns without throwing (and, if it returns a boolean, returns true). */
export async function eventually<T>(check: () => Promise<T> | T, options: EventuallyOptions = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false) return value;
      last = new Error("check returned false");
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const reason = last instanceof Error ? last.message : String(last);
      throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.what ?? "condition"}: ${reason}`);
    }
    await realClock.sleep(options.intervalMs ?? 100);
  }
}
