/**
 * What Azure Monitor would have recorded about an emulated container: its CPU (millicores) and
 * memory (bytes) while it ran, bucketed by time grain and published a delay after each bucket
 * ends. Pure: runs, resources and clock come in, data points come out.
 *
 * A busy program (see `isBusy` in `behaviour.ts`) uses its CPU limit; anything else running uses
 * a couple of millicores. Values vary by a deterministic ±2 % per container and bucket, so series
 * look measured without making tests flaky.
 */
import { isBusy, type Program } from "../behaviour";

/** Metric time: Azure Monitor's platform metrics for ACI have a one-minute grain. */
export interface MetricTiming {
  /** The finest grain and the default `interval`. @default 60 (PT1M) */
  readonly grainSeconds: number;
  /** How long after a bucket ends its value can be read. @default 60 */
  readonly delaySeconds: number;
}

export const AZURE_METRIC_TIMING: MetricTiming = { grainSeconds: 60, delaySeconds: 60 };

/** The metrics ACI publishes for container groups (Azure's "Supported metrics" table). */
export const ACI_METRICS = {
  CpuUsage: { unit: "Count", localized: "CPU Usage", perContainer: true },
  MemoryUsage: { unit: "Bytes", localized: "Memory Usage", perContainer: true },
  NetworkBytesReceivedPerSecond: { unit: "Bytes", localized: "Network Bytes Received Per Second", perContainer: false },
  NetworkBytesTransmittedPerSecond: { unit: "Bytes", localized: "Network Bytes Transmitted Per Second", perContainer: false },
} as const;
export type AciMetricName = keyof typeof ACI_METRICS;

export interface UsageSource {
  readonly name: string;
  readonly program: Program;
  /** CPU limit (or request when no limit) in cores. */
  readonly cpuCores: number;
  /** Memory limit (or request) in bytes. */
  readonly memoryBytes: number;
  readonly runs: ReadonlyArray<{ readonly from: number; readonly to?: number }>;
}

const MIB = 1024 * 1024;

/** A small stable hash of a string and a number, in [0, 1). */
function noise(key: string, n: number): number {
  let h = 2166136261 ^ n;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return ((h >>> 0) % 10_000) / 10_000;
}

/** The container's level of a metric while it runs (before noise). */
export function level(metric: AciMetricName, c: UsageSource): number {
  const busy = isBusy(c.program);
  switch (metric) {
    case "CpuUsage":
      return busy ? c.cpuCores * 1000 : 2;
    case "MemoryUsage":
      return Math.min(c.memoryBytes, (busy ? 12 : 6) * MIB);
    case "NetworkBytesReceivedPerSecond":
    case "NetworkBytesTransmittedPerSecond":
      return 0;
  }
}

export interface DataPoint {
  readonly timeStamp: number;
  /** Absent when nothing was recorded in the bucket (not running, or not published yet). */
  readonly value?: number;
}

/** Buckets of `grainMs` covering [from, to), each with the container's value if it ran then and the bucket is published. */
export function series(metric: AciMetricName, c: UsageSource, range: { from: number; to: number; grainMs: number }, timing: MetricTiming, now: number): DataPoint[] {
  const points: DataPoint[] = [];
  const publishedBefore = now - timing.delaySeconds * 1000;
  const base = level(metric, c);
  for (let b = Math.floor(range.from / range.grainMs) * range.grainMs; b < range.to; b += range.grainMs) {
    const end = b + range.grainMs;
    const ran = c.runs.some((r) => r.from < end && (r.to ?? now) > b);
    if (!ran || end > publishedBefore) {
      points.push({ timeStamp: b });
      continue;
    }
    points.push({ timeStamp: b, value: base === 0 ? 0 : base * (0.98 + 0.04 * noise(c.name, b)) });
  }
  return points;
}
