/**
 * The contract between the pod controller (`pods/pod-controller.ts`) and a backend that runs pods
 * (ACI, or anything else). The provider owns its loops (`run`); the controller owns the pods.
 *
 * Concurrency:
 * - The controller never calls `createPod`, `updatePod` or `deletePod` concurrently for the same
 *   pod UID; calls for different pods may run concurrently, and the provider bounds its own
 *   backend traffic. `listPods`, `getContainerLogs`, `health`, `capacity` and `stats` may be called
 *   at any time from any caller.
 * - Objects passed in are the caller's and must not be mutated; returned objects become the
 *   caller's and are not touched by the provider afterwards.
 * - The notifier is called synchronously from the provider's loops and must not block: the
 *   controller only records the notice and queues the pod. It is called only after `notify`, for
 *   pods the provider has created or adopted and not deleted since.
 *
 * Following a pod's status: `createPod` (created or adopted) starts it; `updatePod` tells the
 * provider the pod as it is now (its statuses are mapped relative to it); `deletePod`, or a status
 * that is final (Succeeded/Failed), ends it.
 *
 * Finished pods: the controller deletes a finished pod's backing while the pod object stays
 * (`deletePod(pod, finished)`), so it holds no quota; the provider keeps what `getContainerLogs`
 * needs to answer for it afterwards, until `forgetPod` says the pod object is gone too.
 *
 * Events: every status notice carries each Event the backend observed that the controller has not
 * acknowledged yet, so none is lost when the controller writes only the latest notice; the controller
 * acknowledges the keys it wrote (`acknowledge`), and they are never sent again.
 *
 * Errors from `createPod`: `AdmissionError` — the pod cannot fit in what the backend offers (the
 * controller rejects it, as a kubelet's admission does); `UnsupportedError` — the pod can never run
 * here (the controller fails it, once); `ImagePullError` — an image cannot be pulled (the pod waits
 * with ErrImagePull / ImagePullBackOff); `BackingLostError` — the pod ran, its backing is gone and
 * its restart policy forbids another (the controller fails it); `InvalidInputError` — something the
 * pod references is missing or malformed (retried, as a kubelet does with CreateContainerConfigError);
 * `AuthorizationError`, `ThrottledError`, `TransientError` — try again later, never a pod failure;
 * `CreatePacedError` — the create waits for a slot under one of the backend's limits (it says
 * which, and when a slot is expected): the pod waits, Pending, without a backoff of its own.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { Capacity, Health } from "../node/node-model";
import type { UsageBook } from "../usage/usage-book";

/** A Kubernetes-style event about a pod that the backend reported (e.g. Pulling, Started). */
export interface PodEvent {
  readonly reason: string;
  readonly message: string;
  readonly type: "Normal" | "Warning";
  readonly count?: number;
  readonly firstTimestamp?: Date;
  readonly lastTimestamp?: Date;
}

/** An observed Event with the key it is acknowledged by. */
export interface ObservedEvent extends PodEvent {
  readonly key: string;
}

/** A pod as the backend knows it: enough to find (and delete) its backing. */
export interface BackendPod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** The backend's own name for it (e.g. the container group), when listed from the backend. */
  readonly handle?: string;
}

/** What the backend billed for a pod that has finished: the compute it was charged for. */
export interface BilledCompute {
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
}

/** What the backend tells the controller about a pod it runs. */
export type PodNotice =
  /**
   * The pod's status as observed, with every Event not acknowledged yet; a final status carries
   * what the backend billed for the pod, when it can tell.
   */
  | (BackendPod & { readonly kind: "status"; readonly status: V1PodStatus; readonly events: readonly ObservedEvent[]; readonly billed?: BilledCompute })
  /** Nothing backs the pod any more (deleted outside the controller, or lost by the backend). */
  | (BackendPod & { readonly kind: "lost" });

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
  /** Runs the provider's own loops (status following, deletion confirmation, usage) until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Creates the pod's backing; idempotent by pod UID (an existing backing is adopted). */
  createPod(pod: V1Pod): Promise<CreateResult>;
  /** The pod changed in Kubernetes (e.g. a replacement's statuses, ephemeral containers): follow it as it is now. */
  updatePod(pod: V1Pod): void;
  /**
   * Deletes a pod's backing; resolves once it is gone. Missing backing is not an error. `finished`:
   * the pod ended and its object stays; its final logs are kept first (and served afterwards).
   * Resolves to what the backing was billed when it still ran (the pod went before it finished).
   */
  deletePod(pod: BackendPod, finished?: V1Pod): Promise<BilledCompute | undefined>;
  /** The pod object is gone: whatever was kept for it (final logs, a place in line) is dropped. */
  forgetPod(uid: string): void;
  /** Every pod this node's backend runs (for adoption and garbage collection). */
  listPods(): Promise<BackendPod[]>;
  getContainerLogs(pod: V1Pod, container: string, options: LogOptions): Promise<string>;
  health(): Promise<Health>;
  capacity(): Promise<Capacity>;
  /** Usage of the pods it runs, as far as the backend reports it. */
  stats(): UsageBook;
  /** Registers the controller's callback for notices (one callback; a later call replaces it). */
  notify(callback: (notice: PodNotice) => void): void;
  /** The controller wrote these Events of the pod; they are not sent again. */
  acknowledge(uid: string, eventKeys: readonly string[]): void;
}
