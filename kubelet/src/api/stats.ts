/**
 * `/stats/summary` and `/metrics/resource` for the virtual node, as pure functions of the cached
 * pods. ACI's API reports no CPU or memory usage (that lives in Azure Monitor), so both answers
 * carry what is known — the node, its pods, their containers and start times — and leave usage
 * out, the way the kubelet leaves out what cAdvisor cannot tell. metrics-server then skips the
 * virtual node and its pods instead of failing, and `kubectl top` says metrics are not available.
 */
import type { V1Pod } from "@kubernetes/client-node";

/** The kubelet's stats summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1), with the fields we can fill. */
export interface StatsSummary {
  readonly node: { readonly nodeName: string; readonly startTime: string; readonly systemContainers: readonly never[] };
  readonly pods: readonly PodStats[];
}

export interface PodStats {
  readonly podRef: { readonly name: string; readonly namespace: string; readonly uid: string };
  readonly startTime: string;
  readonly containers: ReadonlyArray<{ readonly name: string; readonly startTime: string }>;
}

/** Pods that are running on the node now (the ones the kubelet reports stats for). */
function runningPods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => p.status?.phase === "Running" && !!p.status.startTime);
}

function iso(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Running containers of a pod with their start times. */
function runningContainers(pod: V1Pod): Array<{ name: string; startedAt: Date }> {
  return (pod.status?.containerStatuses ?? []).flatMap((s) => {
    const at = s.state?.running?.startedAt;
    const d = at === undefined ? undefined : new Date(at);
    return d && !Number.isNaN(d.getTime()) ? [{ name: s.name, startedAt: d }] : [];
  });
}

export function statsSummary(nodeName: string, startedAt: Date, pods: readonly V1Pod[]): StatsSummary {
  return {
    node: { nodeName, startTime: startedAt.toISOString(), systemContainers: [] },
    pods: runningPods(pods).map((p) => ({
      podRef: { name: p.metadata!.name!, namespace: p.metadata!.namespace!, uid: p.metadata!.uid! },
      startTime: iso(p.status!.startTime)!,
      containers: runningContainers(p).map((c) => ({ name: c.name, startTime: c.startedAt.toISOString() })),
    })),
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

/** `/metrics/resource` in the Prometheus text format (version 0.0.4). */
export function resourceMetrics(pods: readonly V1Pod[], now: Date): string {
  const samples = new Map<string, string[]>(FAMILIES.map(([name]) => [name, []]));
  for (const pod of runningPods(pods)) {
    for (const c of runningContainers(pod)) {
      const labels = `container="${label(c.name)}",namespace="${label(pod.metadata!.namespace!)}",pod="${label(pod.metadata!.name!)}"`;
      samples.get("container_start_time_seconds")!.push(`container_start_time_seconds{${labels}} ${c.startedAt.getTime() / 1000} ${now.getTime()}`);
    }
  }
  samples.get("resource_scrape_error")!.push("resource_scrape_error 0");
  return FAMILIES.map(([name, type, help]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples.get(name)!].join("\n")).join("\n") + "\n";
}
