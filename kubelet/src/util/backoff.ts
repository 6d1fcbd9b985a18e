/** Exponential backoff with jitter. */

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** The delay before retry number `attempt` (1-based): base·2^(attempt-1), capped, with jitter in [½, 1]. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
