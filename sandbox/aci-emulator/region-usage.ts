/**
 * What each region's container groups use of its quotas (groups and cores), and the refusal of a
 * create that would go past them (`quotaReached`, as ACI answers).
 */
import type { RegionUsage } from "./catalog";
import { armErrors } from "./errors";
import type { Regions } from "./placement";

export class RegionUsages {
  private readonly usage = new Map<string, RegionUsage>();

  constructor(private readonly regions: Regions) {}

  of(location: string): RegionUsage {
    let u = this.usage.get(location);
    if (!u) {
      u = { groups: 0, cores: 0 };
      this.usage.set(location, u);
    }
    return u;
  }

  /** Throws the quota error a create of one more group of `cores` in `location` would get. */
  check(location: string, cores: number): void {
    const u = this.of(location);
    const { containerGroups, standardCores } = this.regions.quotasOf(location);
    if (containerGroups !== null && u.groups + 1 > containerGroups) throw armErrors.quotaReached("ContainerGroups", location, containerGroups, u.groups, 1);
    if (standardCores !== null && u.cores + cores > standardCores) throw armErrors.quotaReached("StandardCores", location, standardCores, round2(u.cores), cores);
  }

  add(group: { readonly location: string; readonly cores: number }): void {
    const u = this.of(group.location);
    u.groups += 1;
    u.cores += group.cores;
  }

  remove(group: { readonly location: string; readonly cores: number }): void {
    const u = this.of(group.location);
    u.groups -= 1;
    u.cores = round2(u.cores - group.cores);
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
