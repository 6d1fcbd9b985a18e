/**
 * Which virtual nodes a `VirtualNode` runs, as a pure function: one per ACI placement (a region, or
 * one availability zone of it), each its own burstlet process with its own node name, zone,
 * share of the region's quota and capacity, ACI subnet and (optionally) resource group. The inputs are checked
 * here, with errors that name the field.
 */
import type * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../kubelet/src/errors";
import { DEFAULT_ARM_BUDGET, DEFAULT_STEADY_STATUS } from "../kubelet/src/settings";
import type { BurstletTuning } from "./virtual-node-spec";

/** A region the virtual node bursts into besides its `location`. */
export interface VirtualNodeRegion {
  /** Azure region, e.g. `northeurope`. */
  readonly location: string;
  /** Availability zones of the region, one node each (e.g. `["1", "2", "3"]`). @default none: one node for the region, ACI picks the zone */
  readonly zones?: string[];
  /**
   * A subnet delegated to `Microsoft.ContainerInstance/containerGroups` in a VNet of this region
   * (a subnet serves its own region only). Required when the virtual node uses a VNet (`subnetId`).
   * @default no VNet
   */
  readonly subnetId?: pulumi.Input<string>;
}

/** What the node of one placement advertises: the region's capacity, shared evenly by its zones. */
export interface PlacementCapacity {
  readonly pods?: number;
  readonly cpu?: number;
  readonly memoryGiB?: number;
}

export interface PlacementInput {
  /** For error messages, e.g. `VirtualNode "burst"`. */
  readonly context: string;
  /** The node name of a single placement, and the prefix of every node name when there are several. */
  readonly nodeName: string;
  readonly location: pulumi.Input<string>;
  readonly zones?: readonly string[];
  readonly subnetId?: pulumi.Input<string>;
  readonly regions?: readonly VirtualNodeRegion[];
  /** Per region; split across its zones. */
  readonly capacity?: PlacementCapacity;
  /** A resource group of its own for some placements, by key (`westeurope-1`, `northeurope`). */
  readonly placementResourceGroups?: Readonly<Record<string, pulumi.Input<string>>>;
}

export interface VirtualNodePlacement {
  /** `<location>-<zone>`, or `<location>`; empty for the only placement of a node without zones or regions. */
  readonly key: string;
  readonly nodeName: string;
  readonly location: pulumi.Input<string>;
  readonly zone?: string;
  /** The share of the region's ACI quota this node offers; undefined for the whole of it. */
  readonly quotaShare?: number;
  readonly capacity?: PlacementCapacity;
  readonly subnetId?: pulumi.Input<string>;
  /** Its own resource group, when `placementResourceGroups` names one. */
  readonly resourceGroupName?: pulumi.Input<string>;
}

/** A DNS subdomain of at most 63 characters: what a node name must be. */
export const NODE_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
const LOCATION_PATTERN = /^[a-z][a-z0-9]*$/;
const ZONE_PATTERN = /^[1-9][0-9]?$/;

/**
 * One placement per zone of `location` (or one for `location` itself), then per zone of each
 * region (or one per region). A single placement keeps `nodeName` as it is; with several, each node
 * is `<nodeName>-<key>`.
 */
