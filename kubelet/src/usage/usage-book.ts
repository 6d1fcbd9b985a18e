/**
 * Usage of the node's containers, built from rate samples (what Azure Monitor has: average
 * millicores and working-set bytes per time bucket) into what a kubelet reports: cumulative CPU
 * core-seconds since the container started, monotonic per container, and the latest working set.
 * Pure: samples in, figures out.
 *
 * Each bucket is counted once (a bucket already counted, or one ending before the container
 * started, adds nothing), so the cumulative figure never decreases for a container; a new start
 * time (a restart) starts it again from zero, as the kubelet's counters do. The node's cumulative
 * figure sums every increment of every container and also never decreases.
 *
 * A bucket's average is the container's rate while it ran, so the bucket it started in counts
 * only from the start on. Counting that bucket whole would inflate the counter by up to a grain's
 * worth, and metrics-server, which divides a fresh container's counter by the time since its
 * start, would report a rate up to half as much again as the container's.
 */

/** One time bucket of a container's usage, as Azure Monitor reports it. */
export interface RateSample {
  /** Bucket start, epoch ms. */
  readonly at: number;
  readonly grainMs: number;
  /** Average CPU over the bucket in millicores; absent when nothing was recorded. */
  readonly cpuMillicores?: number;
  /** Average working set over the bucket in bytes. */
  readonly memoryBytes?: number;
}

/** What the kubelet API reports for a container. */
export interface ContainerUsage {
  /** Cumulative CPU since `startedAt`, in core-seconds. */
  readonly cpuSeconds: number;
  /** The latest bucket's CPU rate, in cores. */
  readonly cpuCores: number;
  readonly memoryBytes: number;
  /** The end of the newest bucket counted: the time the figures refer to. */
  readonly at: Date;
  readonly startedAt: Date;
}

interface ContainerState {
  startedAt: number;
  countedUntil: number;
  cpuSeconds: number;
  cpuCores: number;
  memoryBytes: number;
}

export class UsageBook {
  private readonly pods = new Map<string, Map<string, ContainerState>>();
  private nodeCpuSeconds = 0;
  private nodeAt = 0;

  /** Adds a container's samples; buckets already counted are ignored. */
  record(podUid: string, container: string, startedAt: Date, samples: readonly RateSample[]): void {
    let containers = this.pods.get(podUid);
    if (!containers) this.pods.set(podUid, (containers = new Map<string, ContainerState>()));
    const start = startedAt.getTime();
    let state = containers.get(container);
    if (!state || state.startedAt !== start) {
      state = { startedAt: start, countedUntil: start, cpuSeconds: 0, cpuCores: 0, memoryBytes: 0 };
      containers.set(container, state);
    }
    for (const s of [...samples].sort((a, b) => a.at - b.at)) {
      const end = s.at + s.grainMs;
      if (end <= state.countedUntil || s.cpuMillicores === undefined) continue;
      const seconds = (s.cpuMillicores / 1000) * ((end - Math.max(s.at, state.countedUntil)) / 1000);
      state.cpuSeconds += seconds;
      state.cpuCores = s.cpuMillicores / 1000;
      if (s.memoryBytes !== undefined) state.memoryBytes = s.memoryBytes;
      state.countedUntil = end;
      this.nodeCpuSeconds += seconds;
      this.nodeAt = Math.max(this.nodeAt, end);
    }
  }

  /** A container's usage, or undefined until both CPU and memory are known. */
  container(podUid: string, container: string): ContainerUsage | undefined {
    const s = this.pods.get(podUid)?.get(container);
    if (!s || !(s.cpuSeconds > 0) || !(s.memoryBytes > 0)) return undefined;
    return { cpuSeconds: s.cpuSeconds, cpuCores: s.cpuCores, memoryBytes: s.memoryBytes, at: new Date(s.countedUntil), startedAt: new Date(s.startedAt) };
  }

  /** The usage of every named container of a pod, or undefined unless all of them are known. */
  pod(podUid: string, containers: readonly string[]): Map<string, ContainerUsage> | undefined {
    if (containers.length === 0) return undefined;
    const out = new Map<string, ContainerUsage>();
    for (const name of containers) {
      const u = this.container(podUid, name);
      if (!u) return undefined;
      out.set(name, u);
    }
    return out;
  }

  /** The node: CPU summed over everything ever counted, memory over the pods still kept. */
  node(): { cpuSeconds: number; memoryBytes: number; at: Date } | undefined {
    if (!(this.nodeCpuSeconds > 0)) return undefined;
    let memoryBytes = 0;
    for (const containers of this.pods.values()) for (const s of containers.values()) memoryBytes += s.memoryBytes;
    return memoryBytes > 0 ? { cpuSeconds: this.nodeCpuSeconds, memoryBytes, at: new Date(this.nodeAt) } : undefined;
  }

  /** Forgets pods that are no longer running. */
  retain(podUids: ReadonlySet<string>): void {
    for (const uid of this.pods.keys()) if (!podUids.has(uid)) this.pods.delete(uid);
  }
}
