/**
 * Typed errors shared by the whole kubelet. Callers branch on the class, never on message text.
 */

/** The thing asked for does not exist (a container group, a pod, an image tag). */
export class NotFoundError extends Error {
  override readonly name: string = "NotFoundError";
}

/**
 * A finished container's log is not there any more (its group was deleted, and what was kept of it
 * was evicted or did not survive a restart). The kubelet API answers it as the kubelet answers
 * logs it cannot serve: 400, with the message in plain text.
 */
export class LogsGoneError extends NotFoundError {
  override readonly name = "LogsGoneError";
}

/** The backend asked us to slow down; `retryAfterMs` is its hint when it gave one. */
export class ThrottledError extends Error {
  override readonly name: string = "ThrottledError";
  constructor(message: string, readonly retryAfterMs?: number) {
    super(message);
  }
}

/** A failure that may succeed when tried again (5xx, timeouts, resets, quota exhausted for now). */
export class TransientError extends Error {
  override readonly name: string = "TransientError";
  constructor(message: string, readonly retryAfterMs?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The pod asks for something the virtual node cannot do. `field` is the path in the pod spec
 * (e.g. `spec.volumes[0].hostPath`), so the message tells the user exactly what to change.
 */
export class UnsupportedError extends Error {
  override readonly name = "UnsupportedError";
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Input that is malformed (a setting, a reference that cannot be resolved, an invalid value). */
export class InvalidInputError extends Error {
  override readonly name = "InvalidInputError";
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Azure rejected burstlet's own credentials (401/403): retried like any transient failure, but a health problem. */
export class CredentialsRejectedError extends TransientError {
  override readonly name: string = "CredentialsRejectedError";
}

/**
 * Azure refused burstlet's identity an action (403): its role assignments do not allow `action` on
 * `scope`. Retried slowly (granting the role fixes it); the node's or the pod's Ready condition
 * names what is missing.
 */
export class AuthorizationError extends CredentialsRejectedError {
  override readonly name: string = "AuthorizationError";
  constructor(readonly action: string, readonly scope: string, readonly code: string, options?: { cause?: unknown }) {
    super(`Azure denied burstlet '${action}' on '${scope}' (${code}): grant the role that allows it (the role table in docs/pulumi.md lists burstlet's)`, undefined, options);
  }
}

/**
 * An image cannot be pulled: it does not exist, the registry refuses it, or the registry failed.
 * The pod waits with `ErrImagePull` / `ImagePullBackOff`, as on any node; it never fails for it.
 * `image` is the reference that failed, when known.
 */
export class ImagePullError extends Error {
  override readonly name = "ImagePullError";
  constructor(readonly image: string | undefined, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * The pod can never be admitted to this node as written (it asks for more than one container group
 * can be). `reason` is the kubelet-style admission reason (e.g. `OutOfcpu`), `field` the pod field.
 */
export class AdmissionError extends Error {
  override readonly name = "AdmissionError";
  constructor(readonly reason: string, readonly field: string, message: string) {
    super(message);
  }
}

/** The pod ran, its backing disappeared, and its restart policy says it must not run again. */
export class BackingLostError extends Error {
  override readonly name = "BackingLostError";
}

/**
 * ACI answered 429 from its own per-region windows (creates or deletes per 5 minutes, per hour),
 * not ARM's request budget: the window is full, and `retryAfterMs` says until when.
 */
export class AciWindowThrottledError extends ThrottledError {
  override readonly name = "AciWindowThrottledError";
}

/**
 * burstlet held a create back so as not to exceed one of ACI's limits: `limit` names it (a create
 * window or a quota), `expectedAt` is when a slot is expected (epoch ms; undefined when that waits
 * for groups to be deleted), `retryAt` when to look again. Not a failure of the pod: it waits.
 */
export class CreatePacedError extends Error {
  override readonly name = "CreatePacedError";
  constructor(readonly limit: string, readonly retryAt: number, readonly expectedAt?: number) {
    super(`waiting for a create slot under ${limit}`);
  }
}

/**
 * The node's placement (its zone or region) has refused or failed every create for a sustained
 * period, and the pod never started: the controller gives it up (`Failed`, with the
 * `DisruptionTarget` condition), so its controller creates a replacement the scheduler places on a
 * healthy node. `reason` is `ZoneUnavailable` or `RegionUnavailable`.
 */
export class PlacementUnavailableError extends Error {
  override readonly name = "PlacementUnavailableError";
  constructor(readonly reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
