/**
 * The ACI backend: each pod is one container group, named from the pod's namespace, name and UID
 * and tagged with cluster, node, namespace, pod and UID. Creates are idempotent by UID (a group
 * that exists is adopted, never created twice); only groups carrying this cluster's and node's tags
 * are ever listed, adopted or collected.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { ACI_PUBLIC_IP_ANNOTATION, TAGS } from "../constants";
import { PlacementHealth } from "./placement-health";
import { AciWindowThrottledError, BackingLostError, CreatePacedError, NotFoundError, PlacementUnavailableError, ThrottledError, TransientError } from "../errors";
import type { ReferenceReader } from "../kube/reference-reader";
import type { Logger } from "../log";
import type { Capacity, Health } from "../node/node-model";
import type { BackendPod, BilledCompute, CreateResult, LogOptions, PodNotice, PodProvider } from "../provider/provider";
import type { ImageConfigResolver } from "../registry/image-config";
import { admitPod, DEFAULT_GROUP_MAXIMA, type GroupMaxima } from "./admission";
import type { ArmClient } from "./arm-client";
import { answeredStatus } from "./arm-errors";
import { ACI_DEFAULT_WINDOWS, CreatePacer, quotaFromUsages, SlidingWindows, type WindowLimit } from "./create-pacer";
import { DeletionWatch } from "./deletion-watch";
import { readFinalLogs, servedFinalLog } from "./final-log-reads";
import { FinalLogStore, type FinalLogStoreOptions } from "./final-logs";
import { ArmHealth, DEFAULT_NOT_READY_AFTER_MS } from "./health";
import { RunningMeters } from "./billing";
import { trackedRead } from "./group-read";
import { filterLogs, needsTimestamps } from "./logs";
import { containerGroupName } from "./naming";
import { StatusTracker, type StatusTrackerOptions, type TrackedRead } from "./status-tracker";
import type { MonitorClient } from "./monitor-client";
import { UsagePoller, type UsagePollerOptions } from "./usage-poller";
import { UsageBook } from "../usage/usage-book";
import { type Clock, realClock } from "../util/clock";
import { fetchPodReferences } from "./references";
import { translatePod } from "./translate";
import { UsageReadings } from "./usage-readings";

/** What the provider needs of ARM (`ArmClient`); tests give it a fake. */
export type ContainerGroupApi = Pick<ArmClient, "get" | "create" | "beginDelete" | "list" | "logs" | "finalLogs" | "probeRead" | "usages" | "onRecovered" | "unreachableSince" | "listPages"> & {
  readonly reads: Pick<ArmClient["reads"], "available" | "burst">;
};

export interface AciProviderOptions {
  readonly arm: ContainerGroupApi;
  readonly references: ReferenceReader;
  readonly images: Pick<ImageConfigResolver, "resolve">;
  readonly log: Logger;
  readonly clusterName: string;
  readonly nodeName: string;
  readonly location: string;
  /** The availability zone of `location` every group is pinned to; none: ACI places it. */
  readonly zone?: string;
  /** Share (0-1] of the region's quota offered as the node's capacity. @default 1 */
  readonly quotaShare?: number;
  /** The node's address, reported as each pod's hostIP. */
  readonly hostIP: string;
  readonly subnetId?: string;
  readonly clusterDnsIp?: string;
  readonly pullIdentityId?: string;
  /** Capacity overrides; the rest comes from the region's quota. */
  readonly capacity?: { readonly cpu?: number; readonly memoryGiB?: number; readonly pods?: number };
  readonly tracker?: Omit<StatusTrackerOptions, "read" | "log" | "onLost">;
  /** What one container group may have in this region. @default DEFAULT_GROUP_MAXIMA */
  readonly groupMaxima?: GroupMaxima;
  /**
   * How long ARM must stay unreachable (or keep refusing the credentials) before the node is
   * reported NotReady; one slow or throttled call never is. @default DEFAULT_NOT_READY_AFTER_MS (2 minutes)
   */
  readonly notReadyAfterMs?: number;
  readonly clock?: Clock;
  /** Bounds of the final logs kept for finished pods whose groups were deleted. */
  readonly finalLogs?: Omit<FinalLogStoreOptions, "clock">;
  /** ACI's per-region create windows, and its delete windows. @default ACI_DEFAULT_WINDOWS for both */
  readonly createWindows?: readonly WindowLimit[];
  readonly deleteWindows?: readonly WindowLimit[];
  /** Where usage comes from (Azure Monitor), and how often it is read; none: no usage. */
  readonly usage?: { readonly monitor: Pick<MonitorClient, "usage">; readonly intervalMs: number; readonly subscriptionId: string; readonly resourceGroup: string; readonly onDenied?: UsagePollerOptions["onDenied"] };
}

