/**
 * ESTIMATED prices of ACI compute, and of machines kept running for comparison: a price table
 * keyed by region, for estimates only. Azure's bill is what counts; list prices change, differ by
 * region, currency and agreement (savings plans, enterprise discounts), and Spot prices vary.
 *
 * The default table has one entry, `default`, used for every region not listed:
 * - regular ACI Linux compute at the rates of ACI's own pricing example (pay-as-you-go, USD):
 *   $0.0000113 per vCPU-second and $0.0000012 per GB-second
 *   (https://azure.microsoft.com/pricing/details/container-instances/, "Pricing examples");
 * - Spot at the largest discount ACI documents, "up to a 70% discount compared to regular-priority
 *   ACI containers" (https://learn.microsoft.com/azure/container-instances/container-instances-spot-containers-overview),
 *   so a Spot estimate is a best case;
 * - the kept machine: a Standard_D4s_v5 (4 vCPU, 16 GiB), Linux pay-as-you-go at $0.192 an hour,
 *   the US list price of https://azure.microsoft.com/pricing/details/virtual-machines/linux/.
 * Give your regions' prices (`priceTable`) for figures that match your bill.
 */
import type { AciPriority } from "../kubelet/src/constants";
import { InvalidInputError } from "../kubelet/src/errors";

/** USD per vCPU-second and per GB-second of a container group's allocated resources. */
export interface ComputePrices {
  readonly vcpuSecond: number;
  readonly gbSecond: number;
}

/** A machine kept running, for comparison: its size and its hourly price (USD). */
export interface MachinePrice {
  readonly size: string;
  readonly vcpus: number;
  readonly memoryGB: number;
  readonly hourly: number;
}

export interface RegionPrices {
  readonly regular: ComputePrices;
  readonly spot: ComputePrices;
  readonly machine: MachinePrice;
  /** Where the figures come from; every default says "estimate". */
  readonly source: string;
}

/** Prices by region (ARM names, e.g. `westeurope`), with `default` for the others. */
export type PriceTable = Readonly<Record<string, RegionPrices>>;

const REGULAR: ComputePrices = { vcpuSecond: 0.0000113, gbSecond: 0.0000012 };
const SPOT_DISCOUNT = 0.7;

/** burstlet's estimates; see the module's documentation for their sources. */
export const DEFAULT_PRICE_TABLE: PriceTable = {
  default: {
    regular: REGULAR,
    spot: { vcpuSecond: REGULAR.vcpuSecond * (1 - SPOT_DISCOUNT), gbSecond: REGULAR.gbSecond * (1 - SPOT_DISCOUNT) },
    machine: { size: "Standard_D4s_v5", vcpus: 4, memoryGB: 16, hourly: 0.192 },
    source: "estimate: ACI's pricing example rates (USD, pay-as-you-go), Spot at its documented best discount of 70%, a Standard_D4s_v5 at its US list price",
  },
};

/** The prices of `region` in `table`, else its `default`; every price is checked. */
export function regionPrices(region: string | undefined, table: PriceTable = DEFAULT_PRICE_TABLE, field = "priceTable"): RegionPrices {
  const key = (region ?? "").toLowerCase().replace(/\s+/g, "");
  const prices = table[key] ?? table.default;
  if (!prices) throw new InvalidInputError(field, `has no prices for region "${region ?? ""}" and no "default" entry; add one of them`);
  const at = `${field}.${table[key] ? key : "default"}`;
  const positive = (name: string, value: number): void => {
    if (!(Number.isFinite(value) && value >= 0)) throw new InvalidInputError(`${at}.${name}`, `must be a price of at least 0, got ${value}`);
  };
  for (const kind of ["regular", "spot"] as const) {
    positive(`${kind}.vcpuSecond`, prices[kind].vcpuSecond);
    positive(`${kind}.gbSecond`, prices[kind].gbSecond);
  }
  positive("machine.hourly", prices.machine.hourly);
  if (!(prices.machine.vcpus > 0 && prices.machine.memoryGB > 0)) throw new InvalidInputError(`${at}.machine`, "needs vcpus and memoryGB above 0");
  return prices;
}

/** The compute prices of a priority. */
export function computePrices(prices: RegionPrices, priority: AciPriority = "Regular"): ComputePrices {
  return priority === "Spot" ? prices.spot : prices.regular;
}

/** USD for billed vCPU-seconds and GB-seconds. */
export function computeCost(billed: { readonly vcpuSeconds: number; readonly gbSeconds: number }, prices: ComputePrices): number {
  return billed.vcpuSeconds * prices.vcpuSecond + billed.gbSeconds * prices.gbSecond;
}

/**
 * Machines kept running that hold `peak` (cores and GB in use at once) for `hours`: how many of
 * `machine` it takes, and what they cost.
 */
export function keptMachinesCost(peak: { readonly cpu: number; readonly memoryGB: number }, hours: number, machine: MachinePrice): { machines: number; cost: number } {
  const machines = Math.max(1, Math.ceil(peak.cpu / machine.vcpus - 1e-9), Math.ceil(peak.memoryGB / machine.memoryGB - 1e-9));
  return { machines, cost: machines * machine.hourly * hours };
}

/** Rounds USD for display: cents from a dollar up, else four significant digits. */
export function formatUsd(amount: number): string {
  return amount >= 1 ? `$${amount.toFixed(2)}` : `$${amount.toPrecision(4)}`;
}
