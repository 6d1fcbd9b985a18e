/** What the status tracker (`status-tracker.ts`) is given: how it reads, and the intervals and budgets of its reads. */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { Logger } from "../log";
import type { BackendPod, BilledCompute, PodEvent } from "../provider/provider";
import type { Clock } from "../util/clock";

export interface StatusTrackerOptions {
  /** Reads a pod's current status from the backend. */
  readonly read: (pod: V1Pod) => Promise<TrackedRead>;
  readonly log: Logger;
  /** Interval for pods that are starting or changed within `recentMs`. @default 2_000 */
  readonly activeMs?: number;
  /** Interval for steady pods: the bound on status staleness. @default 25_000 */
  readonly steadyMs?: number;
  /** How long after a change a pod counts as active. @default 10_000 */
  readonly recentMs?: number;
  /** Steady reads per second at most; beyond it steady pods are read less often. @default 15 */
  readonly steadyReadsPerSecond?: number;
  /**
   * Steady reads per second that freshness may use: while steady reads at `steadyMs` would use less,
   * steady pods are read more often, up to this rate (a share of the read budget). @default none
   */
  readonly freshReadsPerSecond?: number;
  /** Steady pods are never read more often than this for freshness. @default DEFAULT_FRESH_FLOOR_MS (2 s) */
  readonly freshFloorMs?: number;
  /** A cheap listing of every group's coarse state, by pod UID (e.g. ACI's provisioning state). */
  readonly listStates?: () => Promise<ReadonlyMap<string, string>>;
  /** How often starting pods are listed. @default 1_000 */
  readonly listEveryMs?: number;
  /**
   * How often all pods are listed, starting or not, so a group that disappeared is read (and found
   * missing) soon, however long the steady interval has grown. @default 15_000
   */
  readonly lostListMs?: number;
  /** A starting pod is read at least this often even if its listed state did not move. @default 4_000 */
  readonly startingMaxMs?: number;
  /** Listed states in which a pod that was never read has nothing worth a read yet. @default none */
  readonly quietStates?: readonly string[];
  /** Before any pod of its cohort has finished, a pod's first read for its exit comes this long into its run. @default 1_000 */
  readonly youngFirstMs?: number;
  /** Reads of one pod aimed at its expected exit are at least this far apart. @default 250 */
  readonly exitGapMs?: number;
  /** Whether the read budget has room for optional reads (young pods). @default always */
  readonly spareReads?: () => boolean;
  /** Reads the budget holds now: more reads at expected exits coming than this hold back work that can wait. @default unbounded */
  readonly readsAvailable?: () => number;
  /** Reads in flight at once. @default 16 */
  readonly maxInFlight?: number;
  /** How often due pods are looked for. @default 200 */
  readonly tickMs?: number;
  /** A failed read is retried after `activeMs`, doubling up to this while reads keep failing. @default 30_000 */
  readonly failedMaxMs?: number;
  /**
   * Called when a read finds that nothing backs a tracked pod any more (its group was deleted
   * outside burstlet, or lost); the pod is no longer tracked then.
   */
  readonly onLost?: (pod: V1Pod) => void;
  /** Every time reading and every wait: ticks, read schedules, backoff. @default the real clock */
  readonly clock?: Clock;
}

/** One read of a pod: its status, and the backend's Events with a key each (same order). */
export interface TrackedRead extends BackendPod {
  readonly status: V1PodStatus;
  /** What the group was billed for, once it has stopped. */
  readonly billed?: BilledCompute;
  readonly events: readonly PodEvent[];
  readonly eventKeys: readonly string[];
}
