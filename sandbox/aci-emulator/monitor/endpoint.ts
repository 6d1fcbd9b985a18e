/**
 * The metrics batch endpoint's edge, in the order Azure Monitor applies its checks: method, then
 * api-version, the bearer token (for the metrics audience, not ARM's), Azure RBAC, its own throttle
 * (separate from ARM's buckets), required query parameters, the body against the derived contract,
 * then the service. Answers use ARM's error shape (`{ error: { code, message } }`), as the spec declares.
 *
 * Authorization, as Azure documents it ("How to migrate from the metrics API to the getBatch API",
 * MicrosoftDocs/azure-monitor-docs `articles/azure-monitor/metrics/migrate-to-batch-api.md`,
 * section "401 authorization errors"): the batch API is a subscription-level API, so the caller
 * needs metrics read (Monitoring Reader's) on the subscription of the path itself; even read on
 * every resource of the batch does not do, and the whole request fails with 401. There is no
 * per-resource answer: every resource of a batch is in that subscription (a 400 otherwise), so a
 * grant on it covers them all. The status is the documented one; the body is ARM's denial wording.
 */
import { METRICS_READ_ACTION } from "../../../kubelet/src/constants";
import type { Authorizer } from "../authorization";
import { ArmError } from "../errors";
import type { TokenAuthority } from "../identity";
import type { TokenBucket } from "../throttle";
import type { MetricsService } from "./metrics-service";
import type { MetricsSpec } from "./schema";

/** The token audience the metrics batch specification declares (`<audience>/.default` as a scope). */
export const METRICS_AUDIENCE = "https://metrics.monitor.azure.com";
/**
 * Audiences the endpoint takes: the specification's, and ARM's, which `@azure/monitor-query-metrics`
 * asks for unless told otherwise (its `KnownMonitorMetricsQueryAudience.AzurePublicCloud`).
 */
export const METRICS_ACCEPTED_AUDIENCES = [METRICS_AUDIENCE, "https://management.azure.com"] as const;
/** How calls to the batch API appear in the emulator's record. */
export const METRICS_BATCH_OPERATION = "Metrics_Batch";

const PATH = /^\/subscriptions\/([^/]+)\/metrics:getBatch\/?$/i;

export function isMetricsBatchPath(pathname: string): boolean {
  return PATH.test(pathname);
}

export interface MonitorEndpointDeps {
  readonly spec: MetricsSpec;
  readonly service: MetricsService;
  readonly identity: TokenAuthority;
  /** Azure RBAC; `undefined` when authorization is off. */
  readonly authorizer: Authorizer | undefined;
  /** `null` when unlimited. */
  readonly throttle: TokenBucket | null;
  /** Validate every response against the contract; violations go to `onViolation`. */
  readonly selfCheck: boolean;
  readonly onViolation: (status: number, problems: readonly string[]) => void;
}

export interface MonitorRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface MonitorAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
  readonly errorCode?: string;
}

export function answerMetrics(deps: MonitorEndpointDeps, req: MonitorRequest): MonitorAnswer {
  let answer: MonitorAnswer;
  try {
    answer = { ...attempt(deps, req), headers: {} };
  } catch (err) {
    const error = err instanceof ArmError ? err : new ArmError(500, "InternalServerError", `internal error: ${(err as Error).message}`);
    answer = { status: error.status, body: error.toBody(), headers: error.headers, errorCode: error.code };
  }
  if (deps.selfCheck) {
    const problems = deps.spec.checkResponse(answer.status, answer.body);
    if (problems.length > 0) deps.onViolation(answer.status, problems);
  }
  return answer;
}

function attempt(deps: MonitorEndpointDeps, req: MonitorRequest): { status: number; body: unknown } {
  if (req.method !== "POST") throw new ArmError(405, "MethodNotAllowed", `The requested resource does not support http method '${req.method}'; use POST.`);
  const apiVersion = req.query.get("api-version");
  if (!apiVersion) throw new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  if (apiVersion !== deps.spec.apiVersion) throw new ArmError(400, "InvalidApiVersionParameter", `The api-version '${apiVersion}' is invalid. The supported versions are '${deps.spec.apiVersion}'.`);
  const principal = deps.identity.verify(req.authorization, METRICS_ACCEPTED_AUDIENCES);
  const scope = `/subscriptions/${decodeURIComponent(PATH.exec(req.pathname)![1])}`;
  if (deps.authorizer && !deps.authorizer.permits(principal, { action: METRICS_READ_ACTION, scope })) {
    throw new ArmError(401, "AuthorizationFailed", `The client '${principal.objectId}' with object id '${principal.objectId}' does not have authorization to perform action '${METRICS_READ_ACTION}' over scope '${scope}' or the scope is invalid. The metrics batch API needs it on the subscription itself (Monitoring Reader, or a role with that action, assigned there).`);
  }
  const admission = deps.throttle?.take();
  if (admission && !admission.ok) {
    throw new ArmError(429, "TooManyRequests", `The metrics batch API is throttling this subscription; retry after ${admission.retryAfterSeconds} seconds.`, { headers: { "retry-after": String(admission.retryAfterSeconds) } });
  }
  const missing = deps.spec.missingQuery(req.query);
  if (missing.length > 0) throw new ArmError(400, "BadRequest", `Missing required query parameter(s): ${missing.join(", ")}.`);
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    throw new ArmError(400, "BadRequest", "The request body is not JSON; send { \"resourceids\": [ ... ] }.");
  }
  const problems = deps.spec.checkRequestBody(body);
  if (problems.length > 0 || typeof body !== "object" || body === null) throw new ArmError(400, "BadRequest", `The request body does not match ResourceIdList: ${problems.join("; ") || "not an object"}.`);
  return deps.service.batch({ subscriptionId: decodeURIComponent(PATH.exec(req.pathname)![1]), query: req.query, body: body });
}