/** The setting that bounds the memory of final logs, named when a pod's logs were evicted. */
export const FINAL_LOGS_FLAG = "--final-logs-memory-mb";

/** Lifetime of service account tokens handed to container groups (ACI cannot refresh them in place). */
const TOKEN_SECONDS = 24 * 3600;

export class AciProvider implements PodProvider {
  readonly tracker: StatusTracker;
  readonly deletions: DeletionWatch;
  /** Names of container groups known to exist (listed at start, or created since). */
  private readonly known = new Set<string>();
  /** Groups whose create failed without a clear answer: it may have happened, so look before resending. */
  private readonly uncertain = new Set<string>();
  /** The region's usages, read at most every 10 s. */
  private readonly usageReadings: UsageReadings;
  private readonly armHealth: ArmHealth;
  private listener: (notice: PodNotice) => void = () => undefined;
  private readonly usage = new UsageBook();
  readonly usagePoller: UsagePoller | undefined;
  /** Final logs of finished pods whose groups were deleted. */
  readonly finalLogs: FinalLogStore;
  /** Creates under ACI's windows and quotas. */
  readonly creates: CreatePacer;
  /** Deletes under ACI's delete windows. */
  readonly deleteWindows: SlidingWindows;
  private usageSeenAt: number | undefined;
  /** Whether the node's zone (or region) takes creates. */
  readonly placement: PlacementHealth;
  /** Meters of running groups, billed until their deletion when their pods go before they finish. */
  private readonly meters = new RunningMeters();

  private readonly clock: Clock;

  constructor(private readonly options: AciProviderOptions) {
    const arm = options.arm;
    this.clock = options.clock ?? realClock;
    this.usageReadings = new UsageReadings(arm, this.clock);
    this.armHealth = new ArmHealth(options.notReadyAfterMs);
    this.placement = new PlacementHealth({ region: options.location, zone: options.zone }, options.notReadyAfterMs ?? DEFAULT_NOT_READY_AFTER_MS);
    this.finalLogs = new FinalLogStore({ ...options.finalLogs, clock: this.clock });
    this.creates = new CreatePacer({ windows: options.createWindows, clock: this.clock });
    this.deleteWindows = new SlidingWindows(options.deleteWindows ?? ACI_DEFAULT_WINDOWS, 2_000);
    this.tracker = new StatusTracker({
      // Until provisioning ends, a new group's containers are at most being pulled and started:
      // the read that matters comes when it ends (or after startingMaxMs).
      quietStates: ["Pending", "Accepted", "Creating"],
      // Optional reads keep a tenth of the read budget's burst in reserve.
      spareReads: () => arm.reads.available() >= arm.reads.burst / 10,
      readsAvailable: () => arm.reads.available(),
      ...options.tracker,
      read: (pod) => this.readStatus(pod),
      listStates: () => this.listStates(),
      onLost: (pod) => {
        this.known.delete(containerGroupName(identity(pod)));
        this.listener({ kind: "lost", ...identity(pod) });
      },
      log: options.log,
      clock: options.clock,
    });
    this.tracker.onChange((notice) => this.listener(notice));
    arm.onRecovered(() => this.tracker.resume());
    const usage = options.usage;
    if (usage) {
      const groups = `/subscriptions/${usage.subscriptionId}/resourceGroups/${usage.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/`;
      this.usagePoller = new UsagePoller({ monitor: usage.monitor, pods: () => this.tracker.pods(), resourceId: (pod) => groups + containerGroupName(identity(pod)), book: this.usage, intervalMs: usage.intervalMs, log: options.log, onDenied: usage.onDenied });
    }
    this.deletions = new DeletionWatch({
      list: async () => (await arm.list()).map((g) => g.name!),
      exists: async (name) => (await arm.get(name)).name === name,
      listCost: () => arm.listPages,
      log: options.log,
      clock: options.clock,
    });
  }

