/**
 * The emulated Azure Monitor metrics batch API (`POST /subscriptions/{id}/metrics:getBatch`) for
 * `Microsoft.ContainerInstance/containerGroups`, transport-free: a parsed request in, a status and
 * body out, or an {@link ArmError}. Azure's rules, as its "migrate to the getBatch API" page gives
 * them: at most 50 resource IDs per call, all in the path's subscription, one region and one
 * resource type (the namespace); an unknown metric name is a 400. A resource that does not exist
 * gets its entry with each metric's `errorCode` set to `ResourceNotFound` and no time series.
 */
import { ArmError } from "../errors";
import type { StoredGroup } from "../render";
import { durationMs, isoDuration } from "../../../kubelet/src/util/iso-duration";
import { ACI_METRICS, type AciMetricName, type MetricTiming, type UsageSource, series } from "./usage";

export const METRIC_NAMESPACE = "Microsoft.ContainerInstance/containerGroups";
export const MAX_RESOURCES_PER_BATCH = 50;
/**
 * The emulator's throttle of the batch API. Azure publishes no number for it (its guidance is to
 * back off on 429 and 529); this default allows 12,000 calls an hour, the ARM metrics API's old
 * per-hour read budget, with a burst of 200.
 */
export const METRICS_DEFAULT_LIMIT = { burst: 200, perSecond: 12_000 / 3600 } as const;
const AGGREGATIONS = ["average", "minimum", "maximum", "total", "count"] as const;
type Aggregation = (typeof AGGREGATIONS)[number];
/** Without a time range the API answers the last hour. */
const DEFAULT_RANGE_MS = 3600_000;
const GB = 1e9;

export interface MetricsServiceConfig {
  readonly subscriptionId: string;
  readonly groups: () => readonly StoredGroup[];
  readonly timing: MetricTiming;
  readonly now?: () => number;
}

export interface BatchRequest {
  readonly subscriptionId: string;
  readonly query: URLSearchParams;
  readonly body: { readonly resourceids?: readonly string[] };
}

const badRequest = (message: string): ArmError => new ArmError(400, "BadRequest", message);

export class MetricsService {
  constructor(private readonly config: MetricsServiceConfig) {}

  batch(req: BatchRequest): { status: number; body: unknown } {
    const now = (this.config.now ?? Date.now)();
    const q = req.query;
    const namespace = q.get("metricnamespace") ?? "";
    if (namespace.toLowerCase() !== METRIC_NAMESPACE.toLowerCase()) throw badRequest(`Metric namespace '${namespace}' is not supported; the emulator serves '${METRIC_NAMESPACE}'.`);
    const names = (q.get("metricnames") ?? "").split(",").map((n) => n.trim()).filter(Boolean);
    const known = new Map(Object.keys(ACI_METRICS).map((n) => [n.toLowerCase(), n as AciMetricName]));
    const metrics = names.map((n) => known.get(n.toLowerCase()) ?? failMetric(n));
    const aggregations = parseAggregations(q.get("aggregation"));
    const grainMs = this.grainMs(q.get("interval"));
    const to = q.get("endtime") ? parseTime(q.get("endtime")!, "endtime") : now;
    const from = q.get("starttime") ? parseTime(q.get("starttime")!, "starttime") : to - DEFAULT_RANGE_MS;
    if (q.get("endtime") && !q.get("starttime")) throw badRequest("The starttime parameter is required when endtime is given.");
    if (from >= to) throw badRequest(`starttime ${new Date(from).toISOString()} must be before endtime ${new Date(to).toISOString()}.`);
    const split = parseFilter(q.get("filter"));
    const top = q.get("top") ? Number(q.get("top")) : 10;

    const ids = req.body.resourceids ?? [];
    if (ids.length === 0) throw badRequest("The request body must list at least one resource id in 'resourceids'.");
    if (ids.length > MAX_RESOURCES_PER_BATCH) throw badRequest(`A batch may query at most ${MAX_RESOURCES_PER_BATCH} resources; got ${ids.length}.`);
    const byId = new Map(this.config.groups().map((g) => [g.id.toLowerCase(), g]));
    const regions = new Set<string>();
    for (const id of ids) {
      const parsed = /^\/subscriptions\/([^/]+)\/resourceGroups\/[^/]+\/providers\/([^/]+\/[^/]+)\/[^/]+$/i.exec(id);
      if (!parsed) throw badRequest(`'${id}' is not a resource id.`);
      if (parsed[1].toLowerCase() !== req.subscriptionId.toLowerCase()) throw badRequest(`Resource '${id}' is not in subscription '${req.subscriptionId}': all resources of a batch must be in the subscription of the request.`);
      if (parsed[2].toLowerCase() !== METRIC_NAMESPACE.toLowerCase()) throw badRequest(`Resource '${id}' is not of type '${METRIC_NAMESPACE}': all resources of a batch must be of the metric namespace's type.`);
      const g = byId.get(id.toLowerCase());
      if (g) regions.add(g.location);
    }
    if (regions.size > 1) throw badRequest(`All resources of a batch must be in one region; got ${[...regions].join(", ")}.`);

    const interval = isoDuration(grainMs / 1000);
    const values = ids.map((id) => {
      const g = byId.get(id.toLowerCase());
      const value = metrics.map((metric) => {
        const head = { id: `${g?.id ?? id}/providers/Microsoft.Insights/metrics/${metric}`, type: "Microsoft.Insights/metrics", name: { value: metric, localizedValue: ACI_METRICS[metric].localized }, unit: ACI_METRICS[metric].unit };
        if (!g) return { ...head, timeseries: [], errorCode: "ResourceNotFound", errorMessage: `The resource '${id}' was not found.` };
        return { ...head, timeseries: timeseries(metric, g, split, top, aggregations, { from, to, grainMs }, this.config.timing, now), errorCode: "Success" };
      });
      return { starttime: new Date(from).toISOString(), endtime: new Date(to).toISOString(), interval, namespace: METRIC_NAMESPACE.toLowerCase(), resourceregion: g?.location ?? [...regions][0] ?? "", resourceid: g?.id ?? id, value };
    });
    return { status: 200, body: { values } };
  }

