/**
 * Spot container groups (`properties.priority: "Spot"`): what ACI refuses of them, and their
 * eviction.
 *
 * Refusals, from ACI's documentation:
 * - the codes ACI documents for Spot creates
 *   (https://learn.microsoft.com/troubleshoot/azure/azure-container-instances/configuration-setup/error-codes-spot-container-creation):
 *   `SpotPriorityContainerGroupNotSupportedForInboundConnectivity` (any network property: a public
 *   or private IP, a subnet; "Remove the network-related properties from the request"),
 *   `SpotPriorityContainerGroupNotSupportedInSku` (a SKU other than Standard),
 *   `SpotPriorityContainerGroupWithGPUResourcesNotSupported`, and `PriorityNotSpecified` for a
 *   priority other than Regular or Spot;
 * - limits ACI documents without a code, refused with codes of the emulator's own:
 *   no zone pinning (https://learn.microsoft.com/azure/container-instances/container-instances-spot-containers-overview,
 *   `SpotPriorityContainerGroupNotSupportedWithAvailabilityZones`), only East US 2, West Europe
 *   and West US, and at most 4 vCPU and 16 GB per group
 *   (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits,
 *   "Spot Container Resources"; `SpotPriorityContainerGroupNotSupportedInRegion`,
 *   `SpotPriorityContainerGroupResourcesExceeded`).
 *
 * Eviction: "If an eviction occurs, the container groups hosting the customer workloads are
 * automatically restarted" (the overview above). ACI does not document how an eviction shows in
 * the instance view; the emulator kills every container (exit code 137, detail status `Evicted`),
 * adds a Warning event `SpotEviction` to the group and provisions it again, as a restart.
 */
import { armErrors } from "./errors";
import type { WireContainerGroup } from "./wire";
import { normalizeLocation } from "./wire";

export const SPOT_REGIONS: readonly string[] = ["eastus2", "westeurope", "westus"];
const SPOT_MAX = { cpu: 4, memoryInGB: 16 } as const;

/** The detail status and group event an eviction leaves (the emulator's; ACI documents none). */
export const EVICTED_DETAIL = "Evicted";
export const EVICTION_EVENT = "SpotEviction";

/** Refuses what ACI refuses of a group's priority. */
export function checkPriority(group: WireContainerGroup, groupName: string): void {
  const props = group.properties;
  const priority = props.priority;
  if (priority === undefined || priority === "Regular") return;
  if (priority !== "Spot") throw armErrors.badRequest("PriorityNotSpecified", `The 'Priority' must be one of 'Regular,Spot' for container group '${groupName}'.`, "properties.priority");
  if (props.ipAddress !== undefined || (props.subnetIds?.length ?? 0) > 0) {
    throw armErrors.badRequest("SpotPriorityContainerGroupNotSupportedForInboundConnectivity", "Spot Priority is not supported for container groups with inbound connectivity.", "properties");
  }
  const sku = typeof props.sku === "string" ? props.sku : "Standard";
  if (sku !== "Standard") throw armErrors.badRequest("SpotPriorityContainerGroupNotSupportedInSku", `Spot Priority Container Group is not supported in '${sku}' Sku.`, "properties.sku");
  const gpu = props.containers.some((c) => c.properties.resources.requests.gpu !== undefined || c.properties.resources.limits?.gpu !== undefined);
  if (gpu) throw armErrors.badRequest("SpotPriorityContainerGroupWithGPUResourcesNotSupported", "Spot Priority Container Groups that include containers requesting GPU resources are not supported.", "properties.containers");
  if ((group.zones?.length ?? 0) > 0) throw armErrors.badRequest("SpotPriorityContainerGroupNotSupportedWithAvailabilityZones", `Spot Priority container group '${groupName}' cannot be pinned to an availability zone.`, "zones");
  const location = normalizeLocation(group.location ?? "");
  if (!SPOT_REGIONS.includes(location)) throw armErrors.badRequest("SpotPriorityContainerGroupNotSupportedInRegion", `Spot Priority container groups are not available in region '${location}'. Available regions: '${SPOT_REGIONS.join(", ")}'.`, "location");
  const cpu = props.containers.reduce((sum, c) => sum + c.properties.resources.requests.cpu, 0);
  const memory = props.containers.reduce((sum, c) => sum + c.properties.resources.requests.memoryInGB, 0);
  if (cpu > SPOT_MAX.cpu + 1e-9 || memory > SPOT_MAX.memoryInGB + 1e-9) {
    throw armErrors.badRequest("SpotPriorityContainerGroupResourcesExceeded", `Spot Priority container group '${groupName}' requests ${cpu} CPU and ${memory} GB; at most ${SPOT_MAX.cpu} CPU and ${SPOT_MAX.memoryInGB} GB are available.`, "properties.containers");
  }
}