  /** Lists this node's container groups, so restarts adopt rather than recreate. */
  async start(): Promise<void> {
    for (const group of await this.listOwnGroups()) this.known.add(group.name!);
  }

  /** Follows the status of the pods it runs and reads their usage until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.tracker.run(signal), this.usagePoller?.run(signal)]);
  }

  /**
   * Creates the pod's group, or adopts it. A pod that ran before and has no group lost it: it is
   * created again with its restarts counted, unless its restart policy is `Never`
   * (`BackingLostError`). Admission comes before any call: a pod that cannot fit in one group is
   * refused with `AdmissionError`.
   */
  async createPod(pod: V1Pod): Promise<CreateResult> {
    const name = containerGroupName(identity(pod));
    if (this.known.has(name)) return this.adopt(pod);
    const ran = restartsSoFar(pod);
    if ((this.uncertain.has(name) || ran !== undefined) && (await this.exists(name, pod.metadata!.uid!))) {
      this.uncertain.delete(name);
      this.known.add(name);
      return this.adopt(pod);
    }
    if (ran !== undefined && pod.spec?.restartPolicy === "Never") {
      throw new BackingLostError(`container group ${name} disappeared (deleted outside burstlet, or lost by Azure Container Instances) and the pod's restart policy is Never`);
    }
    const o = this.options;
    const exposesPorts = o.subnetId !== undefined || pod.metadata?.annotations?.[ACI_PUBLIC_IP_ANNOTATION] === "true";
    admitPod(pod, { maxima: o.groupMaxima ?? DEFAULT_GROUP_MAXIMA, location: o.location, exposesPorts, vnet: o.subnetId !== undefined, zone: o.zone });
    const restarts = ran === undefined ? 0 : ran + 1;
    // While the create would wait anyway, nothing is fetched for it.
    await this.readQuota();
    const waits = this.creates.peek(pod.metadata!.uid!);
    if (waits) throw new CreatePacedError(waits.limit, waits.retryAt, waits.expectedAt);
    const fetched = await fetchPodReferences(pod, { references: o.references, images: o.images, tokenSeconds: TOKEN_SECONDS });
    const ctx = { clusterName: o.clusterName, nodeName: o.nodeName, location: o.location, zone: o.zone, subnetId: o.subnetId, clusterDnsIp: o.clusterDnsIp, pullIdentityId: o.pullIdentityId, ...fetched };
    const { group, notes } = translatePod(pod, { ...ctx, restarts });
    const slot = await this.reserveCreate(pod.metadata!.uid!, groupCores(group));
    try {
      await this.options.arm.create(name, group);
      this.creates.answered(slot);
    } catch (err) {
      if ((answeredStatus(err) ?? 0) >= 500) this.creates.failed(slot);
      else this.creates.answered(slot);
      if (err instanceof AciWindowThrottledError) {
        // The window is fuller than burstlet counted (creates from elsewhere in the subscription):
        // every create waits for it; this pod keeps its place in line.
        const retryAfterMs = err.retryAfterMs ?? 60_000;
        this.creates.windowFull(retryAfterMs);
        throw new CreatePacedError("Azure Container Instances' create window (it answered 429)", this.clock.now() + retryAfterMs, this.clock.now() + retryAfterMs);
      }
      if (err instanceof TransientError || err instanceof ThrottledError) this.uncertain.add(name);
      // Once the placement has failed for the sustained period, a pod that never started is given
      // up; a pod that ran keeps waiting for its group to come back.
      const down = this.placement.createFailed(this.clock.now(), err);
      if (down && ran === undefined) throw new PlacementUnavailableError(down.reason, down.message, { cause: err });
      throw err;
    }
    this.placement.succeeded();
    this.uncertain.delete(name);
    this.known.add(name);
    this.tracker.track(pod);
    return { notes, adopted: false, ...(ran !== undefined ? { restartCount: restarts } : {}) };
  }

