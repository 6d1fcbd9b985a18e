/**
 * One ACI container's instance view → a Kubernetes container status.
 *
 * Readiness: ACI runs readiness probes but reports no "ready" flag. A container without a readiness
 * probe is ready while it runs. One with a probe is ready once it has run long enough for the first
 * probe to pass (initialDelaySeconds + periodSeconds × successThreshold) and ACI has reported no
 * failed readiness probe (an `Unhealthy` event mentioning readiness) in the last
 * periodSeconds × failureThreshold — the window in which the kubelet would still count it unready.
 */
import type { ContainerProbe, ContainerState, Event as AciEvent } from "@azure/arm-containerinstance";
import type { V1ContainerState, V1ContainerStatus } from "@kubernetes/client-node";
import { toDate, type PullFailure } from "./events";

/** What the status mapper knows about one container. */
export interface ContainerView {
  readonly name: string;
  /** The image as the pod spec gives it. */
  readonly image: string;
  readonly restartCount?: number;
  readonly currentState?: ContainerState;
  readonly previousState?: ContainerState;
  /** The last termination reported before this group (when it replaced a lost one). */
  readonly lastTerminated?: NonNullable<V1ContainerState["terminated"]>;
  /** Restarts counted in `restartCount` that happened in earlier (lost) groups. */
  readonly restartsBefore?: number;
  readonly events?: readonly AciEvent[];
  readonly readinessProbe?: ContainerProbe;
  readonly pullFailure?: PullFailure;
}

/** Kubernetes probe defaults, which ACI shares. */
const PROBE_DEFAULTS = { initialDelaySeconds: 0, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 } as const;
/** Reasons ACI may put in `detailStatus` that mean the same in Kubernetes. */
const KNOWN_TERMINATED_REASONS = new Set(["Completed", "Error", "OOMKilled", "ContainerCannotRun", "DeadlineExceeded"]);

export function containerStatus(view: ContainerView, groupId: string, waitingReason: string, now: Date): V1ContainerStatus {
  const state = kubernetesState(view, waitingReason);
  const status: V1ContainerStatus = {
    name: view.name,
    image: view.image,
    // ACI does not report the digest it pulled.
    imageID: "",
    containerID: `aci://${groupId}/${view.name}`,
    restartCount: view.restartCount ?? 0,
    ready: state.running !== undefined && isReady(view, now),
    started: state.running !== undefined,
    state,
  };
  const last = (view.previousState ? terminatedOrUndefined(view.previousState) : undefined) ?? (view.lastTerminated ? { terminated: view.lastTerminated } : undefined);
  if (last) status.lastState = last;
  return status;
}

/** True when the container has terminated with exit code 0 (an init container has completed). */
export function hasCompleted(status: V1ContainerStatus): boolean {
  return status.state?.terminated?.exitCode === 0;
}

function kubernetesState(view: ContainerView, waitingReason: string): V1ContainerState {
  const current = view.currentState;
  switch (current?.state) {
    case "Running":
      return { running: { startedAt: toDate(current.startTime) } };
    case "Terminated":
      return { terminated: terminated(current) };
  }
  if (view.pullFailure) {
    return { waiting: { reason: view.pullFailure.backingOff ? "ImagePullBackOff" : "ErrImagePull", message: view.pullFailure.message } };
  }
  const detail = current?.detailStatus ?? "";
  if (/CrashLoopBackOff/i.test(detail) || (current?.state === "Waiting" && (view.restartCount ?? 0) > (view.restartsBefore ?? 0))) {
    return { waiting: { reason: "CrashLoopBackOff", message: detail || `back-off restarting failed container ${view.name}` } };
  }
  return { waiting: detail && detail !== "Waiting" ? { reason: waitingReason, message: detail } : { reason: waitingReason } };
}

function terminatedOrUndefined(state: ContainerState): V1ContainerState | undefined {
  return state.state === "Terminated" ? { terminated: terminated(state) } : undefined;
}

function terminated(state: ContainerState): NonNullable<V1ContainerState["terminated"]> {
  const exitCode = state.exitCode ?? 0;
  const detail = state.detailStatus ?? "";
  const reason = KNOWN_TERMINATED_REASONS.has(detail) ? detail : exitCode === 0 ? "Completed" : "Error";
  const result: NonNullable<V1ContainerState["terminated"]> = { exitCode, reason, startedAt: toDate(state.startTime), finishedAt: toDate(state.finishTime) };
  if (detail && detail !== reason) result.message = detail;
  return result;
}

function isReady(view: ContainerView, now: Date): boolean {
  const probe = view.readinessProbe;
  if (!probe) return true;
  const startedAt = toDate(view.currentState?.startTime);
  if (!startedAt) return false;
  const period = (probe.periodSeconds ?? PROBE_DEFAULTS.periodSeconds) * 1000;
  const firstSuccess = startedAt.getTime() + (probe.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds) * 1000 + period * (probe.successThreshold ?? PROBE_DEFAULTS.successThreshold);
  if (now.getTime() < firstSuccess) return false;
  const failureWindow = period * (probe.failureThreshold ?? PROBE_DEFAULTS.failureThreshold);
  return !(view.events ?? []).some((e) => {
    const last = toDate(e.lastTimestamp ?? e.firstTimestamp);
    return e.name === "Unhealthy" && /readiness/i.test(e.message ?? "") && last !== undefined && last >= startedAt && now.getTime() - last.getTime() < failureWindow;
  });
}
