/**
 * Fault injection, changeable at runtime (in process, or as JSON over the control endpoint).
 * Applies to ARM operations only, never to the token or control endpoints.
 */

export interface FaultSettings {
  /** Added latency in milliseconds for every operation. @default 0 */
  latencyMs: number;
  /** Added latency per operationId (e.g. `ContainerGroups_CreateOrUpdate`), on top of `latencyMs`. */
  latencyByOperation: Record<string, number>;
  /** Fraction (0..1) of requests answered with a 5xx instead of being served. @default 0 */
  errorRate: number;
  /** Status used for injected errors: 500 (`InternalServerError`) or 503 (`ServiceUnavailable`). @default 500 */
  errorStatus: 500 | 503;
  /** The next N requests are answered with `errorStatus` (deterministic 5xx). @default 0 */
  failNextRequests: number;
  /** Fraction (0..1) of requests whose connection is dropped without an answer (not served). @default 0 */
  dropRate: number;
  /** The next N creates are served (the group is created) but their response is dropped. @default 0 */
  dropNextCreateResponses: number;
  /** During [start, end) (epoch ms), every request is answered 503 (`mode: "error"`) or dropped. */
  outage: { start: number; end: number; mode: "error" | "drop" } | null;
  /** Extra real milliseconds before each provisioning proceeds past `Pending`. @default 0 */
  slowProvisioningMs: number;
  /** Fraction (0..1) of write and delete requests answered 429 `SubscriptionRequestsThrottled`. @default 0 */
  throttleWriteRate: number;
  /** Fraction (0..1) of read requests answered 429 `SubscriptionRequestsThrottled`. @default 0 */
  throttleReadRate: number;
  /** `Retry-After` of those 429 answers (writes and reads), in seconds. @default 1 */
  throttleRetryAfterSeconds: number;
  /**
   * Regions or zones that are down: creates there answer 503 `ServiceUnavailable`; for a whole
   * region, reads of its usages and of its groups too. Other regions and zones are served. @default []
   */
  placementOutages: PlacementOutageFault[];
}

export const NO_FAULTS: Readonly<FaultSettings> = Object.freeze({
  latencyMs: 0,
  latencyByOperation: {},
  errorRate: 0,
  errorStatus: 500,
  failNextRequests: 0,
  dropRate: 0,
  dropNextCreateResponses: 0,
  outage: null,
  slowProvisioningMs: 0,
  throttleWriteRate: 0,
  throttleReadRate: 0,
  throttleRetryAfterSeconds: 1,
  placementOutages: [],
});

/** What to do with a request before serving it. */
export type FaultDecision =
  | { readonly kind: "serve"; readonly delayMs: number }
  | { readonly kind: "throttle"; readonly of: "read" | "write" | "delete"; readonly retryAfterSeconds: number; readonly delayMs: number }
  | { readonly kind: "error"; readonly status: 500 | 503; readonly delayMs: number }
  | { readonly kind: "drop"; readonly delayMs: number };

/** A region, or one zone of it, that is down (see `placement.ts`). */
export interface PlacementOutageFault {
  readonly location: string;
  readonly zone?: string;
}

/** The live fault settings of one emulator. */
export class Faults {
  private settings: FaultSettings = clone(NO_FAULTS);

  constructor(private readonly random: () => number) {}

  /** Current settings (a copy). */
  get(): FaultSettings {
    return clone(this.settings);
  }

  /** Merges `patch` into the current settings; validates ranges. */
  set(patch: Partial<FaultSettings>): FaultSettings {
    const next = { ...this.settings, ...patch };
    for (const key of ["errorRate", "dropRate", "throttleWriteRate", "throttleReadRate"] as const) {
      if (!(next[key] >= 0 && next[key] <= 1)) throw new RangeError(`faults.${key} must be between 0 and 1, got ${String(next[key])}`);
    }
    for (const key of ["latencyMs", "slowProvisioningMs", "dropNextCreateResponses", "failNextRequests", "throttleRetryAfterSeconds"] as const) {
      if (!(next[key] >= 0)) throw new RangeError(`faults.${key} must be >= 0, got ${String(next[key])}`);
    }
    if (!Array.isArray(next.placementOutages) || next.placementOutages.some((o) => typeof o?.location !== "string" || (o.zone !== undefined && typeof o.zone !== "string"))) {
      throw new RangeError("faults.placementOutages must be a list of { location, zone? }");
    }
    if (next.errorStatus !== 500 && next.errorStatus !== 503) throw new RangeError(`faults.errorStatus must be 500 or 503`);
    this.settings = clone(next);
    return this.get();
  }

  /** Back to no faults. */
  clear(): void {
    this.settings = clone(NO_FAULTS);
  }

  /** An outage starting now (or after `startInMs`) lasting `durationMs`. */
  outage(durationMs: number, options: { startInMs?: number; mode?: "error" | "drop" } = {}): void {
    const start = Date.now() + (options.startInMs ?? 0);
    this.set({ outage: { start, end: start + durationMs, mode: options.mode ?? "error" } });
  }

  /** Decides the fate of one request for `operationId` (of `kind`, as ARM counts it). */
  decide(operationId: string, kind?: "read" | "write" | "delete"): FaultDecision {
    const s = this.settings;
    const delayMs = s.latencyMs + (s.latencyByOperation[operationId] ?? 0);
    const now = Date.now();
    if (s.outage && now >= s.outage.start && now < s.outage.end) return s.outage.mode === "drop" ? { kind: "drop", delayMs } : { kind: "error", status: 503, delayMs };
    if (s.failNextRequests > 0) {
      s.failNextRequests -= 1;
      return { kind: "error", status: s.errorStatus, delayMs };
    }
    if (s.dropRate > 0 && this.random() < s.dropRate) return { kind: "drop", delayMs };
    if (s.errorRate > 0 && this.random() < s.errorRate) return { kind: "error", status: s.errorStatus, delayMs };
    if ((kind === "write" || kind === "delete") && s.throttleWriteRate > 0 && this.random() < s.throttleWriteRate) return { kind: "throttle", of: kind, retryAfterSeconds: s.throttleRetryAfterSeconds, delayMs };
    if (kind === "read" && s.throttleReadRate > 0 && this.random() < s.throttleReadRate) return { kind: "throttle", of: kind, retryAfterSeconds: s.throttleRetryAfterSeconds, delayMs };
    return { kind: "serve", delayMs };
  }

  /** True (and consumes one) if the response of this create should be dropped after serving it. */
  takeCreateResponseDrop(): boolean {
    if (this.settings.dropNextCreateResponses <= 0) return false;
    this.settings.dropNextCreateResponses -= 1;
    return true;
  }

  /** The regions and zones that are down now. */
  placementOutages(): readonly PlacementOutageFault[] {
    return this.settings.placementOutages;
  }

  slowProvisioningMs(): number {
    return this.settings.slowProvisioningMs;
  }
}

function clone(s: Readonly<FaultSettings>): FaultSettings {
  return { ...s, latencyByOperation: { ...s.latencyByOperation }, outage: s.outage ? { ...s.outage } : null, placementOutages: s.placementOutages.map((o) => ({ ...o })) };
}
