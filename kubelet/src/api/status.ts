/**
 * Kubernetes `Status` answers, as the kubelet gives them: the API server relays them to `kubectl`,
 * whose users see `message`.
 */

export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure";
  readonly message: string;
  readonly reason: string;
  readonly code: number;
}

/** An error the HTTP layer turns into a `Status` with this code. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(readonly code: number, readonly reason: string, message: string, readonly headers: Readonly<Record<string, string>> = {}) {
    super(message);
  }
}

export function statusBody(code: number, reason: string, message: string): StatusBody {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

export const badRequest = (message: string): HttpError => new HttpError(400, "BadRequest", message);
export const notFound = (message: string): HttpError => new HttpError(404, "NotFound", message);
