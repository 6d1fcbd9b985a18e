/**
 * The pod statuses the controller writes itself, as a kubelet would in the same situation: waiting
 * for the backend, image pulls that fail and back off, a deadline passed, backing that was lost.
 * Pure: each takes the pod (and the time) and returns the status to write.
 */
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodCondition, V1PodStatus } from "@kubernetes/client-node";
import { type BackoffPolicy } from "../util/backoff";

/** The kubelet's image pull backoff: 10 s, doubling, at most 5 minutes. */
export const IMAGE_PULL_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 300_000 };

/** One pod's failed pulls and when the next may start (no jitter, as the kubelet's). */
export class PullBackoff {
  private failures = 0;
  private failedAt = Number.NEGATIVE_INFINITY;
  private nextAt = 0;

  constructor(private readonly policy: BackoffPolicy = IMAGE_PULL_BACKOFF, private readonly now: () => number = Date.now) {}

  /** Records a failed pull; returns how long until the next attempt. */
  fail(): number {
    this.failures++;
    const delay = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (this.failures - 1));
    this.failedAt = this.now();
    this.nextAt = this.failedAt + delay;
    return delay;
  }

  /** Milliseconds until the next pull may start (0: now). */
  remaining(): number {
    return Math.max(0, this.nextAt - this.now());
  }

  /** Milliseconds since the last failed pull. */
  sinceFailure(): number {
    return this.now() - this.failedAt;
  }

  /** A pull succeeded: the next failure starts from the base again. */
  forget(): void {
    this.failures = 0;
    this.failedAt = Number.NEGATIVE_INFINITY;
    this.nextAt = 0;
  }
}

/** How long a failed pull shows `ErrImagePull` before `ImagePullBackOff` (the kubelet's next sync). */
export const ERR_IMAGE_PULL_MS = 1_000;

/** The reason of the condition and Event of a pod whose create waits for a slot under one of ACI's limits. */
export const CREATE_SLOT_REASON = "WaitingForCreateSlot";

/** The pod's status with Ready=False, reason ProviderWaiting (or AuthorizationFailed): still Pending, with the reason. */
export function waitingStatus(pod: V1Pod, message: string, now: Date, reason: "ProviderWaiting" | "AuthorizationFailed" | typeof CREATE_SLOT_REASON = "ProviderWaiting"): V1PodStatus {
  return { ...pod.status, phase: "Pending", conditions: withReady(pod, { status: "False", reason, message }, now) };
}

/**
 * Containers that cannot start yet: the pod stays Pending. For an image that cannot be pulled, the
 * containers using it wait with `ErrImagePull` (right after a failed attempt) or `ImagePullBackOff`
 * (while waiting for the next); `image` undefined means every container waits (the failure did not
 * say which image, or it is not about an image: `CreateContainerConfigError`).
 */
