/**
 * What one run of a BurstJob is estimated to cost on ACI, as a pure function of its pods'
 * resources (as ACI allocates them, after rounding), its completions and parallelism, how long a
 * pod is billed for, its priority and a price table (`aci-prices.ts`). An ESTIMATE: the bill
 * counts each pod from its image pull to its end (`kubelet/src/aci/billing.ts`); burstlet writes
 * those figures on every finished pod.
 */
import { billedQuantities, type GroupResources } from "../kubelet/src/aci/billing";
import type { AciPriority } from "../kubelet/src/constants";
import { InvalidInputError } from "../kubelet/src/errors";
import { computeCost, computePrices, regionPrices, type PriceTable } from "./aci-prices";

export interface BurstCostInput {
  /** For error messages, e.g. `BurstJob "thumbnails"`. */
  readonly context: string;
  /** One pod's container group: the sum of its containers' requests after rounding. */
  readonly group: GroupResources;
  readonly completions: number;
  readonly parallelism: number;
  readonly priority: AciPriority;
  readonly region?: string;
  readonly priceTable?: PriceTable;
  /** Seconds one pod is billed for (image pull to end); none: no per-run figures. */
  readonly podSeconds?: number;
}

/** One run's billed compute and cost, and how long it takes in waves of `parallelism`. */
export interface RunCostEstimate {
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
  readonly cost: number;
  readonly wallClockSeconds: number;
}

export interface BurstCostEstimate {
  /** Always true: these are estimates from a price table, not Azure's bill. */
  readonly estimate: boolean;
  /** Always `USD`, the price table's currency. */
  readonly currency: string;
  readonly region: string;
  readonly priority: AciPriority;
  /** Where the prices come from. */
  readonly source: string;
  /** One pod's container group, as ACI allocates it. */
  readonly group: GroupResources;
  readonly perPodHour: number;
  /** While `parallelism` pods run at once. */
  readonly perHourAtParallelism: number;
  /** With `podSeconds`: one run. */
  readonly perRun?: RunCostEstimate;
}

export function estimateBurstCost(input: BurstCostInput): BurstCostEstimate {
  const field = (f: string): string => `${input.context}: ${f}`;
  if (input.podSeconds !== undefined && !(Number.isFinite(input.podSeconds) && input.podSeconds > 0)) {
    throw new InvalidInputError(field("estimatedPodSeconds"), `must be a number of seconds above 0, got ${input.podSeconds}`);
  }
  const table = regionPrices(input.region, input.priceTable, field("priceTable"));
  const prices = computePrices(table, input.priority);
  const perPodHour = computeCost(billedQuantities(input.group, 3600), prices);
  const estimate: BurstCostEstimate = {
    estimate: true,
    currency: "USD",
    region: input.region ?? "default",
    priority: input.priority,
    source: table.source,
    group: input.group,
    perPodHour,
    perHourAtParallelism: perPodHour * input.parallelism,
  };
  if (input.podSeconds === undefined) return estimate;
  const seconds = Math.ceil(input.podSeconds);
  const billed = billedQuantities(input.group, seconds * input.completions);
  return { ...estimate, perRun: { ...billed, cost: computeCost(billed, prices), wallClockSeconds: Math.ceil(input.completions / input.parallelism) * seconds } };
}
