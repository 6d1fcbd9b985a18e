/**
 * A container group as ARM returns it (with its instance view) → the pod's status, following the
 * kubelet's rules so that Jobs and controllers see what they would see on any node: phase from the
 * container states and the restart policy, conditions, container statuses, IPs and start time.
 * Terminal phases and the start time never move backwards, given the previous status.
 */
import type { ContainerGroup, ContainerPropertiesInstanceView as ContainerInstanceView } from "@azure/arm-containerinstance";
import type { V1Container, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import { containerStatus, hasCompleted, type ContainerView } from "./container-status";
import { TAGS } from "../constants";
import { pullFailure } from "./events";
import { disruptionTarget, endedAtEviction, EVICTION_MESSAGE, wasEvicted } from "./spot-eviction";

export interface StatusInput {
  readonly pod: V1Pod;
  /** The container group from a GET (list results carry no instance view). */
  readonly group: ContainerGroup;
  /** The virtual node's address. */
  readonly hostIP: string;
  /** The pod's current status, so start time and terminal phases stay put. */
  readonly previous?: V1PodStatus;
  readonly now: Date;
}

type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

/** ACI provisioning states after which the group will not start by itself. */
const FAILED_PROVISIONING = new Set(["Failed", "Canceled"]);

export function podStatusFromGroup(input: StatusInput): V1PodStatus {
  const { pod, group, previous, now } = input;
  const groupId = group.id ?? group.name ?? "";
  const initStatuses = (pod.spec?.initContainers ?? []).map((c) => containerStatus(initView(c, group, previous?.initContainerStatuses), groupId, "PodInitializing", now));
  const initialized = initStatuses.every(hasCompleted);
  const mainReason = initialized ? "ContainerCreating" : "PodInitializing";
  const restartPolicy = pod.spec?.restartPolicy ?? group.restartPolicy ?? "Always";
  // ACI runs an evicted Spot group again; a pod that must not run again ended at the eviction.
  const evicted = restartPolicy === "Never" && wasEvicted(group);
  const statuses = (pod.spec?.containers ?? []).map((c) => containerStatus(mainView(c, group, previous?.containerStatuses), groupId, mainReason, now)).map((s) => (evicted ? endedAtEviction(s) : s));
  const provisioningFailure = provisioningFailureMessage(group, [...initStatuses, ...statuses]);
  let phase = provisioningFailure ? "Failed" : podPhase(initStatuses, statuses, restartPolicy);
  if (previous?.phase === "Succeeded" || previous?.phase === "Failed") phase = previous.phase;

  const status: V1PodStatus = {
    phase,
    conditions: conditions(phase, initialized, statuses, gatesPassed(pod, previous), previous, now),
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: previous?.startTime ?? now,
    containerStatuses: statuses,
  };
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  const podIP = group.ipAddress?.ip;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (previous?.qosClass) status.qosClass = previous.qosClass;
  const ephemeral = ephemeralContainerStatuses(pod);
  if (ephemeral.length > 0) status.ephemeralContainerStatuses = ephemeral;
  if (provisioningFailure && phase === "Failed") {
    status.reason = "ProviderFailed";
    status.message = provisioningFailure;
  } else if (evicted && phase === "Failed" && previous?.phase !== "Failed") {
    status.reason = "Terminated";
    status.message = EVICTION_MESSAGE;
    status.conditions = [...status.conditions!.filter((c) => c.type !== "DisruptionTarget"), disruptionTarget(now)];
  }
  return status;
}

type Previous = readonly V1ContainerStatus[] | undefined;

function mainView(container: V1Container, group: ContainerGroup, previous: Previous): ContainerView {
  const aci = group.containers.find((c) => c.name === container.name);
  return { ...view(container, group, aci?.instanceView, previous), readinessProbe: aci?.readinessProbe ?? (container.readinessProbe ? {} : undefined) };
}

function initView(container: V1Container, group: ContainerGroup, previous: Previous): ContainerView {
  return view(container, group, (group.initContainers ?? []).find((c) => c.name === container.name)?.instanceView, previous);
}

/**
 * What ACI's instance view says of one container (main or init). A group that replaced lost ones
 * carries the restarts before it in a tag; until its container has a previous state of its own,
 * the last one reported (the lost container's end) stays.
 */
function view(container: V1Container, group: ContainerGroup, instance: ContainerInstanceView | undefined, previous: Previous): ContainerView {
  const events = instance?.events ?? [];
  const before = Number(group.tags?.[TAGS.restarts] ?? 0) || 0;
  const earlier = before > 0 ? previous?.find((s) => s.name === container.name)?.lastState?.terminated : undefined;
  return {
    name: container.name,
    image: container.image ?? "",
    restartCount: before + (instance?.restartCount ?? 0),
    currentState: instance?.currentState,
    previousState: instance?.previousState,
    lastTerminated: earlier,
    restartsBefore: before,
    events,
    pullFailure: pullFailure(group, { name: container.name, image: container.image, events }),
  };
}

/**
 * The kubelet's phase rule: pending until initialised and until every container has started once;
 * running while any runs; when all have stopped, the restart policy decides — Always keeps the pod
 * Running, OnFailure succeeds only when all exited 0, Never fails when any exited non-zero.
 */
export function podPhase(init: readonly V1ContainerStatus[], main: readonly V1ContainerStatus[], restartPolicy: string): Phase {
  const failedInit = init.find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
  if (failedInit && restartPolicy === "Never") return "Failed";
  if (!init.every(hasCompleted)) return "Pending";
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of main) {
    const terminated = s.state?.terminated ?? (s.state?.waiting ? s.lastState?.terminated : undefined);
    if (s.state?.running) running++;
    else if (terminated) {
      stopped++;
      if (terminated.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped === 0) return "Pending";
  if (restartPolicy === "Always") return "Running";
  if (stopped === succeeded) return "Succeeded";
  return restartPolicy === "Never" ? "Failed" : "Running";
}

/**
 * A message when ACI gave up on the group for a reason other than an image pull (which the
 * containers show as ErrImagePull / ImagePullBackOff, as on any node).
 */
function provisioningFailureMessage(group: ContainerGroup, statuses: readonly V1ContainerStatus[]): string | undefined {
  if (!FAILED_PROVISIONING.has(group.provisioningState ?? "")) return undefined;
  const pulling = statuses.some((s) => s.state?.waiting?.reason === "ErrImagePull" || s.state?.waiting?.reason === "ImagePullBackOff");
  if (pulling) return undefined;
  const warning = [...(group.instanceView?.events ?? [])].reverse().find((e) => e.type === "Warning" && e.message);
  return `ACI could not run the container group (provisioning state ${group.provisioningState ?? ""})${warning?.message ? `: ${warning.message}` : ""}`;
}

function conditions(phase: Phase, initialized: boolean, statuses: readonly V1ContainerStatus[], gatesOpen: boolean, previous: V1PodStatus | undefined, now: Date): V1PodCondition[] {
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const notReady = terminal
    ? { reason: "PodCompleted" }
    : unready.length > 0
      ? { reason: "ContainersNotReady", message: `containers with unready status: [${unready.join(" ")}]` }
      : {};
  const incomplete = terminal ? { reason: "PodCompleted" } : { reason: "ContainersNotInitialized", message: "containers with incomplete status" };
  const containersReady = unready.length === 0 && !terminal;
  const ready = containersReady && gatesOpen;
  const gatesClosed = { reason: "ReadinessGatesNotReady", message: "the pod's readiness gates are not all True" };
  const fresh: V1PodCondition[] = [
    { type: "PodScheduled", status: "True" },
    initialized ? { type: "Initialized", status: "True" } : { type: "Initialized", status: "False", ...incomplete },
    { type: "ContainersReady", status: containersReady ? "True" : "False", ...(containersReady ? {} : notReady) },
    { type: "Ready", status: ready ? "True" : "False", ...(ready ? {} : containersReady ? gatesClosed : notReady) },
  ];
  const owned = new Set(fresh.map((c) => c.type));
  const kept = (previous?.conditions ?? []).filter((c) => !owned.has(c.type));
  return [...fresh.map((c) => withTransitionTime(c, previous, now)), ...kept];
}

/**
 * Ephemeral containers (`kubectl debug`) cannot be added to a running container group: each gets a
 * waiting status that says so, which `kubectl debug` prints.
 */
export function ephemeralContainerStatuses(pod: V1Pod): V1ContainerStatus[] {
  return (pod.spec?.ephemeralContainers ?? []).map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { waiting: { reason: EPHEMERAL_REASON, message: EPHEMERAL_MESSAGE } },
  }));
}

export const EPHEMERAL_REASON = "CreateContainerError";
export const EPHEMERAL_MESSAGE = "Azure Container Instances cannot add a container to a running container group, so ephemeral containers (kubectl debug) cannot run on this node; debug with a copy of the pod (kubectl debug --copy-to) scheduled on another node";

/** Readiness gates are conditions other controllers set on the pod; all must be True for Ready. */
function gatesPassed(pod: V1Pod, previous: V1PodStatus | undefined): boolean {
  return (pod.spec?.readinessGates ?? []).every((gate) => previous?.conditions?.some((c) => c.type === gate.conditionType && c.status === "True"));
}

/** A condition's transition time changes only when its status does. */
function withTransitionTime(condition: V1PodCondition, previous: V1PodStatus | undefined, now: Date): V1PodCondition {
  const before = previous?.conditions?.find((c) => c.type === condition.type);
  const since = before && before.status === condition.status ? (before.lastTransitionTime ?? now) : now;
  return { ...condition, lastTransitionTime: since };
}