  updatePod(pod: V1Pod): void {
    this.tracker.follow(pod);
  }

  /**
   * Stops following the pod, deletes its group and resolves once it is gone. For a pod that
   * finished (`finished`), each container's final log is kept first, and served from then on; that
   * waits while reads at other pods' expected exits need the whole read budget (at most 60 s).
   */
  async deletePod(pod: BackendPod, finished?: V1Pod): Promise<BilledCompute | undefined> {
    this.tracker.untrack(pod.uid);
    this.creates.forget(pod.uid);
    const name = pod.handle ?? containerGroupName(pod);
    if (finished && !this.finalLogs.has(pod.uid)) {
      // Noticing the exits of other pods comes first: these reads and the delete's would take theirs.
      await this.tracker.exitReadsSettled();
      this.finalLogs.keep(pod.uid, await readFinalLogs((container) => this.options.arm.finalLogs(name, container), finished));
    }
    await this.deleteGroup(name);
    const billed = this.meters.stop(pod.uid, new Date(this.clock.now()));
    return billed && { vcpuSeconds: billed.vcpuSeconds, gbSeconds: billed.gbSeconds };
  }

  forgetPod(uid: string): void {
    this.finalLogs.forget(uid);
    this.creates.forget(uid);
    this.meters.forget(uid);
  }

  async listPods(): Promise<BackendPod[]> {
    return (await this.listOwnGroups()).map((g) => ({ namespace: g.tags![TAGS.namespace], name: g.tags![TAGS.pod], uid: g.tags![TAGS.podUid], handle: g.name! }));
  }

  /**
   * A container's log from ACI; for a finished pod whose group was deleted, the log kept when it
   * was (or a plain `NotFoundError` saying why there is none).
   */
  async getContainerLogs(pod: V1Pod, container: string, options: LogOptions): Promise<string> {
    const uid = pod.metadata?.uid ?? "";
    if (this.finalLogs.has(uid)) return servedFinalLog(this.finalLogs, pod, container, options, this.clock.now(), FINAL_LOGS_FLAG);
    const stamped = needsTimestamps(options);
    try {
      const raw = await this.options.arm.logs(containerGroupName(identity(pod)), container, stamped ? undefined : options.tailLines, stamped);
      return filterLogs(raw, options, new Date());
    } catch (err) {
      const finished = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
      if (err instanceof NotFoundError && finished) return servedFinalLog(this.finalLogs, pod, container, options, this.clock.now(), FINAL_LOGS_FLAG);
      throw err;
    }
  }

  /** Ready unless ARM has been unreachable, or has refused the credentials, for a while (`ArmHealth`). */
  async health(): Promise<Health> {
    const { error } = await this.usageReadings.get();
    const arm = this.armHealth.observe(error, this.clock.now(), this.options.arm.unreachableSince());
    return arm.healthy ? (this.placement.health(this.clock.now()) ?? arm) : arm;
  }

  async capacity(): Promise<Capacity> {
    const { usages } = await this.usageReadings.get();
    const limit = (name: string): number | undefined => usages?.find((u) => u.name?.value === name)?.limit;
    const o = this.options.capacity ?? {};
    // Nodes sharing a region split its quota; an unlimited one is reported as int32's largest value.
    const share = (n: number | undefined): number | undefined => (n === undefined ? undefined : Math.max(1, Math.floor(n * (this.options.quotaShare ?? 1))));
    const cpu = o.cpu ?? share(limit("StandardCores")) ?? 100;
    const pods = o.pods ?? share(limit("ContainerGroups")) ?? 100;
    // ACI has no memory quota; a Linux group may have 4 GB per core at most of its size, so the
    // node offers that much per core of quota.
    return { cpu, pods, memoryGiB: o.memoryGiB ?? cpu * 4 };
  }

