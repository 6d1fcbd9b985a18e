/**
 * ARM's failures as the kubelet's typed errors, by the class `failure-classes` gives each code, with
 * the `Retry-After` they carry (`classify`), and the code of an error body (`errorCode`).
 */
import { AciWindowThrottledError, AuthorizationError, CredentialsRejectedError, ImagePullError, NotFoundError, ThrottledError, TransientError, UnsupportedError } from "../errors";
import { armFailureClass } from "./failure-classes";

/**
 * The code of ACI's own 429s (its per-region create and delete windows,
 * https://aka.ms/container-instances-throttling), as opposed to ARM's `SubscriptionRequestsThrottled`.
 */
export const ACI_WINDOW_CODE = "TooManyRequests";

/** The `error.code` of an ARM error body, if it is one. */
export function errorCode(body: string | null | undefined): string | undefined {
  if (!body) return undefined;
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined; // not JSON: not an ARM error body
  }
}

export function retryAfter(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The HTTP status ARM answered with, for an error `classify` made from an answer; undefined when none came. */
export function answeredStatus(err: unknown): number | undefined {
  const cause = err instanceof Error ? (err.cause as { statusCode?: unknown } | undefined) : undefined;
  return typeof cause?.statusCode === "number" ? cause.statusCode : undefined;
}

/** A failure that means ARM did not answer: a 5xx, or no HTTP answer at all (never a throttle or a refusal). */
export function isOutage(err: unknown): boolean {
  if (!(err instanceof TransientError) || err instanceof CredentialsRejectedError) return false;
  const status = answeredStatus(err);
  return status === undefined || status >= 500;
}

/** Turns an SDK failure into one of the kubelet's typed errors, by the class `failure-classes` gives it. */
export function classify(what: string, err: unknown): Error {
  const e = err as { statusCode?: number; code?: string; message?: string; response?: { headers?: { get(n: string): string | undefined } } };
  const code = e.code ?? "";
  const detail = e.message ?? String(err);
  const message = `${what}: ${detail}`;
  switch (armFailureClass(e.statusCode, code)) {
    case "notFound":
      return new NotFoundError(message);
    case "throttled":
      if (code === ACI_WINDOW_CODE) return new AciWindowThrottledError(message, retryAfter(e.response?.headers?.get("retry-after")));
      return new ThrottledError(message, retryAfter(e.response?.headers?.get("retry-after")));
    case "image":
      return new ImagePullError(/image '([^']+)'/.exec(detail)?.[1], `Azure Container Instances cannot pull the image: ${detail}`, { cause: err });
    case "permanent":
      return new UnsupportedError("spec", `Azure Container Instances refused the container group: ${detail} (${code})`);
    case "credentials":
      if (e.statusCode === 403) return authorizationError(code, detail, err);
      return new CredentialsRejectedError(`${message} (credentials rejected)`, undefined, { cause: err });
    case "transient":
      return new TransientError(`${message}${code && e.statusCode !== undefined ? ` (${e.statusCode} ${code})` : ""}`, undefined, { cause: err });
  }
}

/**
 * ARM's 403: `AuthorizationFailed` names the action and scope ("... perform action '<a>' over scope
 * '<s>' ..."), `LinkedAuthorizationFailed` the linked ones ("... action(s) '<a>' on the linked
 * scope(s) '<s>' ...").
 */
function authorizationError(code: string, message: string, cause: unknown): AuthorizationError {
  const linked = /perform action\(s\) '([^']+)' on the linked scope\(s\) '([^']+)'/.exec(message);
  const direct = /perform action '([^']+)' over scope '([^']+)'/.exec(message);
  const [, action, scope] = linked ?? direct ?? [undefined, "(not named)", "(not named)"];
  return new AuthorizationError(action, scope, code || "Forbidden", { cause });
}
