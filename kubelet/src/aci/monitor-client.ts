/**
 * The Azure Monitor edge: `@azure/monitor-query-metrics`' `MetricsClient` (the metrics batch API,
 * up to 50 container groups per call, on the region's `https://<region>.metrics.monitor.azure.com`)
 * behind a token bucket of its own, since Azure Monitor throttles apart from ARM. Every HTTP
 * attempt takes a token; a 429 or 529 pauses the bucket (for `Retry-After`, else a second).
 * Answers are parsed into per-container rate samples; failures come out typed. A refusal of what
 * burstlet's identity may read (a 401 not about the token, or `AuthorizationFailed`) is an {@link AuthorizationError}
 * naming `Microsoft.Insights/metrics/read` on the subscription, the action and scope the batch API
 * checks (see `METRICS_READ_ACTION`).
 */
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { type MetricsQueryResult, MetricsClient } from "@azure/monitor-query-metrics";
import { METRICS_READ_ACTION } from "../constants";
import { AuthorizationError, CredentialsRejectedError, ThrottledError, TransientError } from "../errors";
import type { RateSample } from "../usage/usage-book";
import { durationMs } from "../util/iso-duration";
import { TokenBucket } from "../util/token-bucket";

export const METRIC_NAMESPACE = "Microsoft.ContainerInstance/containerGroups";
/** Azure's limit of resources per batch call. */
export const MAX_BATCH = 50;
/** At most this many containers' series per group and metric (ACI's limit of containers per group). */
const TOP = 60;
const METRICS = { cpu: "CpuUsage", memory: "MemoryUsage" } as const;
/** The audience the metrics batch specification declares (the SDK would otherwise ask for ARM's). */
export const METRICS_AUDIENCE = "https://metrics.monitor.azure.com";

export interface MonitorBudget {
  readonly callsPerSecond: number;
  readonly burst: number;
}

export interface MonitorClientOptions {
  readonly credential: TokenCredential;
  /** e.g. `https://westeurope.metrics.monitor.azure.com` */
  readonly endpoint: string;
  readonly budget: MonitorBudget;
  /** Token audience; sovereign clouds have their own (e.g. `https://metrics.monitor.azure.cn`). @default METRICS_AUDIENCE */
  readonly audience?: string;
  readonly agent?: Agent;
  /** Called after every HTTP attempt (for metrics). */
  readonly onCall?: (call: { status: number | "error"; ms: number }) => void;
}

/** Container name → its samples, per container group resource ID (lower-cased). */
export type GroupSamples = Map<string, Map<string, RateSample[]>>;

export class MonitorClient {
  readonly calls: TokenBucket;
  readonly counts = { calls: 0, throttled: 0 };
  private readonly sdk: MetricsClient;

  constructor(private readonly options: MonitorClientOptions) {
    this.calls = new TokenBucket(options.budget.callsPerSecond, options.budget.burst);
    this.sdk = new MetricsClient(options.endpoint, options.credential, {
      audience: options.audience ?? METRICS_AUDIENCE,
      agent: options.agent,
      // One answer per cycle is enough: the next cycle asks again, so retries would only spend budget.
      retryOptions: { maxRetries: 0 },
      additionalPolicies: [{ policy: this.budgetPolicy(), position: "perRetry" }],
    });
  }

