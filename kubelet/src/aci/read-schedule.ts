/**
 * When the status tracker reads a pod beyond its starting and steady rules: around the pod's
 * expected exit, and how much of the read budget steady reads may use for freshness. Pure: every
 * input is given, nothing is read from a clock.
 *
 * ACI tells a container's exit only through a read of its group (a list carries no instance view,
 * and its provisioning state describes the deployment, not the containers), so noticing an exit costs
 * one read. Pods of one controller and template (the pods of a Job) run similar work, so once some
 * have finished, their run times say when the others are likely to end: a running pod is read when
 * it reaches the run times its finished siblings took (a few quantiles of them), and past the longest
 * at gaps doubling from `minGapMs`. Before any has finished it is read at 1, 2, 4 … times `firstMs`
 * of running, the gaps rising until they reach the steady interval.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";

/** Share of the ARM read rate that steady reads may use for freshness, by default. */
export const DEFAULT_STATUS_FRESH_SHARE = 0.5;

/** Steady pods are not read more often than this for freshness, by default (a starting pod's interval). */
export const DEFAULT_FRESH_FLOOR_MS = 2_000;

/** Quantiles of the finished siblings' run times at which a running pod is read. */
const QUANTILES = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1] as const;

/** Run times kept per cohort: the most recent ones. */
const MAX_SAMPLES = 256;

/**
 * Which pods run similar work: those of one controller (a Job, a ReplicaSet) and one template
 * (`pod-template-hash`, `controller-revision-hash`). A pod without a controller has no cohort.
 */
export function cohortOf(pod: V1Pod): string | undefined {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (!owner?.uid) return undefined;
  const labels = pod.metadata?.labels ?? {};
  return `${owner.uid}/${labels["pod-template-hash"] ?? labels["controller-revision-hash"] ?? ""}`;
}

/** Whether a pod's containers may all end for good on their own (Jobs), rather than be restarted. */
export function mayFinish(pod: V1Pod): boolean {
  return (pod.spec?.restartPolicy ?? "Always") !== "Always";
}

/** When the pod's containers started running (the earliest start), in epoch ms; undefined before any did. */
export function runningSince(status: V1PodStatus | undefined): number | undefined {
  const starts = (status?.containerStatuses ?? []).map((c) => c.state?.running?.startedAt ?? c.state?.terminated?.startedAt).filter((d) => d !== undefined);
  return starts.length === 0 ? undefined : Math.min(...starts.map((d) => new Date(d).getTime()));
}

/** How long a finished pod ran: from its first container's start to its last container's finish. */
export function runTimeOf(status: V1PodStatus | undefined): number | undefined {
  const ended = (status?.containerStatuses ?? []).map((c) => c.state?.terminated);
  if (ended.length === 0 || ended.some((t) => t?.startedAt === undefined || t.finishedAt === undefined)) return undefined;
  const from = Math.min(...ended.map((t) => new Date(t!.startedAt!).getTime()));
  const to = Math.max(...ended.map((t) => new Date(t!.finishedAt!).getTime()));
  return to >= from ? to - from : undefined;
}

/** Cohorts whose run times are kept: the most recently finished ones. */
const MAX_COHORTS = 512;

/** Run times of the finished pods of each cohort (the most recent ones, of the most recent cohorts). */
export class RunTimes {
  private readonly byCohort = new Map<string, { samples: number[]; sorted?: number[] }>();

  add(cohort: string, ms: number): void {
    const entry = this.byCohort.get(cohort) ?? { samples: [] };
    this.byCohort.delete(cohort);
    this.byCohort.set(cohort, entry);
    if (this.byCohort.size > MAX_COHORTS) this.byCohort.delete(this.byCohort.keys().next().value!);
    entry.samples.push(ms);
    if (entry.samples.length > MAX_SAMPLES) entry.samples.shift();
    entry.sorted = undefined;
  }

  /** The cohort's run times, ascending (empty before any of its pods finished). */
  of(cohort: string | undefined): readonly number[] {
    const entry = cohort === undefined ? undefined : this.byCohort.get(cohort);
    if (!entry) return [];
    entry.sorted ??= [...entry.samples].sort((a, b) => a - b);
    return entry.sorted;
  }

  /** Whether any pod of the cohort has finished. */
  has(cohort: string | undefined): boolean {
    return cohort !== undefined && this.byCohort.has(cohort);
  }
}

export interface ExitReadOptions {
  /** Before any sibling finished: the first read this long into the run, then twice as long each time. */
  readonly firstMs: number;
  /** Reads of one pod aimed at its exit are at least this far apart; past the longest run time, the first gap. */
  readonly minGapMs: number;
}

/**
 * When a running pod that may finish on its own is next read for its exit: at the next run time
 * among `runTimes` (its finished siblings', ascending) it has not reached at `lastReadAt`, or past
 * them all at gaps doubling from `minGapMs`; with no `runTimes`, at the next of `firstMs` × 1, 2, 4 …
 * of running. Reads at run times are never sooner than `minGapMs` after `lastReadAt`.
 */
export function nextExitRead(startedAt: number, lastReadAt: number, runTimes: readonly number[], options: ExitReadOptions): number {
  const earliest = lastReadAt + options.minGapMs;
  const ran = lastReadAt - startedAt;
  if (runTimes.length === 0) {
    let age = options.firstMs;
    while (age <= ran) age *= 2;
    return startedAt + age;
  }
  const points = QUANTILES.map((q) => runTimes[Math.min(runTimes.length - 1, Math.floor(q * runTimes.length))]);
  const next = points.find((p) => p > ran);
  if (next !== undefined) return Math.max(earliest, startedAt + next);
  // Longer than every sibling so far: it is likely about to end; read at gaps doubling from minGapMs.
  let gap = options.minGapMs;
  let at = startedAt + runTimes[runTimes.length - 1] + gap;
  while (at <= lastReadAt) at += gap *= 2;
  return Math.max(earliest, at);
}

/**
 * What steady reads leave of their rate, for optional reads: a token bucket holding ten seconds of
 * it, so that a burst of short tasks starting together can be read early.
 */
export class LeftoverRate {
  private tokens = Number.POSITIVE_INFINITY;

  constructor(private at: number) {}

  /** Takes one read if there is one, with `perSecond` left by steady reads now. */
  take(now: number, perSecond: number): boolean {
    const left = Math.max(0, perSecond);
    this.tokens = Math.min(Math.max(1, left * 10), this.tokens + ((now - this.at) / 1000) * left);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Shares of (0, 1) that fall evenly spread however many are taken: multiples of the golden ratio. */
export class GoldenShares {
  private share = 0;

  next(): number {
    this.share = (this.share + 0.6180339887498949) % 1;
    return this.share;
  }
}

/**
 * The steady interval: `steadyMs`, stretched to keep steady reads within `steadyReadsPerSecond`, and
 * shortened towards `freshReadsPerSecond` (a share of the read budget) when that leaves the budget
 * mostly unused, but never below `freshFloorMs`.
 */
export function steadyIntervalMs(running: number, o: { readonly steadyMs: number; readonly steadyReadsPerSecond: number; readonly freshReadsPerSecond?: number; readonly freshFloorMs: number }): number {
  const bounded = Math.max(o.steadyMs, (running / o.steadyReadsPerSecond) * 1000);
  if (o.freshReadsPerSecond === undefined) return bounded;
  return Math.min(bounded, Math.max(o.freshFloorMs, (running / o.freshReadsPerSecond) * 1000));
}
