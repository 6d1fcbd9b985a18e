/**
 * Regions and availability zones: which zones a region offers, its own quotas, and outages of a
 * region or of one zone. ACI's rules for zonal groups (Azure's "Reliability in Azure Container
 * Instances"): a group is pinned to one self-selected zone, set at the group level; zones exist in
 * most regions but not all; a group's zone cannot be changed (delete it and create it again). The
 * same page says GPU groups cannot be zonal, but the API specification's own create example pins a
 * GPU group to a zone, so the emulator does not refuse that pairing.
 */
import { armErrors } from "./errors";
import type { QuotaLimits } from "./catalog";
import type { WireContainerGroup } from "./wire";
import { normalizeLocation } from "./wire";

/** What the emulator knows of one region besides its name. */
export interface RegionOptions {
  /** Availability zones the region offers; `[]`: a region without zones. @default ["1", "2", "3"] */
  readonly zones?: readonly string[];
  /** The region's own quotas, over the emulator's. */
  readonly quotas?: Partial<QuotaLimits>;
}

/** A region (no `zone`) or one zone of it that is down: creates there, and for a region every call about it, answer 503. */
export interface PlacementOutage {
  readonly location: string;
  readonly zone?: string;
}

export const DEFAULT_ZONES: readonly string[] = ["1", "2", "3"];

export class Regions {
  private readonly byLocation: Map<string, RegionOptions>;

  constructor(regions: Readonly<Record<string, RegionOptions>>, private readonly quotas: QuotaLimits) {
    this.byLocation = new Map(Object.entries(regions).map(([l, r]) => [normalizeLocation(l), r]));
  }

  zonesOf(location: string): readonly string[] {
    return this.byLocation.get(location)?.zones ?? DEFAULT_ZONES;
  }

  quotasOf(location: string): QuotaLimits {
    return { ...this.quotas, ...this.byLocation.get(location)?.quotas };
  }

  /** Refuses what ACI refuses of a group's `zones` (`existing`: the group it would replace). */
  checkZones(group: WireContainerGroup, groupName: string, existingZones?: readonly string[]): void {
    const location = normalizeLocation(group.location ?? "");
    const zones = group.zones ?? [];
    if (JSON.stringify(existingZones ?? []) !== JSON.stringify(zones) && existingZones !== undefined) {
      // Emulator wording: the documented rule is that a zone cannot be changed in place.
      throw armErrors.badRequest("AvailabilityZoneCannotBeChanged", `The availability zone of container group '${groupName}' cannot be changed from '${existingZones.join(",") || "none"}' to '${zones.join(",") || "none"}'. Delete the container group and create it again.`, "zones");
    }
    if (zones.length === 0) return;
    if (zones.length > 1) throw armErrors.badRequest("MultipleZonesNotSupported", `Container group '${groupName}' may be pinned to one availability zone only, got ${zones.length}.`, "zones");
    const offered = this.zonesOf(location);
    if (offered.length === 0) throw armErrors.badRequest("AvailabilityZoneNotSupported", `The region '${location}' does not support availability zones for container groups.`, "zones");
    if (!offered.includes(zones[0])) throw armErrors.badRequest("InvalidAvailabilityZone", `The availability zone '${zones[0]}' is not available in region '${location}'. Available zones: '${offered.join(", ")}'.`, "zones");
  }
}

/** Whether a create into `location` (pinned to `zones`) falls in an outage. */
export function inOutage(outages: readonly PlacementOutage[], location: string, zones: readonly string[] = []): boolean {
  return outages.some((o) => normalizeLocation(o.location) === location && (o.zone === undefined || zones.includes(o.zone)));
}

/** Whether the whole region is down (reads about it fail too). */
export function regionDown(outages: readonly PlacementOutage[], location: string): boolean {
  return outages.some((o) => normalizeLocation(o.location) === location && o.zone === undefined);
}
