/**
 * The Job a BurstJob declares, as a pure function: counts checked, resources rounded to what ACI
 * grants, placement and tolerations applied, spread constraints relaxed so the virtual node is
 * never a single failure domain, and the pod checked by the kubelet's own translation.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { allocatedResources, type GroupResources } from "../kubelet/src/aci/billing";
import { parseQuantity } from "../kubelet/src/aci/quantity";
import { SPOT_GROUP_MAXIMA } from "../kubelet/src/aci/spot";
import { ACI_PRIORITIES, type AciPriority, PRIORITY_ANNOTATION } from "../kubelet/src/constants";
import { InvalidInputError, UnsupportedError } from "../kubelet/src/errors";
import { DISRUPTION_TARGET } from "../kubelet/src/pods/pod-states";
import { planAciResources, type AciContainerResources, type CpuMemory } from "./aci-resources";
import { relaxSpreadConstraints, type Placement, type TopologySpreadConstraint } from "./placement";
import { virtualNodePodProblems } from "./pod-validation";

export interface BurstResources {
  readonly requests: CpuMemory;
  readonly limits?: CpuMemory;
}

/** A container of a burst pod. `command` is required: ACI cannot append args to an entrypoint. */
export interface BurstContainer {
  readonly name: string;
  readonly image: pulumi.Input<string>;
  readonly command: string[];
  readonly args?: pulumi.Input<string>[];
  readonly env?: k8s.types.input.core.v1.EnvVar[];
  /** Both requests are required; they are rounded up to ACI's 0.01 core and 0.1 GB. */
  readonly resources: BurstResources;
  readonly volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
  readonly ports?: k8s.types.input.core.v1.ContainerPort[];
}

/** What a burst runs and how often: the part of `BurstJobArgs` that shapes the Job itself. */
export interface BurstJobTemplate {
  readonly containers: BurstContainer[];
  readonly initContainers?: BurstContainer[];
  /** emptyDir, secret, configMap, projected, downwardAPI or azureFile volumes. */
  readonly volumes?: k8s.types.input.core.v1.Volume[];
  /** How many pods must succeed (items to process when indexed). @default 1 */
  readonly completions?: number;
  /** Pods at once. @default completions */
  readonly parallelism?: number;
  /** Indexed completion: each pod gets `JOB_COMPLETION_INDEX`. @default completions > 1 */
  readonly indexed?: boolean;
  /** @default 3 */
  readonly backoffLimit?: number;
  /** Delete the finished Job after this long. @default 86400 (a day) */
  readonly ttlSecondsAfterFinished?: number;
  readonly activeDeadlineSeconds?: number;
  /** Hard (`DoNotSchedule`) constraints are relaxed to `ScheduleAnyway`, with a warning. */
  readonly topologySpreadConstraints?: TopologySpreadConstraint[];
  /** @default the namespace's default (its token is not mounted) */
  readonly serviceAccountName?: string;
  /**
   * ACI's priority for the Job's container groups: `Spot` runs them on interruptible capacity at a
   * discount (an evicted pod fails with the condition `DisruptionTarget`), where the node allows it
   * (no ACI subnet, no zone, a Spot region; burstlet rejects the pods otherwise). @default "Regular"
   */
  readonly priority?: AciPriority;
}

export interface BurstJobPlanInput extends BurstJobTemplate {
  /** For error messages, e.g. `BurstJob "thumbnails"`. */
  readonly context: string;
  readonly placement: Placement;
  readonly podLabels: Record<string, string>;
}

/** Kubernetes caps indexed Jobs at this many completions. */
export const MAX_INDEXED_COMPLETIONS = 100_000;

/**
 * Pods disrupted rather than failed do not count against `backoffLimit`: burstlet gives up a pod
 * that never started on a node whose zone or region is down with the condition `DisruptionTarget`,
 * as a kubelet does for a node reason (and Kubernetes does for preemption and eviction), so the Job
 * replaces it on a healthy node without spending a retry. Kubernetes allows a pod failure policy only
 * with `restartPolicy: Never`, which every burst pod has.
 */
export const IGNORE_DISRUPTIONS: k8s.types.input.batch.v1.PodFailurePolicy = {
  rules: [{ action: "Ignore", onPodConditions: [{ type: DISRUPTION_TARGET.type, status: "True" }] }],
};

export interface BurstJobPlan {
  readonly spec: k8s.types.input.batch.v1.JobSpec;
  readonly warnings: readonly string[];
  /** One pod's container group as ACI allocates it: the sum of its containers' requests. */
  readonly group: GroupResources;
  readonly priority: AciPriority;
}

