/**
 * Kubernetes resource requirements → ACI requests and limits.
 *
 * Memory: ACI counts memory in "GB"; a Kubernetes quantity in bytes becomes bytes / 1e9 (decimal
 * gigabytes, as the upstream Azure virtual kubelet does), rounded *up* to ACI's 0.1 GB step so a
 * container never gets less than it asked for (`1Gi` = 1.074e9 bytes → 1.1 GB). CPU is rounded up
 * to 0.01 core likewise.
 */
import type { V1Container } from "@kubernetes/client-node";
import type { ResourceRequirements } from "@azure/arm-containerinstance";
import { ACI_DEFAULT_REQUEST, ACI_GRANULARITY } from "../constants";
import type { Problems } from "./problems";
import { parseQuantity } from "./quantity";

const BYTES_PER_GB = 1e9;

/** Rounds up to a multiple of `step`, tolerating floating-point noise (0.30000000000000004 stays 0.3). */
export function roundUpTo(value: number, step: number): number {
  const steps = Math.ceil(value / step - 1e-9);
  return Number((Math.max(1, steps) * step).toFixed(decimalsOf(step)));
}

export function cpuCores(quantity: string): number | undefined {
  const cores = parseQuantity(quantity);
  return cores === undefined ? undefined : roundUpTo(cores, ACI_GRANULARITY.cpuCores);
}

export function memoryGB(quantity: string): number | undefined {
  const bytes = parseQuantity(quantity);
  return bytes === undefined ? undefined : roundUpTo(bytes / BYTES_PER_GB, ACI_GRANULARITY.memoryGB);
}

/**
 * Each container's requests (from `requests`, else `limits` as Kubernetes defaults them, else ACI's
 * defaults) and limits, with every limit capped at the group's total request: ACI rejects a limit
 * above it (`ContainerLimitGreaterThanContainerGroupTotalRequest`), and capping runs the pod
 * where rejecting would not; the cap is reported as a note.
 */
export function translateResources(containers: readonly V1Container[], problems: Problems): ResourceRequirements[] {
  const perContainer = containers.map((c, i) => containerResources(c, `spec.containers[${i}].resources`, problems));
  const totalCpu = round(perContainer.reduce((sum, r) => sum + r.requests.cpu, 0), ACI_GRANULARITY.cpuCores);
  const totalMemory = round(perContainer.reduce((sum, r) => sum + r.requests.memoryInGB, 0), ACI_GRANULARITY.memoryGB);
  return perContainer.map((r, i) => {
    const limits = r.limits;
    if (!limits) return r;
    const name = containers[i].name;
    const capped = { ...limits };
    if (limits.cpu !== undefined && limits.cpu > totalCpu) {
      problems.note(`container ${name}: cpu limit ${limits.cpu} lowered to ${totalCpu}, the pod's total cpu request (ACI allows no more)`);
      capped.cpu = totalCpu;
    }
    if (limits.memoryInGB !== undefined && limits.memoryInGB > totalMemory) {
      problems.note(`container ${name}: memory limit ${limits.memoryInGB} GB lowered to ${totalMemory} GB, the pod's total memory request (ACI allows no more)`);
      capped.memoryInGB = totalMemory;
    }
    return { ...r, limits: capped };
  });
}

function containerResources(container: V1Container, field: string, problems: Problems): ResourceRequirements {
  const requests = container.resources?.requests ?? {};
  const limits = container.resources?.limits ?? {};
  for (const name of new Set([...Object.keys(requests), ...Object.keys(limits)])) {
    if (name !== "cpu" && name !== "memory") {
      problems.unsupportedAt(`${field}.${name}`, `ACI offers only cpu and memory; remove the ${name} request or limit`);
    }
  }
  const read = (kind: "requests" | "limits", name: "cpu" | "memory"): number | undefined => {
    const raw = (kind === "requests" ? requests : limits)[name];
    if (raw === undefined) return undefined;
    const value = name === "cpu" ? cpuCores(raw) : memoryGB(raw);
    if (value === undefined) problems.unsupportedAt(`${field}.${kind}.${name}`, `"${raw}" is not a resource quantity`);
    return value;
  };
  const cpuLimit = read("limits", "cpu");
  const memoryLimit = read("limits", "memory");
  const result: ResourceRequirements = {
    requests: {
      cpu: read("requests", "cpu") ?? cpuLimit ?? ACI_DEFAULT_REQUEST.cpuCores,
      memoryInGB: read("requests", "memory") ?? memoryLimit ?? ACI_DEFAULT_REQUEST.memoryGB,
    },
  };
  if (cpuLimit !== undefined || memoryLimit !== undefined) {
    result.limits = {};
    if (cpuLimit !== undefined) result.limits.cpu = cpuLimit;
    if (memoryLimit !== undefined) result.limits.memoryInGB = memoryLimit;
  }
  return result;
}

/** A sum of multiples of `step` without its floating-point noise. */
function round(value: number, step: number): number {
  return Number((Math.round(value / step) * step).toFixed(decimalsOf(step)));
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step)));
}
