/**
 * Container resources as ACI will grant them. The rounding is the kubelet's own translation
 * (`kubelet/src/aci/resources`), so a Job's requests are exactly what its container groups get and
 * the scheduler's bookkeeping for the virtual node matches ACI's.
 */
import type { V1Container } from "@kubernetes/client-node";
import { Problems } from "../kubelet/src/aci/problems";
import { parseQuantity } from "../kubelet/src/aci/quantity";
import { translateResources } from "../kubelet/src/aci/resources";
import { InvalidInputError } from "../kubelet/src/errors";
import { definedOnly } from "../kubelet/src/util/defined";

/** Plain CPU and memory quantities, e.g. `{ cpu: "500m", memory: "1Gi" }`. */
export interface CpuMemory {
  readonly cpu?: string;
  readonly memory?: string;
}

export interface ContainerResourcesInput {
  readonly name: string;
  readonly requests?: CpuMemory;
  readonly limits?: CpuMemory;
}

export interface AciContainerResources {
  readonly requests: { cpu: string; memory: string };
  /** Only the limits that were given (`cpu`, `memory`). */
  readonly limits?: Record<string, string>;
}

export interface AciResourcePlan {
  readonly containers: readonly AciContainerResources[];
  /** What rounding or capping changed, one sentence each (shown as Pulumi warnings). */
  readonly warnings: readonly string[];
}

/** Millicores: ACI's 0.01-core step is always a whole number of them. */
export function formatCpu(cores: number): string {
  return `${Math.round(cores * 1000)}m`;
}

/** Megabytes (1e6 bytes): ACI's 0.1 GB step is always a whole number of them. */
export function formatMemory(gb: number): string {
  return `${Math.round(gb * 10) * 100}M`;
}

/**
 * Requests and limits rounded up to ACI's granularity, limits capped at the pod's total request.
 * Both requests are required: a pod without them would get ACI's defaults while the scheduler
 * counts nothing. Throws `InvalidInputError` naming `<field>[i]` for a missing or malformed value.
 */
export function planAciResources(containers: readonly ContainerResourcesInput[], field: string): AciResourcePlan {
  containers.forEach((c, i) => {
    for (const name of ["cpu", "memory"] as const) {
      const value = c.requests?.[name];
      if (value === undefined) {
        throw new InvalidInputError(`${field}[${i}].requests.${name}`, `container "${c.name}" must request ${name}: the scheduler and ACI must agree on what the pod uses`);
      }
      if (parseQuantity(value) === undefined || (parseQuantity(value) ?? 0) <= 0) {
        throw new InvalidInputError(`${field}[${i}].requests.${name}`, `"${value}" is not a positive resource quantity`);
      }
    }
  });
  const problems = new Problems();
  const asK8s: V1Container[] = containers.map((c) => ({
    name: c.name,
    resources: { requests: definedOnly(c.requests ?? {}), limits: definedOnly(c.limits ?? {}) },
  }));
  const translated = translateResources(asK8s, problems);
  problems.throwIfAny();
  const warnings: string[] = [...problems.notes];
  const planned = translated.map((r, i): AciContainerResources => {
    const c = containers[i];
    const requests = { cpu: formatCpu(r.requests.cpu), memory: formatMemory(r.requests.memoryInGB) };
    const limits = r.limits ? { cpu: r.limits.cpu === undefined ? undefined : formatCpu(r.limits.cpu), memory: r.limits.memoryInGB === undefined ? undefined : formatMemory(r.limits.memoryInGB) } : undefined;
    noteChange(warnings, c.name, "cpu request", c.requests?.cpu, requests.cpu);
    noteChange(warnings, c.name, "memory request", c.requests?.memory, requests.memory);
    if (!r.limits || !limits) return { requests };
    if (!problems.notes.some((n) => n.startsWith(`container ${c.name}: cpu limit`))) noteChange(warnings, c.name, "cpu limit", c.limits?.cpu, limits.cpu);
    if (!problems.notes.some((n) => n.startsWith(`container ${c.name}: memory limit`))) noteChange(warnings, c.name, "memory limit", c.limits?.memory, limits.memory);
    return { requests, limits: definedOnly(limits) };
  });
  return { containers: planned, warnings };
}

function noteChange(warnings: string[], container: string, what: string, before: string | undefined, after: string | undefined): void {
  if (before === undefined || after === undefined) return;
  const a = parseQuantity(before);
  const b = parseQuantity(after);
  if (a !== undefined && b !== undefined && Math.abs(a - b) > Math.abs(b) * 1e-9) {
    warnings.push(`container ${container}: ${what} ${before} rounded up to ${after}, ACI's granularity (0.01 core, 0.1 GB)`);
  }
}
