/**
 * ACI's events (group-level and per container, with counts and first/last timestamps) as records
 * shaped like Kubernetes Events, and the image-pull failures they reveal.
 */
import type { ContainerGroup, Event as AciEvent } from "@azure/arm-containerinstance";

export interface PodEventRecord {
  /** Kubernetes reason, e.g. `Pulling`, `Pulled`, `Started`, `Killing`, `Failed`, `BackOff`. */
  readonly reason: string;
  readonly message: string;
  readonly type: "Normal" | "Warning";
  readonly count: number;
  readonly firstTimestamp?: Date;
  readonly lastTimestamp?: Date;
  /** The container the event is about; absent for group-level events. */
  readonly container?: string;
  /** `spec.containers{name}` / `spec.initContainers{name}`, as the kubelet sets `involvedObject.fieldPath`. */
  readonly fieldPath?: string;
  /** Stable identity of one ACI event across reads (its count and last timestamp change). */
  readonly key: string;
}

/** Event names that mean an image could not be pulled. */
const PULL_FAILURE_NAMES = new Set(["InaccessibleImage", "ErrImagePull", "ImagePullBackOff"]);

export function eventsFromGroup(group: ContainerGroup): PodEventRecord[] {
  const records: PodEventRecord[] = (group.instanceView?.events ?? []).map((e) => toRecord(e));
  for (const c of group.initContainers ?? []) {
    records.push(...(c.instanceView?.events ?? []).map((e) => toRecord(e, c.name, `spec.initContainers{${c.name}}`)));
  }
  for (const c of group.containers) {
    records.push(...(c.instanceView?.events ?? []).map((e) => toRecord(e, c.name, `spec.containers{${c.name}}`)));
  }
  return records;
}

/** An image pull failure of one container: how often it happened and what the registry said. */
export interface PullFailure {
  readonly count: number;
  readonly message: string;
  /** ACI is waiting before trying again (the kubelet's `ImagePullBackOff`). */
  readonly backingOff: boolean;
}

/**
 * The latest image-pull failure of a container, from its own events or from group events that name
 * its image (ACI reports an inaccessible image on the group).
 */
export function pullFailure(group: ContainerGroup, container: { name: string; image?: string; events?: readonly AciEvent[] }): PullFailure | undefined {
  const own = (container.events ?? []).filter(isPullFailure);
  const fromGroup = (group.instanceView?.events ?? []).filter((e) => isPullFailure(e) && (!container.image || !e.message || e.message.includes(container.image)));
  const failures = [...own, ...fromGroup].sort((a, b) => time(a.lastTimestamp) - time(b.lastTimestamp));
  const latest = failures.at(-1);
  if (!latest) return undefined;
  const count = failures.reduce((sum, e) => sum + (e.count ?? 1), 0);
  const backingOff = count > 1 || failures.some((e) => e.name === "BackOff" || e.name === "ImagePullBackOff");
  return { count, message: latest.message ?? `failed to pull image "${container.image ?? ""}"`, backingOff };
}

function isPullFailure(event: AciEvent): boolean {
  if (event.name && PULL_FAILURE_NAMES.has(event.name)) return true;
  return (event.name === "Failed" || event.name === "BackOff") && /pull/i.test(event.message ?? "");
}

function toRecord(event: AciEvent, container?: string, fieldPath?: string): PodEventRecord {
  const reason = event.name ?? "Unknown";
  const first = toDate(event.firstTimestamp);
  const record: PodEventRecord = {
    reason,
    message: event.message ?? "",
    type: event.type === "Warning" ? "Warning" : "Normal",
    count: event.count ?? 1,
    firstTimestamp: first,
    lastTimestamp: toDate(event.lastTimestamp) ?? first,
    container,
    fieldPath,
    key: `${container ?? ""}/${reason}/${first?.toISOString() ?? event.message ?? ""}`,
  };
  return record;
}

/** Timestamps arrive as `Date` from the SDK and as strings from raw JSON. */
export function toDate(value: Date | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function time(value: Date | string | undefined): number {
  return toDate(value)?.getTime() ?? 0;
}
