/**
 * Admission: whether a pod fits in one container group at all, checked before anything is sent to
 * Azure. A pod that does not fit is rejected the way a kubelet rejects a pod it cannot admit
 * (phase `Failed`, a reason such as `OutOfcpu`, a message naming the field, the limit and what to
 * do) instead of being retried against a region that can never place it. Pure.
 *
 * The per-group maxima are configuration (`--max-group-cpu`, `--max-group-memory-gb`): they differ by
 * region. Their defaults, and the hard limits, are ACI's published ones
 * (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits):
 * 4 cores and 16 GB for a standard Linux group in most regions (more only where the region offers
 * "big container groups", 31 cores / 240 GB at most), 60 containers, 20 volumes, 5 ports per IP.
 * GPU container groups are retired, so a GPU request never fits.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ACI_LIMITS } from "../constants";
import { AdmissionError } from "../errors";
import { Problems } from "./problems";
import { translateResources } from "./resources";
import { admitSpot } from "./spot";

export interface GroupMaxima {
  /** Cores one container group may have in the node's region. */
  readonly cpu: number;
  /** Memory (GB) one container group may have in the node's region. */
  readonly memoryGB: number;
}

/** A standard Linux container group in most regions. */
export const DEFAULT_GROUP_MAXIMA: GroupMaxima = { cpu: 4, memoryGB: 16 };

export interface AdmissionContext {
  readonly maxima: GroupMaxima;
  readonly location: string;
  /** Whether the group gets an IP its ports are exposed on (an ACI subnet, or a public IP the pod asked for). */
  readonly exposesPorts: boolean;
  /** Whether the node puts groups in an ACI subnet. @default false */
  readonly vnet?: boolean;
  /** The availability zone the node pins groups to. */
  readonly zone?: string;
}

/** The name prefix of the projected volume the API server adds for the service account token. */
const TOKEN_VOLUME_PREFIX = "kube-api-access-";

/** Throws `AdmissionError` when the pod can never run in one container group. */
export function admitPod(pod: V1Pod, ctx: AdmissionContext): void {
  const spec = pod.spec;
  if (!spec) return;
  const reject = (reason: string, field: string, message: string): never => {
    throw new AdmissionError(reason, field, `Pod was rejected: ${field}: ${message}`);
  };
  if (spec.shareProcessNamespace) {
    reject("UnsupportedPodSpec", "spec.shareProcessNamespace", "Azure Container Instances gives each container its own process namespace; remove shareProcessNamespace or run the pod on another node");
  }
  const all = [...spec.containers.map((c, i) => ({ c, field: `spec.containers[${i}]` })), ...(spec.initContainers ?? []).map((c, i) => ({ c, field: `spec.initContainers[${i}]` }))];
  for (const { c, field } of all) {
    for (const kind of ["requests", "limits"] as const) {
      for (const name of Object.keys(c.resources?.[kind] ?? {})) {
        if (/gpu/i.test(name)) reject(`OutOf${name}`, `${field}.resources.${kind}.${name}`, `this node offers no ${name}: Azure Container Instances has no GPU container groups; remove the request or run the pod on a GPU node`);
      }
    }
  }
  if (spec.containers.length > ACI_LIMITS.containersPerGroup) {
    reject("TooManyContainers", "spec.containers", `the pod has ${spec.containers.length} containers; one Azure Container Instances container group can have at most ${ACI_LIMITS.containersPerGroup}; split the pod`);
  }
  const volumes = spec.volumes ?? [];
  if (volumes.length > ACI_LIMITS.volumesPerGroup) {
    const token = volumes.find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX) && v.projected);
    const injected = token ? `, counting ${token.name}, which the API server adds for the service account token (set automountServiceAccountToken: false to leave it out)` : "";
    reject("TooManyVolumes", "spec.volumes", `the pod has ${volumes.length} volumes${injected}; one Azure Container Instances container group can have at most ${ACI_LIMITS.volumesPerGroup}; remove or merge volumes (a projected volume combines several sources)`);
  }
  if (ctx.exposesPorts) {
    const ports = new Set(spec.containers.flatMap((c) => (c.ports ?? []).map((p) => `${p.protocol ?? "TCP"}/${p.containerPort}`)));
    if (ports.size > ACI_LIMITS.portsPerIp) {
      reject("TooManyPorts", "spec.containers[].ports", `the pod exposes ${ports.size} ports; Azure Container Instances allows at most ${ACI_LIMITS.portsPerIp} per container group IP; expose fewer ports`);
    }
  }
  // The same totals translation computes; a malformed quantity is translation's to report.
  const resources = translateResources(spec.containers, new Problems());
  const cpu = round(resources.reduce((sum, r) => sum + r.requests.cpu, 0));
  const memory = round(resources.reduce((sum, r) => sum + r.requests.memoryInGB, 0));
  const where = `in ${ctx.location}`;
  if (cpu > ctx.maxima.cpu) {
    reject("OutOfcpu", "spec.containers[].resources.requests.cpu", `the pod requests ${cpu} cores in all; one Azure Container Instances container group ${where} can have at most ${ctx.maxima.cpu} (--max-group-cpu); lower the requests or split the pod`);
  }
  if (memory > ctx.maxima.memoryGB) {
    reject("OutOfmemory", "spec.containers[].resources.requests.memory", `the pod requests ${memory} GB of memory in all; one Azure Container Instances container group ${where} can have at most ${ctx.maxima.memoryGB} GB (--max-group-memory-gb); lower the requests or split the pod`);
  }
  admitSpot(pod, { location: ctx.location, zone: ctx.zone, vnet: ctx.vnet ?? false, cpu, memoryGB: memory });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