export function containersWaitingStatus(pod: V1Pod, image: string | undefined, reason: "ErrImagePull" | "ImagePullBackOff" | "CreateContainerConfigError", detail: string, now: Date): V1PodStatus {
  const containers = pod.spec?.containers ?? [];
  const failing = new Set(containers.filter((c) => image === undefined || sameImage(c.image, image)).map((c) => c.name));
  if (failing.size === 0) for (const c of containers) failing.add(c.name);
  const message = (c: string): string => (reason === "ImagePullBackOff" ? `Back-off pulling image "${c}": ErrImagePull: ${detail}` : detail);
  const statuses: V1ContainerStatus[] = containers.map((c) => ({
    name: c.name,
    image: c.image ?? "",
    imageID: "",
    ready: false,
    started: false,
    restartCount: 0,
    state: { waiting: failing.has(c.name) ? { reason, message: message(c.image ?? "") } : { reason: "ContainerCreating" } },
  }));
  const unready = statuses.map((s) => s.name).join(" ");
  return {
    ...pod.status,
    phase: "Pending",
    containerStatuses: statuses,
    conditions: withReady(pod, { status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${unready}]` }, now),
  };
}

/** `activeDeadlineSeconds` passed: Failed, as the kubelet reports it; running containers are killed. */
export function deadlineStatus(pod: V1Pod, now: Date): V1PodStatus {
  return terminalStatus(pod, "DeadlineExceeded", "Pod was active on the node longer than the specified deadline", { exitCode: 137, reason: "DeadlineExceeded" }, now);
}

/** The pod ran, its group is gone and it must not run again: Failed, its containers unknown (137). */
export function lostStatus(pod: V1Pod, message: string, now: Date): V1PodStatus {
  return terminalStatus(pod, "ContainerGroupLost", message, { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located: its container group is gone" }, now);
}

/**
 * A lost group is being replaced (restart policy Always or OnFailure): each container waits with
 * the lost one's end as its last state and one more restart, as after a container died.
 */
export function replacingStatus(pod: V1Pod, restartCount: number, now: Date): V1PodStatus {
  const statuses = (pod.spec?.containers ?? []).map((c): V1ContainerStatus => {
    const before = pod.status?.containerStatuses?.find((s) => s.name === c.name);
    return {
      name: c.name,
      image: c.image ?? "",
      imageID: before?.imageID ?? "",
      containerID: before?.containerID,
      ready: false,
      started: false,
      restartCount,
      state: { waiting: { reason: "ContainerCreating", message: "its container group was lost and is being created again" } },
      lastState: { terminated: { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container could not be located: its container group is gone", startedAt: before?.state?.running?.startedAt, finishedAt: now } },
    };
  });
  return { ...pod.status, containerStatuses: statuses, conditions: withReady(pod, { status: "False", reason: "ContainersNotReady", message: "its container group is being created again" }, now) };
}

/** The condition a kubelet adds to pods it terminates for a node reason (a Job's podFailurePolicy may ignore them). */
export const DISRUPTION_TARGET = { type: "DisruptionTarget", reason: "TerminationByKubelet" } as const;

/**
 * The node gave up a pod that never started (its placement keeps failing creates): Failed with
 * `reason`, its containers never run (137, as for containers a kubelet could not locate), and the
 * `DisruptionTarget` condition, so the pod's controller replaces it and a Job may leave it out of
 * its backoff limit.
 */
export function givenUpStatus(pod: V1Pod, reason: string, message: string, now: Date): V1PodStatus {
  const status = terminalStatus(pod, reason, message, { exitCode: 137, reason: "ContainerStatusUnknown", message: "The container was never started: its node could not create it" }, now);
  const disruption: V1PodCondition = { type: DISRUPTION_TARGET.type, status: "True", reason: DISRUPTION_TARGET.reason, message, lastTransitionTime: now };
  return { ...status, conditions: [...(status.conditions ?? []).filter((c) => c.type !== DISRUPTION_TARGET.type), disruption] };
}

function terminalStatus(pod: V1Pod, reason: string, message: string, killed: Omit<NonNullable<V1ContainerState["terminated"]>, "finishedAt">, now: Date): V1PodStatus {
  const end = (s: V1ContainerStatus): V1ContainerStatus =>
    s.state?.terminated ? s : { ...s, ready: false, started: false, state: { terminated: { ...killed, startedAt: s.state?.running?.startedAt, finishedAt: now } } };
  const statuses = (pod.spec?.containers ?? []).map((c) => pod.status?.containerStatuses?.find((s) => s.name === c.name) ?? { name: c.name, image: c.image ?? "", imageID: "", ready: false, restartCount: 0 });
  return {
    ...pod.status,
    phase: "Failed",
    reason,
    message,
    containerStatuses: statuses.map(end),
    conditions: withReady(pod, { status: "False", reason: "PodCompleted" }, now),
  };
}

/** The pod's conditions with Ready (and ContainersReady) set; transition times move only on change. */
function withReady(pod: V1Pod, ready: Pick<V1PodCondition, "status" | "reason" | "message">, now: Date): V1PodCondition[] {
  const conditions = pod.status?.conditions ?? [];
  const set = (type: string): V1PodCondition => {
    const before = conditions.find((c) => c.type === type);
    const since = before?.status === ready.status && before.reason === ready.reason ? (before.lastTransitionTime ?? now) : now;
    return { type, ...ready, lastTransitionTime: since };
  };
  const others = conditions.filter((c) => c.type !== "Ready" && c.type !== "ContainersReady");
  const containersReady = conditions.some((c) => c.type === "ContainersReady") ? [set("ContainersReady")] : [];
  return [...others, ...containersReady, set("Ready")];
}

/** Whether a container's image is the one a failure names (registries may spell it in full). */
function sameImage(containerImage: string | undefined, failed: string): boolean {
  if (!containerImage) return false;
  return containerImage === failed || failed.endsWith(`/${containerImage}`) || containerImage.endsWith(`/${failed}`);
}
