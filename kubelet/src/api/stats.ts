/**
 * `/stats/summary` and `/metrics/resource` for the virtual node, as pure functions of the cached
 * pods and the usage read from Azure Monitor (see `UsageBook`). Figures have the kubelet's names,
 * labels and units; their timestamps are those of the newest Azure Monitor bucket counted, not
 * of the scrape, so a rate computed from two scrapes is right even though Azure's figures move a
 * minute at a time.
 *
 * A pod whose usage is not known yet (just started, or Azure Monitor has no bucket for it yet) is
 * left out of `/metrics/resource` entirely: metrics-server drops a whole pod when any container
 * lacks CPU or memory, and a 0 would be a wrong figure. `/stats/summary` still lists such a pod,
 * without `cpu` and `memory`, as a kubelet does before it has stats for a container.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { runningContainers, runningPods } from "../usage/running-containers";
import type { ContainerUsage, UsageBook } from "../usage/usage-book";

/** What the stats read of the usage book. */
export type UsageView = Pick<UsageBook, "pod" | "node">;

const NO_USAGE: UsageView = { pod: () => undefined, node: () => undefined };

interface CpuStats { readonly time: string; readonly usageNanoCores: number; readonly usageCoreNanoSeconds: number }
interface MemoryStats { readonly time: string; readonly usageBytes: number; readonly workingSetBytes: number }

/** The kubelet's stats summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1), with the fields we can fill. */
export interface StatsSummary {
  readonly node: { readonly nodeName: string; readonly startTime: string; readonly systemContainers: readonly never[]; readonly cpu?: CpuStats; readonly memory?: MemoryStats };
  readonly pods: readonly PodStats[];
}

export interface PodStats {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly startTime: string;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly startTime: string; readonly cpu?: CpuStats; readonly memory?: MemoryStats }>;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** A running pod with the usage of each of its running containers, when all of them are known. */
function podUsage(pod: V1Pod, usage: UsageView): { containers: Array<{ name: string; startedAt: Date }>; usage?: Map<string, ContainerUsage>; total?: ContainerUsage } {
  const containers = runningContainers(pod);
  const known = usage.pod(pod.metadata!.uid!, containers.map((c) => c.name));
  if (!known) return { containers };
  const all = [...known.values()];
  const total: ContainerUsage = {
    cpuSeconds: all.reduce((a, u) => a + u.cpuSeconds, 0),
    cpuCores: all.reduce((a, u) => a + u.cpuCores, 0),
    memoryBytes: all.reduce((a, u) => a + u.memoryBytes, 0),
    at: new Date(Math.max(...all.map((u) => u.at.getTime()))),
    startedAt: new Date(Math.min(...all.map((u) => u.startedAt.getTime()))),
  };
  return { containers, usage: known, total };
}

function cpu(u: Pick<ContainerUsage, "at" | "cpuCores" | "cpuSeconds">): CpuStats {
  return { time: u.at.toISOString(), usageNanoCores: Math.round(u.cpuCores * 1e9), usageCoreNanoSeconds: Math.round(u.cpuSeconds * 1e9) };
}

function memory(u: Pick<ContainerUsage, "at" | "memoryBytes">): MemoryStats {
  return { time: u.at.toISOString(), usageBytes: Math.round(u.memoryBytes), workingSetBytes: Math.round(u.memoryBytes) };
}

export function statsSummary(nodeName: string, startedAt: Date, pods: readonly V1Pod[], usage: UsageView = NO_USAGE): StatsSummary {
  const node = usage.node();
  const podStats = runningPods(pods).map((p): PodStats => {
    const u = podUsage(p, usage);
    return {
      podRef: { name: p.metadata!.name!, namespace: p.metadata!.namespace!, uid: p.metadata!.uid! },
      startTime: iso(p.status!.startTime)!,
      containers: u.containers.map((c) => {
        const cu = u.usage?.get(c.name);
        return { name: c.name, startTime: c.startedAt.toISOString(), ...(cu ? { cpu: cpu(cu), memory: memory(cu) } : {}) };
      }),
      ...(u.total ? { cpu: cpu(u.total), memory: memory(u.total) } : {}),
    };
  });
  const nodeCores = podStats.reduce((a, p) => a + (p.cpu?.usageNanoCores ?? 0), 0) / 1e9;
  return {
    node: { nodeName, startTime: startedAt.toISOString(), systemContainers: [], ...(node ? { cpu: cpu({ ...node, cpuCores: nodeCores }), memory: memory(node) } : {}) },
    pods: podStats,
  };
}

/** Prometheus text exposition: escapes a label value. */
function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** The families the kubelet's resource metrics endpoint declares, in its order. */
const FAMILIES: ReadonlyArray<readonly [string, string, string]> = [
  ["node_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the node in core-seconds"],
  ["node_memory_working_set_bytes", "gauge", "Current working set of the node in bytes"],
  ["container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the container in core-seconds"],
  ["container_memory_working_set_bytes", "gauge", "Current working set of the container in bytes"],
  ["container_start_time_seconds", "gauge", "Start time of the container since unix epoch in seconds"],
  ["pod_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed by the pod in core-seconds"],
  ["pod_memory_working_set_bytes", "gauge", "Current working set of the pod in bytes"],
  ["resource_scrape_error", "gauge", "1 if there was an error while getting container metrics, 0 otherwise"],
];

/** `/metrics/resource` in the Prometheus text format (version 0.0.4); timestamps in milliseconds. */
export function resourceMetrics(pods: readonly V1Pod[], usage: UsageView = NO_USAGE): string {
  const samples = new Map<string, string[]>(FAMILIES.map(([name]) => [name, []]));
  const add = (name: string, labels: string, value: number, at: Date): void => {
    samples.get(name)!.push(`${name}${labels ? `{${labels}}` : ""} ${value} ${at.getTime()}`);
  };
  const node = usage.node();
  if (node) {
    add("node_cpu_usage_seconds_total", "", node.cpuSeconds, node.at);
    add("node_memory_working_set_bytes", "", node.memoryBytes, node.at);
  }
  for (const pod of runningPods(pods)) {
    const u = podUsage(pod, usage);
    if (!u.usage || !u.total) continue;
    const namespace = `namespace="${label(pod.metadata!.namespace!)}"`;
    const name = `pod="${label(pod.metadata!.name!)}"`;
    const ref = `${namespace},${name}`;
    for (const c of u.containers) {
      const cu = u.usage.get(c.name)!;
      // container, pod, namespace: the order the virtual-kubelet e2e suite reads them in (by index);
      // metrics-server and Prometheus read labels by name.
      const labels = `container="${label(c.name)}",${name},${namespace}`;
      add("container_cpu_usage_seconds_total", labels, cu.cpuSeconds, cu.at);
      add("container_memory_working_set_bytes", labels, cu.memoryBytes, cu.at);
      add("container_start_time_seconds", labels, c.startedAt.getTime() / 1000, cu.at);
    }
    add("pod_cpu_usage_seconds_total", ref, u.total.cpuSeconds, u.total.at);
    add("pod_memory_working_set_bytes", ref, u.total.memoryBytes, u.total.at);
  }
  samples.get("resource_scrape_error")!.push("resource_scrape_error 0");
  return FAMILIES.map(([name, type, help]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.get(name)!].join("\n")).join("\n") + "\n";
}