  /** The bucket size: the emulator's grain when no interval is asked, else a whole multiple of it. */
  private grainMs(interval: string | null): number {
    const grain = this.config.timing.grainSeconds * 1000;
    if (interval === null) return grain;
    const ms = durationMs(interval);
    if (ms === undefined || ms % grain !== 0) throw badRequest(`Invalid interval '${interval}': use an ISO 8601 duration that is a multiple of the metric's time grain ${isoDuration(grain / 1000)} (PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H).`);
    return ms;
  }
}

function failMetric(name: string): never {
  throw badRequest(`Failed to find metric configuration for provider: Microsoft.ContainerInstance, resource Type: containerGroups, metric: ${name}, Valid metrics: ${Object.keys(ACI_METRICS).join(",")}`);
}

function parseTime(value: string, name: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw badRequest(`The ${name} parameter '${value}' is not a date-time (yyyy-MM-ddTHH:mm:ss.fffZ).`);
  return t;
}

function parseAggregations(value: string | null): Aggregation[] {
  if (value === null) return ["average"];
  return value.split(",").map((a) => {
    const lower = a.trim().toLowerCase();
    if (!(AGGREGATIONS as readonly string[]).includes(lower)) throw badRequest(`Invalid aggregation '${a}': use ${AGGREGATIONS.join(", ")}.`);
    return lower as Aggregation;
  });
}

/** `containerName eq '*'` splits by container; `containerName eq 'a' or containerName eq 'b'` picks some. */
function parseFilter(filter: string | null): { readonly containers: "all" | ReadonlySet<string> } | undefined {
  if (filter === null || filter.trim() === "") return undefined;
  const picked = new Set<string>();
  for (const clause of filter.split(/\s+or\s+/i)) {
    const m = /^\s*containername\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!m) throw badRequest(`Invalid filter '${filter}': the emulator understands containerName eq '<name>' (or '*'), joined by 'or'.`);
    if (m[1] === "*") return { containers: "all" };
    picked.add(m[1]);
  }
  return { containers: picked };
}

function usageSources(g: StoredGroup): UsageSource[] {
  return g.runtime.containers.map((c) => {
    const spec = g.spec.properties.containers.find((s) => s.name === c.name)!.properties.resources;
    return { name: `${g.id}/${c.name}`, program: c.program, cpuCores: spec.limits?.cpu ?? spec.requests.cpu, memoryBytes: (spec.limits?.memoryInGB ?? spec.requests.memoryInGB) * GB, runs: c.runs };
  });
}

function timeseries(metric: AciMetricName, g: StoredGroup, split: ReturnType<typeof parseFilter>, top: number, aggregations: readonly Aggregation[], range: { from: number; to: number; grainMs: number }, timing: MetricTiming, now: number): unknown[] {
  const sources = usageSources(g);
  const render = (points: ReadonlyArray<{ timeStamp: number; value?: number }>): unknown[] =>
    points.map((p) => (p.value === undefined ? { timeStamp: new Date(p.timeStamp).toISOString() } : { timeStamp: new Date(p.timeStamp).toISOString(), ...Object.fromEntries(aggregations.map((a) => [a, a === "count" ? 1 : p.value])) }));
  if (split && ACI_METRICS[metric].perContainer) {
    const chosen = g.runtime.containers.map((c, i) => ({ name: c.name, source: sources[i] })).filter((c) => split.containers === "all" || split.containers.has(c.name));
    return chosen.slice(0, top).map((c) => ({ metadatavalues: [{ name: { value: "containername", localizedValue: "containername" }, value: c.name }], data: render(series(metric, c.source, range, timing, now)) }));
  }
  // Without a split the group's series is the sum over its containers.
  const all = sources.map((s) => series(metric, s, range, timing, now));
  const summed = (all[0] ?? []).map((p, i) => {
    const parts = all.map((s) => s[i].value).filter((v): v is number => v !== undefined);
    return parts.length === 0 ? { timeStamp: p.timeStamp } : { timeStamp: p.timeStamp, value: parts.reduce((a, b) => a + b, 0) };
  });
  return [{ data: render(summed) }];
}
