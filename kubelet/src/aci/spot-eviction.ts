/**
 * A Spot container group evicted by Azure, as the pod's status shows it. Pure.
 *
 * ACI restarts an evicted Spot group by itself ("If an eviction occurs, the container groups
 * hosting the customer workloads are automatically restarted",
 * https://learn.microsoft.com/azure/container-instances/container-instances-spot-containers-overview),
 * and does not document how an eviction shows in the instance view; burstlet takes a container
 * state whose detail status is `Evicted`, or a group event whose name mentions an eviction, for one.
 *
 * What the pod shows is what the kubelet shows when a node is taken away under a running pod (a
 * graceful node shutdown, as on a preempted Spot VM): each container killed (terminated, exit code
 * 137, reason `Error`, as for a SIGKILL), and, when the restart policy forbids another run (`Never`),
 * the pod `Failed` with reason `Terminated` and the condition `DisruptionTarget` (reason
 * `TerminationByKubelet`), so a Job's `podFailurePolicy` can ignore it. A pod that may restart
 * (`OnFailure`, `Always`) shows a restart with that killed container as its last state; ACI's own
 * restart of the group is then the restart the kubelet would have made.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1ContainerStatus, V1PodCondition } from "@kubernetes/client-node";
import { DISRUPTION_TARGET } from "../pods/pod-states";

export const EVICTED_DETAIL = "Evicted";
export const EVICTION_MESSAGE = "Azure Container Instances evicted the pod's Spot container group: Azure reclaimed the capacity";

/** Whether ACI evicted this Spot group at some point. */
export function wasEvicted(group: ContainerGroup): boolean {
  if (group.priority !== "Spot") return false;
  const containers = [...(group.initContainers ?? []), ...group.containers];
  const states = containers.flatMap((c) => [c.instanceView?.currentState, c.instanceView?.previousState]);
  return states.some((s) => s?.detailStatus === EVICTED_DETAIL) || (group.instanceView?.events ?? []).some((e) => /evict/i.test(e.name ?? ""));
}

/** A container of a pod that must not run again, as of its eviction: the killed container. */
export function endedAtEviction(status: V1ContainerStatus): V1ContainerStatus {
  const killed = status.state?.terminated ?? status.lastState?.terminated;
  if (!killed || status.state?.terminated) return status;
  const { lastState: _lastState, ...rest } = status;
  return { ...rest, state: { terminated: { ...killed, message: EVICTION_MESSAGE } }, ready: false, started: false };
}

/** The pod-level condition the kubelet sets on a pod it terminates for a node reason. */
export function disruptionTarget(now: Date): V1PodCondition {
  return { type: DISRUPTION_TARGET.type, status: "True", reason: DISRUPTION_TARGET.reason, message: EVICTION_MESSAGE, lastTransitionTime: now };
}
