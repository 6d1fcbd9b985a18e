/**
 * Read-only catalogue answers: location usages (quota), capabilities, cached images and the
 * provider's operation list. Pure functions of the emulator's configuration and current usage.
 */
import type { GroupBounds } from "./validation";

/** Regional quotas; `null` is unlimited. Defaults are ACI's: 100 container groups, 100 standard cores. */
export interface QuotaLimits {
  readonly containerGroups: number | null;
  readonly standardCores: number | null;
}

export const DEFAULT_QUOTAS: QuotaLimits = { containerGroups: 100, standardCores: 100 };

/** `Usage.limit` is an int32; an unlimited quota is reported as its largest value. */
const INT32_MAX = 2147483647;

export interface RegionUsage {
  groups: number;
  cores: number;
}

export function usages(subscriptionId: string, location: string, quotas: QuotaLimits, usage: RegionUsage): Record<string, unknown> {
  const base = `/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${location}/usages`;
  const entry = (value: string, localizedValue: string, currentValue: number, limit: number | null): Record<string, unknown> => ({
    id: `${base}/${value}`,
    unit: "Count",
    currentValue: Math.ceil(currentValue),
    limit: limit ?? INT32_MAX,
    name: { value, localizedValue },
  });
  return {
    value: [
      entry("ContainerGroups", "Container Groups", usage.groups, quotas.containerGroups),
      entry("StandardCores", "Standard Cores", usage.cores, quotas.standardCores),
      entry("StandardK80Cores", "Standard K80 Cores", 0, 0),
      entry("StandardP100Cores", "Standard P100 Cores", 0, 0),
      entry("StandardV100Cores", "Standard V100 Cores", 0, 0),
    ],
  };
}

export function capabilities(location: string, bounds: GroupBounds): Record<string, unknown> {
  const value = ["Linux", "Windows"].flatMap((osType) =>
    ["Public", "Private"].map((ipAddressType) => ({
      resourceType: "containerGroups",
      osType,
      location,
      ipAddressType,
      gpu: "None",
      capabilities: { maxMemoryInGB: bounds.maxMemoryInGB, maxCpu: bounds.maxCpu, maxGpuCount: 0 },
    })),
  );
  return { value };
}

export function cachedImages(): Record<string, unknown> {
  return {
    value: [
      { osType: "Linux", image: "mcr.microsoft.com/azuredocs/aci-helloworld:latest" },
      { osType: "Linux", image: "busybox:latest" },
      { osType: "Windows", image: "mcr.microsoft.com/windows/servercore:ltsc2022" },
    ],
  };
}

const OPERATIONS: ReadonlyArray<readonly [string, string, string]> = [
  ["Microsoft.ContainerInstance/containerGroups/read", "Container Group", "Get Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/write", "Container Group", "Create or Update Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/delete", "Container Group", "Delete Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/restart/action", "Container Group", "Restart Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/stop/action", "Container Group", "Stop Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/start/action", "Container Group", "Start Container Group"],
  ["Microsoft.ContainerInstance/containerGroups/containers/logs/read", "Container", "Get Container Logs"],
  ["Microsoft.ContainerInstance/containerGroups/containers/exec/action", "Container", "Exec into Container"],
  ["Microsoft.ContainerInstance/containerGroups/containers/attach/action", "Container", "Attach to Container"],
  ["Microsoft.ContainerInstance/locations/usages/read", "Usage", "Get Usage"],
];

export function operationsList(): Record<string, unknown> {
  return {
    value: OPERATIONS.map(([name, resource, operation]) => ({
      name,
      display: { provider: "Microsoft Container Instance", resource, operation, description: operation },
      origin: "User",
    })),
  };
}
