/**
 * One build at a time per cache: two runs that start on a cold machine (the demo and the tests,
 * two CI jobs sharing a cache) would otherwise both compile for half an hour and race to move
 * their results into place. The lock is a file created exclusively in the cache root, holding its
 * owner's pid; a lock whose owner is no longer alive (a killed build) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { realClock, type Clock } from "../../kubelet/src/util/clock";
import { processAlive } from "../process-group";

export const BUILD_LOCK = ".build.lock";

/** The pid in a lock file, if it can be read (a lock being written reads as empty). */
function holder(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock if it is free or its owner is gone; returns whether it was taken. */
export function tryBuildLock(root: string, pid: number = process.pid): boolean {
  mkdirSync(root, { recursive: true });
  const file = path.join(root, BUILD_LOCK);
  try {
    writeFileSync(file, `${pid}\n`, { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const owner = holder(file);
  // An unreadable lock younger than a few seconds is being written; an older one was left half-written.
  const stale = owner === undefined ? Date.now() - statSafe(file) > 5_000 : owner !== pid && !processAlive(owner);
  if (!stale) return owner === pid;
  rmSync(file, { force: true });
  return tryBuildLock(root, pid);
}

function statSafe(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

export function releaseBuildLock(root: string, pid: number = process.pid): void {
  const file = path.join(root, BUILD_LOCK);
  if (holder(file) === pid) rmSync(file, { force: true });
}

/**
 * Runs `build` holding the cache's build lock. While another live process holds it, waits (one
 * progress line at once and one every `reportMs`), and each second asks `stillNeeded` whether the
 * other build made this one unnecessary; if so, returns without building.
 */
export async function withBuildLock(root: string, progress: (line: string) => void, stillNeeded: () => boolean, build: () => Promise<void>, options: { readonly clock?: Clock; readonly reportMs?: number } = {}): Promise<void> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  let reported = Number.NEGATIVE_INFINITY;
  while (!tryBuildLock(root)) {
    if (clock.now() - reported >= (options.reportMs ?? 20_000)) {
      reported = clock.now();
      progress(`[sandbox build] waiting for the build of process ${holder(path.join(root, BUILD_LOCK)) ?? "?"} into ${root} to finish (${Math.round((clock.now() - started) / 1000)} s so far)`);
    }
    await clock.sleep(1_000);
    if (!stillNeeded()) return;
  }
  try {
    if (stillNeeded()) await build();
  } finally {
    releaseBuildLock(root);
  }
}
