/**
 * The burst's CPU and memory as `kubectl top pods` shows them: read from `metrics.k8s.io` (served by
 * metrics-server, which scrapes burstlet's `/metrics/resource`, which holds what burstlet read from
 * Azure Monitor), turned into rows and totals. The quantity parsing and the table are pure.
 */
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { statusOf } from "../kubelet/src/util/kube-errors";

/** One pod's row of `kubectl top pods`. */
export interface TopRow {
  readonly pod: string;
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** What the demo last read from `metrics.k8s.io` for the burst's pods. */
export interface UsageView {
  /** Pods with usage, sorted by name. */
  readonly rows: readonly TopRow[];
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

/** A `PodMetrics` item of `metrics.k8s.io/v1beta1` (the fields the demo reads). */
export interface PodMetrics {
  readonly metadata?: { readonly name?: string };
  readonly containers?: ReadonlyArray<{ readonly usage?: { readonly cpu?: string; readonly memory?: string } }>;
}

const CPU_SUFFIX: Readonly<Record<string, number>> = { n: 1e-6, u: 1e-3, m: 1, "": 1000 };
const MEMORY_SUFFIX: Readonly<Record<string, number>> = { "": 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A CPU quantity (`2m`, `1`, `1500000n`) in millicores. */
export function cpuMillicores(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(n|u|m|)$/.exec(quantity);
  if (!m) throw new Error(`not a CPU quantity: "${quantity}"`);
  return Number(m[1]) * CPU_SUFFIX[m[2]];
}

/** A memory quantity (`6Mi`, `6144Ki`, `6291456`) in bytes. */
export function memoryBytes(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G|)$/.exec(quantity);
  if (!m) throw new Error(`not a memory quantity: "${quantity}"`);
  return Number(m[1]) * MEMORY_SUFFIX[m[2]];
}

/** Rows and totals from a `PodMetricsList`'s items (a pod's containers are summed, as kubectl does). */
export function usageView(items: readonly PodMetrics[]): UsageView {
  const rows = items
    .filter((p) => p.metadata?.name)
    .map((p) => ({
      pod: p.metadata!.name!,
      cpuMillicores: (p.containers ?? []).reduce((n, c) => n + cpuMillicores(c.usage?.cpu ?? "0"), 0),
      memoryBytes: (p.containers ?? []).reduce((n, c) => n + memoryBytes(c.usage?.memory ?? "0"), 0),
    }))
    .sort((a, b) => a.pod.localeCompare(b.pod));
  return { rows, cpuMillicores: rows.reduce((n, r) => n + r.cpuMillicores, 0), memoryBytes: rows.reduce((n, r) => n + r.memoryBytes, 0) };
}

/** As kubectl prints them: whole millicores, and memory in Mi. */
export const cpuText = (millicores: number): string => `${Math.round(millicores)}m`;
export const memoryText = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)}Mi`;

/** `kubectl top pods`' table for the first `max` rows, and a line for the rest. */
export function topTable(view: UsageView, max: number): string[] {
  const shown = view.rows.slice(0, max);
  const width = Math.max(4, ...shown.map((r) => r.pod.length)) + 3;
  const lines = [`${"NAME".padEnd(width)}${"CPU(cores)".padEnd(13)}MEMORY(bytes)`, ...shown.map((r) => `${r.pod.padEnd(width)}${cpuText(r.cpuMillicores).padEnd(13)}${memoryText(r.memoryBytes)}`)];
  if (view.rows.length > shown.length) lines.push(`… and ${view.rows.length - shown.length} more pods`);
  return lines;
}

/**
 * Reads the pods' metrics through the API server, as `kubectl top pods -l <selector>` does;
 * undefined while the aggregated API is not answering (503, as kubectl reports it), which passes.
 */
export async function readPodUsage(kc: KubeConfig, namespace: string, labelSelector: string): Promise<UsageView | undefined> {
  try {
    const list = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ group: "metrics.k8s.io", version: "v1beta1", namespace, plural: "pods", labelSelector })) as { items?: PodMetrics[] };
    return usageView(list.items ?? []);
  } catch (err) {
    if (statusOf(err) === 503) return undefined;
    throw err;
  }
}
