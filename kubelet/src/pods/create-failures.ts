/**
 * What a failed create means for the pod, class by class, as a kubelet would say it: an image that
 * cannot be pulled waits and backs off, a pod that can never run is refused, a lost group under
 * restart policy Never fails the pod, and anything transient keeps it Pending with the reason.
 */
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { AdmissionError, AuthorizationError, BackingLostError, CreatePacedError, ImagePullError, InvalidInputError, PlacementUnavailableError, ThrottledError, TransientError, UnsupportedError } from "../errors";
import type { Logger } from "../log";
import type { EventRecorder } from "./event-recorder";
import { CREATE_SLOT_REASON, ERR_IMAGE_PULL_MS, type PullBackoff, containersWaitingStatus, givenUpStatus, lostStatus, waitingStatus } from "./pod-states";
import type { WorkQueue } from "./work-queue";

/** What the pod controller lends to the failure handling. */
export interface CreateFailureContext {
  readonly events: EventRecorder;
  /** The `fromKubernetes` queue, for retries. */
  readonly queue: WorkQueue;
  /** This pod's image pull backoff. */
  readonly pulls: PullBackoff;
  /** The limit this pod's create waits for (its record), so its Event is written once per wait. */
  readonly slot: { waitsFor?: string };
  readonly log: Logger;
  now(): Date;
  setStatus(pod: V1Pod, status: V1PodStatus): Promise<void>;
}

/** Records the Event and status a failed create calls for and schedules its retry; rethrows what it does not know. */
export async function reportCreateError(ctx: CreateFailureContext, key: string, pod: V1Pod, err: unknown): Promise<void> {
  const uid = pod.metadata!.uid!;
  if (err instanceof CreatePacedError) return waitForSlot(ctx, key, pod, err);
  if (err instanceof ImagePullError) {
    // As the kubelet: the pod waits, each attempt is an Event, the next comes after the backoff.
    const wait = ctx.pulls.fail();
    const image = err.image ?? (pod.spec?.containers ?? []).map((c) => c.image).join(", ");
    ctx.log.warn("image cannot be pulled; backing off", { pod: key, image, retryInMs: wait, error: err.message });
    await ctx.events.record(pod, { reason: "Failed", message: `Failed to pull image "${image}": ${err.message}`, type: "Warning" });
    await ctx.setStatus(pod, containersWaitingStatus(pod, err.image, "ErrImagePull", err.message, ctx.now()));
    // ImagePullBackOff a moment later, the next attempt when the backoff ends.
    ctx.queue.addAfter(key, Math.min(wait, ERR_IMAGE_PULL_MS));
    return;
  }
  if (err instanceof AdmissionError) {
    ctx.log.warn("pod rejected at admission", { pod: key, reason: err.reason, field: err.field, error: err.message });
    await ctx.events.record(pod, { reason: err.reason, message: err.message, type: "Warning" });
    await ctx.setStatus(pod, { ...pod.status, phase: "Failed", reason: err.reason, message: err.message });
    return;
  }
  if (err instanceof PlacementUnavailableError) {
    // As a kubelet gives up pods for a node reason: Failed, marked DisruptionTarget, so the Job's
    // podFailurePolicy may ignore it and the controller's replacement goes to a healthy node.
    ctx.log.warn("the node's placement keeps failing creates; giving up a pod that never started", { pod: key, reason: err.reason, error: err.message });
    await ctx.events.record(pod, { reason: err.reason, message: err.message, type: "Warning" });
    await ctx.setStatus(pod, givenUpStatus(pod, err.reason, err.message, ctx.now()));
    return;
  }
  if (err instanceof BackingLostError) {
    ctx.log.warn("container group lost; the pod's restart policy is Never", { pod: key, uid });
    await ctx.events.record(pod, { reason: "ContainerGroupLost", message: err.message, type: "Warning" });
    await ctx.setStatus(pod, lostStatus(pod, err.message, ctx.now()));
    return;
  }
  if (err instanceof UnsupportedError) {
    ctx.log.warn("pod cannot run on the virtual node", { pod: key, field: err.field, error: err.message });
    await ctx.events.record(pod, { reason: "ProviderFailed", message: err.message, type: "Warning" });
    await ctx.setStatus(pod, { ...pod.status, phase: "Failed", reason: "ProviderFailed", message: err.message });
    return;
  }
  if (err instanceof InvalidInputError) {
    await ctx.events.record(pod, { reason: "Failed", message: `Error: CreateContainerConfigError: ${err.message}`, type: "Warning" });
    await ctx.setStatus(pod, containersWaitingStatus(pod, undefined, "CreateContainerConfigError", err.message, ctx.now()));
    throw err;
  }
  if (err instanceof AuthorizationError) {
    // Not the pod's fault and not final: it runs once the role is granted.
    const retryIn = ctx.queue.addRateLimited(key, 0);
    ctx.log.warn("Azure denied burstlet a permission the pod needs", { pod: key, action: err.action, scope: err.scope });
    await ctx.events.record(pod, { reason: "AuthorizationFailed", message: `${err.message}; retrying in ${Math.round(retryIn / 1000)} s`, type: "Warning" });
    await ctx.setStatus(pod, waitingStatus(pod, err.message, ctx.now(), "AuthorizationFailed"));
    return;
  }
  if (err instanceof ThrottledError || err instanceof TransientError) {
    // Transient is not failure: the pod stays Pending, and says why.
    const retryIn = ctx.queue.addRateLimited(key, err.retryAfterMs ?? 0);
    const why = err instanceof ThrottledError ? "Azure asked burstlet to slow down" : "Azure Container Instances did not accept the container group yet";
    await ctx.events.record(pod, { reason: "ProviderWaiting", message: `${why} (${err.message}); retrying in ${Math.round(retryIn / 1000)} s`, type: "Warning" });
    await ctx.setStatus(pod, waitingStatus(pod, `${why}; burstlet keeps retrying`, ctx.now()));
    return;
  }
  throw err;
}

/**
 * The create waits under one of ACI's limits: the pod is Pending, its Ready condition says which
 * limit and when a slot is expected, an Event says so once per limit, and it is looked at again
 * then, without growing a backoff of its own (the window is slow, not the pod).
 */
async function waitForSlot(ctx: CreateFailureContext, key: string, pod: V1Pod, err: CreatePacedError): Promise<void> {
  const now = ctx.now();
  const when = err.expectedAt !== undefined
    ? `a slot is expected at ${new Date(err.expectedAt).toISOString()} (in ${Math.max(1, Math.round((err.expectedAt - now.getTime()) / 1000))} s)`
    : "a slot is expected once container groups in the region are deleted";
  const message = `waiting for a create slot under ${err.limit}: ${when}`;
  if (ctx.slot.waitsFor !== err.limit) {
    ctx.slot.waitsFor = err.limit;
    ctx.log.info("create waits for a slot under an Azure Container Instances limit", { pod: key, limit: err.limit, expectedAt: err.expectedAt });
    await ctx.events.record(pod, { reason: CREATE_SLOT_REASON, message, type: "Normal" });
  }
  await ctx.setStatus(pod, waitingStatus(pod, message, now, CREATE_SLOT_REASON));
  ctx.queue.forget(key);
  ctx.queue.addAfter(key, Math.max(0, err.retryAt - now.getTime()));
}
