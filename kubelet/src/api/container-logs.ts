/**
 * `GET /containerLogs/{namespace}/{pod}/{container}`: the kubelet's log options on top of the
 * provider's snapshots, and `follow` through the container's shared poller (`log-poller`), ending
 * when the container has terminated (as the cached pod status says) or the client goes away.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { LogBudgetExceededError } from "../aci/log-budget";
import { LogsGoneError, NotFoundError, ThrottledError, TransientError } from "../errors";
import type { LogOptions, PodProvider } from "../provider/provider";
import type { LogPollers } from "./log-poller";
import { HttpError, badRequest } from "./status";

/** What a log request asks for. */
export interface LogRequest {
  readonly options: LogOptions;
  readonly follow: boolean;
}

/** Parses the kubelet's query parameters; a malformed one is a 400 naming it. */
export function parseLogRequest(query: URLSearchParams): LogRequest {
  const int = (name: string, min: number): number | undefined => {
    const raw = query.get(name);
    if (raw === null || raw === "") return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw badRequest(`${name} must be an integer of at least ${min}, got "${raw}"`);
    return n;
  };
  const bool = (name: string): boolean => {
    const raw = query.get(name);
    if (raw === null || raw === "") return false;
    if (raw !== "true" && raw !== "false" && raw !== "1" && raw !== "0") throw badRequest(`${name} must be true or false, got "${raw}"`);
    return raw === "true" || raw === "1";
  };
  const sinceRaw = query.get("sinceTime");
  let sinceTime: Date | undefined;
  if (sinceRaw) {
    sinceTime = new Date(sinceRaw);
    if (Number.isNaN(sinceTime.getTime())) throw badRequest(`sinceTime must be an RFC 3339 time, got "${sinceRaw}"`);
  }
  const sinceSeconds = int("sinceSeconds", 1);
  if (sinceTime && sinceSeconds !== undefined) throw badRequest("at most one of sinceTime or sinceSeconds may be given");
  const options: LogOptions = {
    tailLines: int("tailLines", 0),
    timestamps: bool("timestamps"),
    sinceSeconds,
    sinceTime,
    limitBytes: int("limitBytes", 1),
    previous: bool("previous"),
  };
  return { options, follow: bool("follow") };
}

/** Checks that logs of `container` can be read now; throws the kubelet's 400s otherwise. */
export function checkLogTarget(pod: V1Pod, container: string, options: LogOptions): void {
  const podName = pod.metadata?.name ?? "";
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  if (!spec.some((c) => c.name === container)) {
    const names = (pod.spec?.containers ?? []).map((c) => c.name).join(", ");
    throw badRequest(`container ${container} is not valid for pod ${podName}; choose one of: [${names}]`);
  }
  if (options.previous) {
    throw badRequest(`previous terminated container "${container}" in pod "${podName}" not found: Azure Container Instances keeps the logs of the current container only`);
  }
  const status = containerStatus(pod, container);
  const waiting = status?.state?.waiting;
  if (!status || (waiting && !status.lastState?.terminated)) {
    const reason = waiting?.reason ?? "ContainerCreating";
    throw badRequest(`container "${container}" in pod "${podName}" is waiting to start: ${reason}`);
  }
}

export interface StreamLogsInput {
  readonly provider: Pick<PodProvider, "getContainerLogs">;
  /** The shared pollers that serve `follow`. */
  readonly pollers: LogPollers;
  readonly pod: V1Pod;
  readonly container: string;
  readonly request: LogRequest;
  /** Writes a chunk; resolves when it may write again. */
  readonly write: (chunk: string) => Promise<void>;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** Writes the requested logs; with `follow`, keeps writing new lines until the container ends. */
export async function streamLogs(input: StreamLogsInput): Promise<void> {
  const { provider, pod, container, request, write, signal } = input;
  if (!request.follow) {
    await write(await provider.getContainerLogs(pod, container, request.options));
    return;
  }
  await input.pollers.follow({ pod, container, options: request.options, write, signal });
}

/** The provider's typed errors as HTTP answers. */
export function logErrorToHttp(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  // As the kubelet answers logs it cannot serve: 400, which the API server passes on with its message.
  if (err instanceof LogsGoneError) return badRequest(err.message);
  if (err instanceof NotFoundError) return new HttpError(404, "NotFound", `logs not found: ${err.message}`);
  if (err instanceof LogBudgetExceededError) {
    const seconds = Math.max(1, Math.ceil((err.retryAfterMs ?? 1_000) / 1000));
    return new HttpError(429, "TooManyRequests", `too many log reads on this node: they are over their share of burstlet's Azure read budget (${+err.perSecond.toFixed(2)} reads/s, --log-read-share); try again in ${seconds} s`, { "Retry-After": String(seconds) });
  }
  if (err instanceof ThrottledError) return new HttpError(429, "TooManyRequests", `Azure Container Instances is throttling log reads; try again shortly`, { "Retry-After": String(Math.ceil((err.retryAfterMs ?? 1_000) / 1000)) });
  if (err instanceof TransientError) return new HttpError(503, "ServiceUnavailable", `reading logs from Azure Container Instances failed; try again: ${err.message}`);
  return undefined;
}

function containerStatus(pod: V1Pod, container: string): NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number] | undefined {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return all.find((s) => s.name === container);
}
