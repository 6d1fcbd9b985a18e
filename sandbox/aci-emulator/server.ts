/**
 * The HTTP edge: reads requests, sends the token and control endpoints their way, and puts ARM
 * requests through what ARM does before a resource provider sees them (faults, api-version,
 * authentication, RBAC authorization, subscription throttling), then the service; records every call and, when the
 * self-check is on, validates every response against the specification.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { realClock } from "../../kubelet/src/util/clock";
import { requiredPermissions } from "./actions";
import type { Authorizer } from "./authorization";
import { armErrors, ArmError } from "./errors";
import type { Faults } from "./faults";
import type { TokenAuthority } from "./identity";
import { type MonitorEndpointDeps, METRICS_BATCH_OPERATION, answerMetrics, isMetricsBatchPath } from "./monitor/endpoint";
import type { CallLog } from "./record";
import { matchRoute } from "./routes";
import type { AciService, OpResponse } from "./service";
import type { AciSpec } from "./spec";
import type { Throttle } from "./throttle";
import { parseJsonBody } from "./validation";

const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface HttpDeps {
  readonly endpoint: () => string;
  readonly spec: AciSpec;
  readonly service: AciService;
  readonly identity: TokenAuthority;
  /** RBAC; `undefined` when authorization is off. */
  readonly authorizer: Authorizer | undefined;
  readonly faults: Faults;
  readonly record: CallLog;
  readonly throttle: Throttle;
  readonly apiVersions: readonly string[];
  readonly homeLocation: string;
  /** Validate every ARM response against the spec and record violations. */
  readonly selfCheck: boolean;
  /** The Azure Monitor metrics batch API, served beside ARM. */
  readonly monitor: MonitorEndpointDeps;
  /** Serves `/_emulator/...`; returns undefined for an unknown path. */
  readonly control: (method: string, pathname: string, query: URLSearchParams, body: string) => OpResponse | undefined;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function createRequestListener(deps: HttpDeps): RequestListener {
  return (req, res) => {
    const started = Date.now();
    readBody(req).then(
      (body) => handle(deps, req, res, body, started),
      (err: unknown) => {
        const error = err instanceof ArmError ? err : armErrors.badRequest("InvalidRequestContent", `The request body could not be read: ${String(err)}`);
        send(res, error.status, error.toBody(), error.headers);
      },
    );
  };
}

