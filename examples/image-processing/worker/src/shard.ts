/**
 * Which images a pod of the indexed Job processes. Pod `i` of `n` (Kubernetes sets
 * `JOB_COMPLETION_INDEX=i`; the Job's completions are `n`) takes every n-th file of the sorted
 * listing starting at `i`, so shards differ in size by at most one file and every pod sees the
 * same order without coordinating.
 */

export interface Shard {
  readonly index: number;
  readonly count: number;
}

export class ShardError extends Error {
  override readonly name = "ShardError";
}

/** The files of shard `index` of `count`: disjoint across shards, together exactly `files`. */
export function shardFiles(files: readonly string[], shard: Shard): string[] {
  const { index, count } = shard;
  if (!Number.isInteger(count) || count < 1) throw new ShardError(`shard count must be a positive integer, got ${count}`);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new ShardError(`shard index must be an integer from 0 to ${count - 1}, got ${index}`);
  return [...new Set(files)].sort().filter((_, position) => position % count === index);
}

/** Reads the shard from the environment the Job gives each pod. */
export function shardFromEnv(env: Readonly<Record<string, string | undefined>>): Shard {
  const read = (name: string): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") throw new ShardError(`${name} is not set: run this worker as a pod of an indexed Job`);
    const value = Number(raw);
    if (!Number.isInteger(value)) throw new ShardError(`${name} must be an integer, got "${raw}"`);
    return value;
  };
  const shard = { index: read("JOB_COMPLETION_INDEX"), count: read("SHARD_COUNT") };
  shardFiles([], shard);
  return shard;
}
