/**
 * What ACI bills for one container group: vCPU-seconds and GB-seconds of the resources it
 * allocated, over the time it is billed for. Pure.
 *
 * ACI's rule (https://learn.microsoft.com/azure/container-instances/container-instances-faq,
 * "When does the meter start running?"; https://azure.microsoft.com/pricing/details/container-instances/):
 * a group is billed per second "from the time that we start to pull your first container's image
 * (for a new deployment) … until the container group is stopped", and "meters stop running once
 * your entire container group is stopped", for the vCPUs and GBs of memory allocated to the group.
 * A group's allocation is the sum of its containers' requests (init containers run within it and
 * add none), which burstlet already rounded up to ACI's 0.01-core and 0.1-GB steps when it sent them
 * (`resources.ts`).
 *
 * Seconds are whole seconds, a started second counted in full: ACI bills "per second" and states
 * no rounding, so burstlet's figure is never below what the meter could show.
 */
import type { ContainerGroup, ContainerState, Event as AciEvent } from "@azure/arm-containerinstance";
import { ACI_GRANULARITY } from "../constants";
import { toDate } from "./events";

/** The resources ACI allocated to one container group. */
export interface GroupResources {
  readonly cpu: number;
  readonly memoryGB: number;
}

/** What one container group was billed for. */
export interface BilledUsage {
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
  /** Billed seconds: from the first image pull (or the first start) to the last container's end. */
  readonly seconds: number;
  readonly resources: GroupResources;
  readonly from: Date;
  readonly to: Date;
}

/** Whole billed seconds between two instants: a started second counts. */
export function billedSeconds(from: Date, to: Date): number {
  const ms = to.getTime() - from.getTime();
  if (!Number.isFinite(ms)) throw new RangeError("billed time needs two valid instants");
  return Math.max(0, Math.ceil(ms / 1000 - 1e-9));
}

/** vCPU-seconds and GB-seconds of `resources` held for `seconds`. */
export function billedQuantities(resources: GroupResources, seconds: number): { vcpuSeconds: number; gbSeconds: number } {
  if (!(seconds >= 0)) throw new RangeError(`billed seconds must be >= 0, got ${seconds}`);
  return {
    vcpuSeconds: fixed(resources.cpu * seconds, ACI_GRANULARITY.cpuCores),
    gbSeconds: fixed(resources.memoryGB * seconds, ACI_GRANULARITY.memoryGB),
  };
}

/** The group's allocation: the sum of its containers' requests. */
export function allocatedResources(group: Pick<ContainerGroup, "containers">): GroupResources {
  let cpu = 0;
  let memoryGB = 0;
  for (const c of group.containers) {
    cpu += c.resources?.requests?.cpu ?? 0;
    memoryGB += c.resources?.requests?.memoryInGB ?? 0;
  }
  return { cpu: fixed(cpu, ACI_GRANULARITY.cpuCores), memoryGB: fixed(memoryGB, ACI_GRANULARITY.memoryGB) };
}

/**
 * What the group was billed for once all its containers have terminated; undefined while any
 * runs or waits (the meter is still running), or when ACI reported no times to count from.
 */
export function groupBilling(group: ContainerGroup): BilledUsage | undefined {
  const ends: Date[] = [];
  for (const c of group.containers) {
    const current = c.instanceView?.currentState;
    if (current?.state !== "Terminated") return undefined;
    const end = toDate(current.finishTime);
    if (!end) return undefined;
    ends.push(end);
  }
  const from = billingStart(group);
  if (!from || ends.length === 0) return undefined;
  const to = new Date(Math.max(...ends.map((d) => d.getTime())));
  const resources = allocatedResources(group);
  const seconds = billedSeconds(from, to);
  return { ...billedQuantities(resources, seconds), seconds, resources, from, to };
}

/** A group whose meter runs: since when, for what. */
export interface RunningMeter {
  readonly from: Date;
  readonly resources: GroupResources;
}

/**
 * The meters of groups that are running, by pod UID: seen on each read of a group, stopped when
 * the group is deleted while it runs (a pod deleted before it finished), which bills it until then.
 * A group whose containers have all ended bills no more ("Meters stop running once your entire
 * container group is stopped"): its meter is dropped.
 */
export class RunningMeters {
  private readonly meters = new Map<string, RunningMeter>();

  /** The group as read now; `finished`: its containers have all ended. */
  see(uid: string, group: ContainerGroup, finished: boolean): void {
    const from = billingStart(group);
    if (finished || !from) this.meters.delete(uid);
    else this.meters.set(uid, { from, resources: allocatedResources(group) });
  }

  /** The group was deleted at `at`: what it was billed, if its meter ran. */
  stop(uid: string, at: Date): BilledUsage | undefined {
    const meter = this.meters.get(uid);
    this.meters.delete(uid);
    if (!meter) return undefined;
    const seconds = billedSeconds(meter.from, at);
    return { ...billedQuantities(meter.resources, seconds), seconds, resources: meter.resources, from: meter.from, to: at };
  }

  forget(uid: string): void {
    this.meters.delete(uid);
  }

  get size(): number {
    return this.meters.size;
  }
}

/** When the meter started: the first image pull ACI reports, else the first container start. */
function billingStart(group: ContainerGroup): Date | undefined {
  const containers = [...(group.initContainers ?? []), ...group.containers];
  const pulls = containers.flatMap((c) => (c.instanceView?.events ?? []).filter(isPull).map((e) => toDate(e.firstTimestamp)));
  const starts = containers.flatMap((c) => [startOf(c.instanceView?.previousState), startOf(c.instanceView?.currentState)]);
  const candidates = (pulls.some(Boolean) ? pulls : starts).filter((d): d is Date => d !== undefined);
  if (candidates.length === 0) return undefined;
  return new Date(Math.min(...candidates.map((d) => d.getTime())));
}

function isPull(event: AciEvent): boolean {
  return event.name === "Pulling";
}

function startOf(state: ContainerState | undefined): Date | undefined {
  return toDate(state?.startTime);
}

/** `value` to the decimals of `step`, without floating-point noise. */
function fixed(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number(value.toFixed(decimals));
}
