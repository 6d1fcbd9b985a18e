/**
 * What the burst cost, for the demo's summary: the vCPU-seconds and GB-seconds burstlet wrote on the
 * burst's finished pods (`burstlet.io/billed-*` annotations), priced with the components' price table,
 * next to machines that could hold the burst's peak kept running for a day. ESTIMATES, from
 * `components/aci-prices.ts`. The emulator runs faster than real time; its figures are scaled back
 * (÷ the time scale) to what the same work would be billed on ACI.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { computeCost, computePrices, keptMachinesCost, regionPrices, type PriceTable } from "../components/aci-prices";
import { allocatedResources } from "../kubelet/src/aci/billing";
import { Problems } from "../kubelet/src/aci/problems";
import { translateResources } from "../kubelet/src/aci/resources";
import { BILLED_GB_SECONDS_ANNOTATION, BILLED_VCPU_SECONDS_ANNOTATION } from "../kubelet/src/constants";

/** Machines kept running all day for a burst that comes once a day. */
export const KEPT_HOURS = 24;

export interface BurstCost {
  /** Pods that carried billed compute. */
  readonly billedPods: number;
  /** In real time (the sandbox's figures ÷ its time scale). */
  readonly vcpuSeconds: number;
  readonly gbSeconds: number;
  /** USD, estimated. */
  readonly cost: number;
  readonly kept: { readonly machines: number; readonly size: string; readonly hours: number; readonly cost: number };
  readonly timeScale: number;
  readonly source: string;
}

export function burstCost(pods: readonly V1Pod[], peakGroups: number, options: { readonly timeScale: number; readonly region?: string; readonly priceTable?: PriceTable }): BurstCost | undefined {
  const billed = pods.filter((p) => p.metadata?.annotations?.[BILLED_VCPU_SECONDS_ANNOTATION] !== undefined);
  if (billed.length === 0) return undefined;
  const sum = (key: string): number => billed.reduce((n, p) => n + Number(p.metadata?.annotations?.[key] ?? 0), 0) / options.timeScale;
  const vcpuSeconds = sum(BILLED_VCPU_SECONDS_ANNOTATION);
  const gbSeconds = sum(BILLED_GB_SECONDS_ANNOTATION);
  const table = regionPrices(options.region, options.priceTable);
  const perPod = allocatedResources({ containers: translateResources(billed[0].spec?.containers ?? [], new Problems()).map((resources) => ({ name: "", image: "", resources })) });
  const peak = { cpu: perPod.cpu * peakGroups, memoryGB: perPod.memoryGB * peakGroups };
  const kept = keptMachinesCost(peak, KEPT_HOURS, table.machine);
  return {
    billedPods: billed.length,
    vcpuSeconds,
    gbSeconds,
    cost: computeCost({ vcpuSeconds, gbSeconds }, computePrices(table)),
    kept: { ...kept, size: table.machine.size, hours: KEPT_HOURS },
    timeScale: options.timeScale,
    source: table.source,
  };
}
