/**
 * The contract between the pod controller and a backend that runs pods (ACI, or anything else).
 *
 * Concurrency: the controller never calls `createPod`/`deletePod` for the same pod UID
 * concurrently; calls for different pods may run concurrently, and the provider bounds its own
 * backend traffic. Objects passed in are the controller's copies and must not be mutated; returned
 * objects become the controller's and are not touched by the provider afterwards.
 *
 * Errors from `createPod`: `AdmissionError` — the pod cannot fit in what the backend offers (the
 * controller rejects it, as a kubelet's admission does); `UnsupportedError` — the pod can never run
 * here (the controller fails it, once); `ImagePullError` — an image cannot be pulled (the pod waits
 * with ErrImagePull / ImagePullBackOff); `BackingLostError` — the pod ran, its backing is gone and
 * its restart policy forbids another (the controller fails it);
 * `InvalidInputError` — something the pod references is missing or malformed (retried, as a kubelet
 * does with CreateContainerConfigError); `ThrottledError`/`TransientError` — try again later, never a
 * pod failure; `NotFoundError` from `getPodStatus`/`deletePod` — nothing backs this pod.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { Capacity, Health } from "../node/node-model";

/** A Kubernetes-style event about a pod that the backend reported (e.g. Pulling, Started). */
export interface PodEvent {
  readonly reason: string;
  readonly message: string;
  readonly type: "Normal" | "Warning";
  readonly count?: number;
  readonly firstTimestamp?: Date;
  readonly lastTimestamp?: Date;
}

/** What the backend knows of one pod it runs. */
export interface BackendPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The backend's own name for it (e.g. the container group), when listed from the backend. */
  readonly handle?: string;
}

/** A status change the backend observed, pushed to the controller. */
export interface PodStatusUpdate {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly status: V1PodStatus;
  readonly events: readonly PodEvent[];
}

export interface CreateResult {
  /** Adjustments made to fit the backend (e.g. resources rounded), each worth an Event. */
  readonly notes: readonly string[];
  /** True when an existing backing (same pod UID) was found and adopted instead of created. */
  readonly adopted: boolean;
  /** Set when the backing replaced a lost one: the pod's restart count from now on. */
  readonly restartCount?: number;
}

export interface LogOptions {
  readonly tailLines?: number;
  readonly timestamps?: boolean;
  readonly sinceSeconds?: number;
  readonly sinceTime?: Date;
  readonly limitBytes?: number;
  readonly previous?: boolean;
}

export interface PodProvider {
  /** Creates the pod's backing; idempotent by pod UID (an existing backing is adopted). */
  createPod(pod: V1Pod): Promise<CreateResult>;
  /** Deletes the pod's backing; resolves once it is gone. Missing backing is not an error. */
  deletePod(pod: V1Pod): Promise<void>;
  /** The pod's status as the backend sees it; `NotFoundError` when nothing backs it. */
  getPodStatus(pod: V1Pod): Promise<PodStatusUpdate>;
  /** Every pod this node's backend runs (for adoption and garbage collection). */
  listPods(): Promise<BackendPod[]>;
  /** Deletes backing whose pod is gone, by its backend identity. */
  deleteBackendPod(pod: BackendPod): Promise<void>;
  getContainerLogs(pod: V1Pod, container: string, options: LogOptions): Promise<string>;
  health(): Promise<Health>;
  capacity(): Promise<Capacity>;
  /**
   * Registers the controller's callback for status changes. The provider calls it whenever it
   * observes a change for a tracked pod; `track`/`untrack` say which pods the controller cares about.
   */
  onStatusChange(callback: (update: PodStatusUpdate) => void): void;
  track(pod: V1Pod): void;
  untrack(uid: string): void;
  /**
   * Registers the controller's callback for a tracked pod whose backing disappeared (deleted
   * outside the controller, or lost by the backend); the pod is untracked by then.
   */
  onBackingLost(callback: (pod: BackendPod) => void): void;
}