export function planBurstJob(input: BurstJobPlanInput): BurstJobPlan {
  const field = (f: string): string => `${input.context}: ${f}`;
  const completions = input.completions ?? 1;
  const parallelism = input.parallelism ?? completions;
  const indexed = input.indexed ?? completions > 1;
  const wholeAtLeast = (name: string, value: number | undefined, min: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) throw new InvalidInputError(field(name), `must be an integer of at least ${min}, got ${value}`);
  };
  wholeAtLeast("completions", completions, 1);
  wholeAtLeast("parallelism", parallelism, 1);
  wholeAtLeast("backoffLimit", input.backoffLimit, 0);
  wholeAtLeast("ttlSecondsAfterFinished", input.ttlSecondsAfterFinished, 0);
  wholeAtLeast("activeDeadlineSeconds", input.activeDeadlineSeconds, 1);
  if (parallelism > completions) throw new InvalidInputError(field("parallelism"), `${parallelism} exceeds completions (${completions}); extra pods would have nothing to do`);
  if (indexed && completions > MAX_INDEXED_COMPLETIONS) throw new InvalidInputError(field("completions"), `an indexed Job allows at most ${MAX_INDEXED_COMPLETIONS} completions, got ${completions}`);
  if (input.containers.length === 0) throw new InvalidInputError(field("containers"), "needs at least one container");
  const priority = input.priority ?? "Regular";
  if (!ACI_PRIORITIES.includes(priority)) throw new InvalidInputError(field("priority"), `must be one of ${ACI_PRIORITIES.join(", ")}, got "${String(priority)}"`);

  const all = [...(input.initContainers ?? []), ...input.containers];
  const resources = planAciResources(all.map((c) => ({ name: c.name, requests: c.resources.requests, limits: c.resources.limits })), field("containers"));
  const spread = relaxSpreadConstraints(input.topologySpreadConstraints ?? []);
  const toContainer = (c: BurstContainer, i: number): k8s.types.input.core.v1.Container => ({
    name: c.name,
    image: c.image,
    command: c.command,
    args: c.args,
    env: c.env,
    resources: resources.containers[i],
    volumeMounts: c.volumeMounts,
    ports: c.ports,
  });
  const initCount = input.initContainers?.length ?? 0;
  const group = groupResources(resources.containers.slice(initCount));
  if (priority === "Spot" && (group.cpu > SPOT_GROUP_MAXIMA.cpu || group.memoryGB > SPOT_GROUP_MAXIMA.memoryGB)) {
    throw new InvalidInputError(field("priority"), `a Spot container group can have at most ${SPOT_GROUP_MAXIMA.cpu} cores and ${SPOT_GROUP_MAXIMA.memoryGB} GB, and each pod requests ${group.cpu} cores and ${group.memoryGB} GB; lower the requests or use Regular`);
  }
  const podSpec: k8s.types.input.core.v1.PodSpec = {
    restartPolicy: "Never",
    // burstlet cannot mount the API token volume Kubernetes would add, nor list services for links.
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    serviceAccountName: input.serviceAccountName,
    initContainers: initCount > 0 ? (input.initContainers ?? []).map((c, i) => toContainer(c, i)) : undefined,
    containers: input.containers.map((c, i) => toContainer(c, initCount + i)),
    volumes: input.volumes ? [...input.volumes] : undefined,
    tolerations: [...input.placement.tolerations],
    nodeSelector: input.placement.nodeSelector,
    affinity: input.placement.affinity as k8s.types.input.core.v1.Affinity | undefined,
    topologySpreadConstraints: spread.constraints.length > 0 ? spread.constraints.map((c) => ({ ...c, labelSelector: c.labelSelector ?? { matchLabels: input.podLabels } })) : undefined,
  };
  const problems = virtualNodePodProblems(podSpec, { requireCommand: true });
  if (problems.length > 0) {
    throw new UnsupportedError(field("containers"), `the virtual node cannot run this pod:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    spec: {
      completions,
      parallelism,
      completionMode: indexed ? "Indexed" : "NonIndexed",
      backoffLimit: input.backoffLimit,
      podFailurePolicy: IGNORE_DISRUPTIONS,
      ttlSecondsAfterFinished: input.ttlSecondsAfterFinished,
      activeDeadlineSeconds: input.activeDeadlineSeconds,
      template: { metadata: { labels: input.podLabels, ...(priority === "Spot" ? { annotations: { [PRIORITY_ANNOTATION]: priority } } : {}) }, spec: podSpec },
    },
    warnings: [...resources.warnings, ...spread.warnings],
    group,
    priority,
  };
}

/** The group's allocation from its containers' planned requests. */
function groupResources(containers: readonly AciContainerResources[]): GroupResources {
  const cpu = containers.reduce((sum, c) => sum + (parseQuantity(c.requests.cpu) ?? 0), 0);
  const bytes = containers.reduce((sum, c) => sum + (parseQuantity(c.requests.memory) ?? 0), 0);
  return allocatedResources({ containers: [{ name: "all", image: "", resources: { requests: { cpu, memoryInGB: bytes / 1e9 } } }] });
}