  /** CPU and memory samples of each group's containers over [from, to). At most {@link MAX_BATCH} groups. */
  async usage(resourceIds: readonly string[], from: Date, to: Date): Promise<GroupSamples> {
    if (resourceIds.length === 0) return new Map();
    if (resourceIds.length > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} resources per batch, got ${resourceIds.length}`);
    let results: MetricsQueryResult[];
    try {
      results = await this.sdk.queryResources([...resourceIds], [METRICS.cpu, METRICS.memory], METRIC_NAMESPACE, {
        startTime: from,
        endTime: to,
        aggregation: "average",
        filter: "containerName eq '*'",
        top: TOP,
      });
    } catch (err) {
      throw classifyMonitorError(err, subscriptionScope(resourceIds[0]));
    }
    return parseUsage(results);
  }

  private budgetPolicy(): PipelinePolicy {
    return {
      name: "burstletMonitorBudget",
      sendRequest: async (request, next) => {
        await this.calls.take();
        this.counts.calls++;
        const started = Date.now();
        try {
          const response = await next(request);
          if (response.status === 429 || response.status === 529) {
            this.counts.throttled++;
            const seconds = Number(response.headers.get("retry-after"));
            this.calls.pause(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 1_000);
          }
          this.options.onCall?.({ status: response.status, ms: Date.now() - started });
          return response;
        } catch (err) {
          this.options.onCall?.({ status: "error", ms: Date.now() - started });
          throw err;
        }
      },
    };
  }
}

/**
 * Batch results → samples per group and container. Metrics are told apart by their ID (the
 * name the SDK surfaces is the localized one); a metric that failed for a group (`errorCode`
 * other than `Success`, e.g. a group already gone) contributes nothing.
 */
export function parseUsage(results: readonly MetricsQueryResult[]): GroupSamples {
  const out: GroupSamples = new Map();
  for (const result of results) {
    const grainMs = durationMs(result.granularity);
    if (!result.resourceId || grainMs === undefined) continue;
    const containers = new Map<string, Map<number, { cpuMillicores?: number; memoryBytes?: number }>>();
    for (const metric of result.metrics) {
      if (metric.errorCode && metric.errorCode !== "Success") continue;
      const which = metric.id.endsWith(`/${METRICS.cpu}`) ? "cpuMillicores" : metric.id.endsWith(`/${METRICS.memory}`) ? "memoryBytes" : undefined;
      if (!which) continue;
      for (const ts of metric.timeseries) {
        const name = ts.metadatavalues?.find((m) => m.name?.toLowerCase() === "containername")?.value;
        if (!name) continue;
        let buckets = containers.get(name);
        if (!buckets) containers.set(name, (buckets = new Map<number, { cpuMillicores?: number; memoryBytes?: number }>()));
        for (const point of ts.data ?? []) {
          if (point.average === undefined || point.average === null) continue;
          const at = point.timeStamp.getTime();
          buckets.set(at, { ...buckets.get(at), [which]: point.average });
        }
      }
    }
    const samples = new Map<string, RateSample[]>();
    for (const [name, buckets] of containers) samples.set(name, [...buckets].map(([at, v]) => ({ at, grainMs, ...v })));
    out.set(result.resourceId.toLowerCase(), samples);
  }
  return out;
}

/** `/subscriptions/<id>` of a resource ID: the scope the batch API authorizes on. */
function subscriptionScope(resourceId: string): string {
  return /^\/subscriptions\/[^/]+/i.exec(resourceId)?.[0] ?? resourceId;
}

/** Codes of a 401 that is about the token itself, not about what its principal may read. */
const TOKEN_CODES = new Set(["AuthenticationFailed", "InvalidAuthenticationToken", "InvalidAuthenticationTokenAudience", "ExpiredAuthenticationToken", "InvalidAuthenticationTokenTenant"]);

export function classifyMonitorError(err: unknown, scope: string): Error {
  const e = err as { statusCode?: number; code?: string; message?: string; response?: { headers?: { get(n: string): string | undefined } } };
  const message = `Azure Monitor metrics batch: ${e.message ?? String(err)}`;
  if (e.statusCode === 429 || e.statusCode === 529) {
    const seconds = Number(e.response?.headers?.get("retry-after"));
    return new ThrottledError(message, Number.isFinite(seconds) ? seconds * 1000 : undefined);
  }
  // Azure documents a missing metrics read on the subscription as a 401, and a 403 as the
  // Microsoft.Insights provider not being registered there.
  const tokenProblem = e.code !== undefined && TOKEN_CODES.has(e.code);
  if ((e.statusCode === 401 && !tokenProblem) || e.code === "AuthorizationFailed") return new AuthorizationError(METRICS_READ_ACTION, scope, e.code ?? String(e.statusCode), { cause: err });
  if (e.statusCode === 401 || e.statusCode === 403) return new CredentialsRejectedError(message, undefined, { cause: err });
  return new TransientError(message, undefined, { cause: err });
}