  stats(): UsageBook {
    return this.usage;
  }

  notify(callback: (notice: PodNotice) => void): void {
    this.listener = callback;
  }

  acknowledge(uid: string, eventKeys: readonly string[]): void {
    this.tracker.acknowledge(uid, eventKeys);
  }

  /** An existing group is this pod's: follow it. */
  private adopt(pod: V1Pod): CreateResult {
    this.tracker.track(pod);
    return { notes: [], adopted: true };
  }

  /**
   * Takes a create slot under ACI's windows and the region's quota (read at most every 10 s), or
   * throws `CreatePacedError` saying which limit the pod waits for and when it expects a slot.
   */
  private async reserveCreate(uid: string, cores: number): Promise<{ at: number }> {
    await this.readQuota();
    const slot = this.creates.reserve(uid, cores);
    if (!slot.ok) throw new CreatePacedError(slot.limit, slot.retryAt, slot.expectedAt);
    return slot;
  }

  /** Gives the pacer the region's quota and usage when a new reading is in (at most every 10 s). */
  private async readQuota(): Promise<void> {
    const { usages, at, error } = await this.usageReadings.get();
    // A failed reading keeps the last one's figures, which do not count what was created since.
    if (usages && error === undefined && at !== this.usageSeenAt) this.creates.setUsage(quotaFromUsages(usages, (this.usageSeenAt = at)));
  }

  /** Deletes a group and resolves once it is gone (confirmed together with other deletions). */
  private async deleteGroup(name: string): Promise<void> {
    // Only a group that may exist takes a slot: ACI answers the delete of a missing one at once.
    if (this.known.has(name) || this.uncertain.has(name)) await this.deleteWindows.acquire(this.clock);
    let gone: boolean;
    try {
      ({ gone } = await this.options.arm.beginDelete(name));
    } catch (err) {
      if (err instanceof AciWindowThrottledError) this.deleteWindows.block(this.clock.now() + (err.retryAfterMs ?? 60_000));
      throw err;
    }
    if (!gone) await this.deletions.gone(name);
    this.known.delete(name);
    this.uncertain.delete(name);
  }

  /** Whether this pod's group exists (a create whose answer was lost may have happened). */
  private async exists(name: string, uid: string): Promise<boolean> {
    try {
      const group = await this.options.arm.get(name);
      return group.tags?.[TAGS.podUid] === uid;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Provisioning state of this node's groups by pod UID: one list call per page of groups. */
  private async listStates(): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (const g of await this.listOwnGroups()) states.set(g.tags![TAGS.podUid], g.provisioningState ?? "");
    return states;
  }

  private async listOwnGroups(): Promise<ContainerGroup[]> {
    const groups = await this.options.arm.list();
    return groups.filter((g) => g.name && g.tags?.[TAGS.cluster] === this.options.clusterName && g.tags?.[TAGS.node] === this.options.nodeName && g.tags?.[TAGS.podUid]);
  }

  private async readStatus(pod: V1Pod): Promise<TrackedRead> {
    const group = await this.options.arm.get(containerGroupName(identity(pod)));
    const { read, billing } = trackedRead(pod, group, this.options.hostIP, new Date());
    this.meters.see(pod.metadata!.uid!, group, billing !== undefined);
    return read;
  }
}

/**
 * The restarts a pod has had if it ran before (a container started, ended or restarted), else
 * undefined: a pod that ran and has no group lost it.
 */
function restartsSoFar(pod: V1Pod): number | undefined {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const ran = statuses.some((s) => s.started || s.state?.running || s.state?.terminated || s.lastState?.terminated || s.restartCount > 0);
  return ran ? Math.max(0, ...statuses.map((s) => s.restartCount)) : undefined;
}

/** The cores a group requests, as ACI counts them against the region's quota. */
function groupCores(group: ContainerGroup): number {
  return group.containers.reduce((sum, c) => sum + (c.resources?.requests?.cpu ?? 0), 0);
}

function identity(pod: V1Pod): { namespace: string; name: string; uid: string } {
  return { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
}