export function planPlacements(input: PlacementInput): VirtualNodePlacement[] {
  const field = (f: string): string => `${input.context}: ${f}`;
  const homeZones = checkZones(input.zones, field("zones"));
  const regions = input.regions ?? [];
  const homeLocation = typeof input.location === "string" ? input.location : undefined;
  if ((regions.length > 0 || homeZones !== undefined) && (homeLocation === undefined || !LOCATION_PATTERN.test(homeLocation))) {
    throw new InvalidInputError(field("location"), `must be a plain Azure region name as ARM spells it (e.g. "westeurope") when \`zones\` or \`regions\` is given: it names the nodes, got ${JSON.stringify(homeLocation ?? "an output")}`);
  }
  const seen = new Set([homeLocation]);
  regions.forEach((r, i) => {
    const at = `regions[${i}]`;
    if (!LOCATION_PATTERN.test(r.location ?? "")) {
      throw new InvalidInputError(field(`${at}.location`), `must be an Azure region name as ARM spells it (lowercase letters and digits, e.g. "northeurope"), got ${JSON.stringify(r.location)}`);
    }
    if (seen.has(r.location)) throw new InvalidInputError(field(`${at}.location`), `"${r.location}" is listed twice (the home region is \`location\`); give each region once`);
    seen.add(r.location);
    if (input.subnetId !== undefined && r.subnetId === undefined) {
      throw new InvalidInputError(field(`${at}.subnetId`), `the virtual node uses a VNet (\`subnetId\`) and a subnet serves its own region only: give a subnet of a VNet in ${r.location}, delegated to Microsoft.ContainerInstance/containerGroups, for ACI there`);
    }
    checkZones(r.zones, field(`${at}.zones`));
  });

  const single = homeZones === undefined && regions.length === 0;
  const planned: Omit<VirtualNodePlacement, "resourceGroupName">[] = [];
  const add = (location: pulumi.Input<string>, locationName: string, zones: readonly string[] | undefined, subnetId: pulumi.Input<string> | undefined): void => {
    const share = zones === undefined ? 1 : 1 / zones.length;
    const capacity = splitCapacity(input.capacity, share);
    for (const zone of zones ?? [undefined]) {
      const key = single ? "" : zone === undefined ? locationName : `${locationName}-${zone}`;
      const nodeName = single ? input.nodeName : `${input.nodeName}-${key}`;
      if (!NODE_NAME_PATTERN.test(nodeName)) {
        throw new InvalidInputError(field("nodeName"), `the node of ${key} would be named "${nodeName}", which is not a DNS name of at most 63 characters; choose a shorter nodeName`);
      }
      planned.push({ key, nodeName, location, zone, quotaShare: share < 1 ? Number(share.toFixed(4)) : undefined, capacity, subnetId });
    }
  };
  add(input.location, homeLocation ?? "", homeZones, input.subnetId);
  for (const r of regions) add(r.location, r.location, r.zones, r.subnetId);

  const groups = input.placementResourceGroups ?? {};
  const keys = new Set(planned.map((p) => p.key));
  for (const key of Object.keys(groups)) {
    if (!keys.has(key)) throw new InvalidInputError(field(`placementResourceGroups.${key}`), `is no placement of this virtual node; its placements are ${[...keys].map((k) => `"${k}"`).join(", ")}`);
  }
  return planned.map((p) => (groups[p.key] === undefined ? p : { ...p, resourceGroupName: groups[p.key] }));
}

function checkZones(zones: readonly string[] | undefined, field: string): readonly string[] | undefined {
  if (zones === undefined) return undefined;
  if (zones.length === 0) throw new InvalidInputError(field, "is empty: list the availability zones to run a node in (e.g. [\"1\", \"2\", \"3\"]), or leave it out for one node in the region");
  const bad = zones.find((z) => !ZONE_PATTERN.test(z));
  if (bad !== undefined) throw new InvalidInputError(field, `"${bad}" is not an availability zone; ACI names zones by number ("1", "2", "3")`);
  if (new Set(zones).size !== zones.length) throw new InvalidInputError(field, `lists a zone twice: ${JSON.stringify(zones)}`);
  return zones;
}

/** A region's capacity split evenly across its zones' nodes (pods and cores rounded down, at least 1). */
function splitCapacity(capacity: PlacementCapacity | undefined, share: number): PlacementCapacity | undefined {
  if (capacity === undefined || share === 1) return capacity;
  const part = (n: number | undefined, whole: boolean): number | undefined => {
    if (n === undefined) return undefined;
    const value = n * share;
    return whole ? Math.max(1, Math.floor(value)) : Math.max(0.1, Math.floor(value * 10) / 10);
  };
  return { pods: part(capacity.pods, true), cpu: part(capacity.cpu, false), memoryGiB: part(capacity.memoryGiB, false) };
}

/**
 * The ARM budgets and the cap on steady status reads (given, or the kubelet's defaults) split
 * evenly across `nodes` that share one identity: ARM's limits are per principal, so N nodes at the
 * defaults would together read and write N times what one may.
 */
export function splitArmBudget(tuning: BurstletTuning | undefined, nodes: number): BurstletTuning | undefined {
  if (nodes === 1) return tuning;
  const rate = (n: number): number => Math.max(0.01, Math.floor((n / nodes) * 100) / 100);
  const burst = (n: number): number => Math.max(1, Math.floor(n / nodes));
  return {
    ...tuning,
    armReadsPerSecond: rate(tuning?.armReadsPerSecond ?? DEFAULT_ARM_BUDGET.readsPerSecond),
    armReadBurst: burst(tuning?.armReadBurst ?? DEFAULT_ARM_BUDGET.readBurst),
    armWritesPerSecond: rate(tuning?.armWritesPerSecond ?? DEFAULT_ARM_BUDGET.writesPerSecond),
    armWriteBurst: burst(tuning?.armWriteBurst ?? DEFAULT_ARM_BUDGET.writeBurst),
    statusSteadyReadsPerSecond: rate(tuning?.statusSteadyReadsPerSecond ?? DEFAULT_STEADY_STATUS.readsPerSecond),
  };
}
