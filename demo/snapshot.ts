/**
 * What the demo shows, computed from plain observations (pods from the API server, container
 * groups from the ACI emulator). Pure, so the figures are tested without a cluster.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { BurstCost } from "./cost";
import type { UsageView } from "./usage";

/** A container group as the demo sees it (one per burst pod on the virtual node). */
export interface GroupView {
  readonly name: string;
  /** The group's instance-view state: Pending, Running, Succeeded, Failed, Stopped. */
  readonly state: string;
  /** When its main container started running (epoch ms), once it has. */
  readonly startedAt?: number;
  /** When its main container ended (epoch ms), once it has. */
  readonly finishedAt?: number;
}

export interface PhaseCounts {
  /** Not yet running: unscheduled, or waiting for its container group. */
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
}

export interface Placement {
  /** Pods bound to the virtual node (ACI). */
  virtual: number;
  /** Pods bound to any other node. */
  ordinary: number;
  unscheduled: number;
}

export interface SteadyView {
  readonly total: number;
  readonly running: number;
  /** Pods per node. */
  readonly nodes: Readonly<Record<string, number>>;
}

export interface BurstSnapshot {
  /** `burst` while the Job runs; `cleanup` once it has been deleted and its pods and groups go. */
  readonly stage: "burst" | "cleanup";
  /** Milliseconds since the Job was submitted. */
  readonly elapsedMs: number;
  readonly items: number;
  readonly phases: PhaseCounts;
  readonly placement: Placement;
  readonly steady: SteadyView;
  readonly groups: { readonly alive: number; readonly running: number; readonly succeeded: number };
  readonly jobComplete: boolean;
  /** The burst pods' usage from `metrics.k8s.io` (as `kubectl top pods`), once read while pods run. */
  readonly usage?: UsageView;
}

export function countPhases(pods: readonly V1Pod[]): PhaseCounts {
  const counts: PhaseCounts = { pending: 0, running: 0, succeeded: 0, failed: 0 };
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (phase === "Running") counts.running++;
    else if (phase === "Succeeded") counts.succeeded++;
    else if (phase === "Failed") counts.failed++;
    else counts.pending++;
  }
  return counts;
}

export function countPlacement(pods: readonly V1Pod[], virtualNodeName: string): Placement {
  const placement: Placement = { virtual: 0, ordinary: 0, unscheduled: 0 };
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node) placement.unscheduled++;
    else if (node === virtualNodeName) placement.virtual++;
    else placement.ordinary++;
  }
  return placement;
}

export function steadyView(pods: readonly V1Pod[]): SteadyView {
  const nodes: Record<string, number> = {};
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node) nodes[node] = (nodes[node] ?? 0) + 1;
  }
  return { total: pods.length, running: pods.filter((p) => p.status?.phase === "Running").length, nodes };
}

export function groupCounts(groups: readonly GroupView[]): BurstSnapshot["groups"] {
  return {
    alive: groups.length,
    running: groups.filter((g) => g.state === "Running").length,
    succeeded: groups.filter((g) => g.state === "Succeeded").length,
  };
}

/**
 * Remembers when each container group's container started and ended, and how many groups were
 * alive at most, across polls: groups are gone after cleanup, their times must not be.
 */
export class ContainerTimes {
  private readonly started = new Map<string, number>();
  private readonly finished = new Map<string, number>();
  peakAlive = 0;

  observe(groups: readonly GroupView[]): void {
    this.peakAlive = Math.max(this.peakAlive, groups.length);
    for (const g of groups) {
      if (g.startedAt !== undefined && !this.started.has(g.name)) this.started.set(g.name, g.startedAt);
      if (g.finishedAt !== undefined && !this.finished.has(g.name)) this.finished.set(g.name, g.finishedAt);
    }
  }

  /** Groups seen with a started container. */
  get count(): number {
    return this.started.size;
  }

  /** First and last container start and last end, in ms after `since`; undefined before any. */
  span(since: number): { firstStart?: number; lastStart?: number; lastFinish?: number } {
    const after = (times: Iterable<number>, pick: (...n: number[]) => number): number | undefined => {
      const all = [...times];
      return all.length === 0 ? undefined : pick(...all) - since;
    };
    return { firstStart: after(this.started.values(), Math.min), lastStart: after(this.started.values(), Math.max), lastFinish: after(this.finished.values(), Math.max) };
  }
}

export interface DemoSummary {
  readonly items: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly burstOnVirtualNode: number;
  readonly burstOnOrdinaryNodes: number;
  readonly virtualNode: string;
  readonly steadyPods: number;
  /** Steady pods on ordinary (kwok) nodes. */
  readonly steadyOnOrdinaryNodes: number;
  readonly steadyNodes: readonly string[];
  /** Milliseconds after the Job was submitted. */
  readonly firstContainerStartedMs?: number;
  readonly lastContainerStartedMs?: number;
  /** When the last container ended in ACI; the Job completes once burstlet has reported every pod. */
  readonly lastContainerFinishedMs?: number;
  readonly jobCompleteMs: number;
  readonly containerGroupsStarted: number;
  readonly peakContainerGroups: number;
  /** Container groups of the virtual node still in the emulator after cleanup (or kept by `--keep`). */
  readonly containerGroupsLeft: number;
  /** How long deleting the Job took until its pods and container groups were gone; undefined when kept. */
  readonly cleanupMs?: number;
  /** One burst pod's logs, read through the API server (which asks burstlet's kubelet API). */
  readonly logs: { readonly pod: string; readonly text: string };
  /**
   * The `metrics.k8s.io` reading that covered the most burst pods, when it was taken and when the
   * first pod's usage appeared (ms after the Job was submitted); undefined when none was seen.
   */
  readonly usage?: { readonly view: UsageView; readonly atMs: number; readonly firstMs: number };
  /** What ACI billed for the burst, priced (estimates); undefined when no pod carried billed compute. */
  readonly cost?: BurstCost;
  /** Setup: control plane, emulator, virtual node, steady service. */
  readonly setupMs: number;
  readonly controlPlaneMs: number;
  readonly totalMs: number;
}
