/**
 * `GET /containerLogs/{namespace}/{pod}/{container}`: the kubelet's log options on top of the
 * provider's snapshots, and `follow` by polling snapshots (see `log-follow`), ending when the
 * container has terminated (as the cached pod status says) or the client goes away.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { NotFoundError, ThrottledError, TransientError } from "../errors";
import type { Logger } from "../log";
import type { LogOptions, PodProvider } from "../provider/provider";
import { type Clock, realClock } from "../util/clock";
import { LogFollower, type StampedLine, parseStampedLines } from "./log-follow";
import { HttpError, badRequest } from "./status";

/** What a log request asks for. */
export interface LogRequest {
  readonly options: LogOptions;
  readonly follow: boolean;
}

/** Lines asked for per poll while following; a poll that may have missed lines asks for all. */
export const FOLLOW_TAIL = 500;

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

/** Whether following should stop: the pod is gone or replaced, finished, or the container exited. */
export function followFinished(pod: V1Pod | undefined, uid: string, container: string): boolean {
  if (!pod || pod.metadata?.uid !== uid) return true;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  return containerStatus(pod, container)?.state?.terminated !== undefined;
}

/** Renders lines as the kubelet does: an RFC 3339 prefix with `timestamps`. */
export function renderLines(lines: readonly StampedLine[], timestamps: boolean): string {
  return lines.map((l) => (timestamps ? `${l.stamp} ${l.text}\n` : `${l.text}\n`)).join("");
}

export interface StreamLogsInput {
  readonly provider: PodProvider;
  readonly pod: V1Pod;
  /** The cached pod now (for the termination check while following). */
  readonly currentPod: () => V1Pod | undefined;
  readonly container: string;
  readonly request: LogRequest;
  /** Writes a chunk; resolves when it may write again. */
  readonly write: (chunk: string) => Promise<void>;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** @default 1_000 */
  readonly pollMs?: number;
  readonly clock?: Clock;
}

/** Writes the requested logs; with `follow`, keeps writing new lines until the container ends. */
export async function streamLogs(input: StreamLogsInput): Promise<void> {
  const { provider, pod, container, request, write, signal } = input;
  if (!request.follow) {
    await write(await provider.getContainerLogs(pod, container, request.options));
    return;
  }
  const { timestamps, tailLines, limitBytes } = request.options;
  const clock = input.clock ?? realClock;
  const since = request.options.sinceTime ?? (request.options.sinceSeconds !== undefined ? new Date(clock.now() - request.options.sinceSeconds * 1000) : undefined);
  let budget = limitBytes ?? Infinity;
  const emit = async (lines: readonly StampedLine[]): Promise<boolean> => {
    let text = renderLines(lines, !!timestamps);
    if (Buffer.byteLength(text) > budget) text = Buffer.from(text).subarray(0, budget).toString();
    budget -= Buffer.byteLength(text);
    if (text) await write(text);
    return budget > 0;
  };
  const snapshot = async (tail?: number): Promise<StampedLine[]> => parseStampedLines(await provider.getContainerLogs(pod, container, { timestamps: true, sinceTime: since, tailLines: tail }));

  // The whole log fixes the cursor, so `tailLines` limits what is shown, not what counts as sent.
  const first = await snapshot();
  const follower = new LogFollower(first);
  if (!(await emit(tailLines === undefined ? first : tailLines > 0 ? first.slice(-tailLines) : []))) return;
  const uid = pod.metadata!.uid!;
  while (!signal.aborted) {
    // Checked before the poll: once the container has ended, one last poll picks up its final lines.
    const finished = followFinished(input.currentPod(), uid, container);
    try {
      let lines = await snapshot(FOLLOW_TAIL);
      if (follower.mayHaveGap(lines, FOLLOW_TAIL)) lines = await snapshot();
      if (!(await emit(follower.next(lines)))) return;
    } catch (err) {
      if (err instanceof NotFoundError) return;
      if (!(err instanceof ThrottledError || err instanceof TransientError)) throw err;
      input.log.debug("log poll failed; trying again", { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, container, error: err });
    }
    if (finished) return;
    await clock.sleep(input.pollMs ?? 1_000, signal);
  }
}

/** The provider's typed errors as HTTP answers. */
export function logErrorToHttp(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof NotFoundError) return new HttpError(404, "NotFound", `logs not found: ${err.message}`);
  if (err instanceof ThrottledError) return new HttpError(429, "TooManyRequests", `Azure Container Instances is throttling log reads; try again shortly`, { "Retry-After": String(Math.ceil((err.retryAfterMs ?? 1_000) / 1000)) });
  if (err instanceof TransientError) return new HttpError(503, "ServiceUnavailable", `reading logs from Azure Container Instances failed; try again: ${err.message}`);
  return undefined;
}

function containerStatus(pod: V1Pod, container: string): NonNullable<NonNullable<V1Pod["status"]>["containerStatuses"]>[number] | undefined {
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return all.find((s) => s.name === container);
}