async function handle(deps: HttpDeps, req: IncomingMessage, res: ServerResponse, body: string, started: number): Promise<void> {
  const method = (req.method ?? "GET").toUpperCase();
  const url = new URL(req.url ?? "/", "https://emulator.invalid");
  const pathname = url.pathname;

  if (pathname === "/_emulator" || pathname.startsWith("/_emulator/")) {
    let answer: OpResponse | undefined;
    try {
      answer = deps.control(method, pathname, url.searchParams, body);
    } catch (err) {
      answer = { status: 400, body: { error: { code: "InvalidControlRequest", message: (err as Error).message } } };
    }
    const out = answer ?? { status: 404, body: { error: { code: "NotFound", message: `No control endpoint ${method} ${pathname}` } } };
    send(res, out.status, out.body, out.headers);
    return;
  }

  const identityAnswer = deps.identity.handle(method, pathname, url.searchParams, req.headers, body, deps.endpoint());
  if (identityAnswer) {
    send(res, identityAnswer.status, identityAnswer.body);
    deps.record.addCall({ operation: "Identity_Token", method, path: pathname, status: identityAnswer.status, durationMs: Date.now() - started, at: started });
    return;
  }

  if (isMetricsBatchPath(pathname)) {
    const out = answerMetrics(deps.monitor, { method, pathname, query: url.searchParams, authorization: req.headers.authorization, body });
    send(res, out.status, out.body, armHeaders(out.headers));
    deps.record.addCall({ operation: METRICS_BATCH_OPERATION, method, path: pathname, status: out.status, ...(out.errorCode ? { errorCode: out.errorCode } : {}), durationMs: Date.now() - started, at: started });
    return;
  }

  const route = matchRoute(method, pathname);
  const operation = route?.operationId ?? "Unknown";
  const groupName = route?.params.containerGroupName;
  const finishCall = (status: number, errorCode?: string): void => {
    deps.record.addCall({ operation, method, path: pathname, status, ...(errorCode ? { errorCode } : {}), durationMs: Date.now() - started, at: started, ...(groupName ? { groupName } : {}) });
  };

  const decision = deps.faults.decide(operation, route?.kind);
  if (decision.delayMs > 0) await realClock.sleep(decision.delayMs);
  if (decision.kind === "drop") {
    req.socket.destroy();
    finishCall(0);
    return;
  }
  if (decision.kind === "throttle") {
    const error = armErrors.subscriptionThrottled(decision.of, route?.params.subscriptionId ?? "", decision.retryAfterSeconds);
    send(res, error.status, error.toBody(), armHeaders(error.headers));
    finishCall(error.status, error.code);
    return;
  }
  if (decision.kind === "error") {
    const error = decision.status === 503 ? armErrors.serviceUnavailable() : armErrors.internal();
    send(res, error.status, error.toBody(), armHeaders(error.headers));
    finishCall(error.status, error.code);
    return;
  }

  let rateHeader: Record<string, string> = {};
  try {
    if (!route) throw armErrors.noRoute(method, pathname);
    const apiVersion = url.searchParams.get("api-version");
    if (!apiVersion) throw armErrors.missingApiVersion();
    if (!deps.apiVersions.includes(apiVersion)) throw armErrors.unsupportedApiVersion(apiVersion, deps.homeLocation, deps.apiVersions);
    const principal = deps.identity.verify(req.headers.authorization);
    const parsed = body.length > 0 && method !== "GET" && method !== "DELETE" ? parseJsonBody(body) : undefined;
    const required = deps.authorizer ? requiredPermissions(route.operationId, route.params, parsed) : undefined;
    if (required) deps.authorizer!.authorize(principal, required);
    const admission = deps.throttle.admit(route.kind);
    if (!admission.ok) throw armErrors.subscriptionThrottled(route.kind, route.params.subscriptionId ?? "", admission.retryAfterSeconds);
    if (admission.remaining !== null) rateHeader = { [`x-ms-ratelimit-remaining-subscription-${route.kind}s`]: String(admission.remaining) };
    if (parsed !== undefined) deps.record.addBody({ operation, method, path: pathname, at: started, body: parsed, ...(groupName ? { groupName } : {}) });
    const out = deps.service.handle({ operationId: route.operationId, params: route.params, query: url.searchParams, body: parsed });
    if (deps.selfCheck) selfCheck(deps, operation, out.status, out.body);
    if (operation === "ContainerGroups_CreateOrUpdate" && out.status < 300 && deps.faults.takeCreateResponseDrop()) {
      // The create happened; the client never hears about it.
      req.socket.destroy();
      finishCall(0);
      return;
    }
    send(res, out.status, out.body, armHeaders({ ...rateHeader, ...out.headers }));
    finishCall(out.status);
  } catch (err) {
    const error = err instanceof ArmError ? err : internalError(err);
    if (deps.selfCheck && route) selfCheck(deps, operation, error.status, error.toBody());
    send(res, error.status, error.toBody(), armHeaders({ ...rateHeader, ...error.headers }));
    finishCall(error.status, error.code);
  }
}

function internalError(err: unknown): ArmError {
  // A bug in the emulator: answer like ARM does, and say so on stderr for whoever runs it.
  process.stderr.write(`aci-emulator: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return armErrors.internal();
}

function selfCheck(deps: HttpDeps, operation: string, status: number, body: unknown): void {
  if (operation === "AsyncOperation_Get" || operation === "Unknown") return;
  const problems = deps.spec.checkResponse(operation, status, body);
  if (problems.length > 0) deps.record.addViolation({ operation, status, problems: problems.map((p) => `${p.path}: ${p.message}`) });
}

function armHeaders(extra: Readonly<Record<string, string>>): Record<string, string> {
  const id = randomUUID();
  return { "x-ms-request-id": id, "x-ms-correlation-request-id": id, ...extra };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { ...headers, ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }), "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(armErrors.badRequest("RequestBodyTooLarge", `The request body exceeds ${MAX_BODY_BYTES} bytes.`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
