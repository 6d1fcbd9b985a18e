/**
 * Which RBAC action each ACI operation needs, at which scope (the resource the request addresses),
 * and the linked-resource actions a container group's body implies: joining each subnet it names
 * and assigning each user-assigned identity it carries. Action names are those of the
 * `Microsoft.ContainerInstance` resource provider's operations list ("Azure permissions for
 * Containers" in Azure's RBAC documentation).
 */
import type { Permission, RequiredPermissions } from "./authorization";
import type { WireContainerGroup } from "./wire";

const CI = "Microsoft.ContainerInstance";
export const SUBNET_JOIN_ACTION = "Microsoft.Network/virtualNetworks/subnets/join/action";
export const IDENTITY_ASSIGN_ACTION = "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action";

/** What the operation needs, or undefined for operations ARM does not authorize (the provider's operations list). */
export function requiredPermissions(operationId: string, params: Readonly<Record<string, string>>, body: unknown): RequiredPermissions | undefined {
  const sub = `/subscriptions/${params.subscriptionId ?? ""}`;
  const rg = `${sub}/resourceGroups/${params.resourceGroupName ?? ""}`;
  const group = `${rg}/providers/${CI}/containerGroups/${params.containerGroupName ?? ""}`;
  const container = `${group}/containers/${params.containerName ?? ""}`;
  const location = `${sub}/providers/${CI}/locations/${params.location ?? ""}`;
  const only = (action: string, scope: string): RequiredPermissions => ({ primary: { action: `${CI}/${action}`, scope }, linked: [] });
  switch (operationId) {
    case "ContainerGroups_List":
      return only("containerGroups/read", sub);
    case "ContainerGroups_ListByResourceGroup":
      return only("containerGroups/read", rg);
    case "ContainerGroups_Get":
      return only("containerGroups/read", group);
    case "ContainerGroups_CreateOrUpdate":
      return { primary: { action: `${CI}/containerGroups/write`, scope: group }, linked: linkedPermissions(body) };
    case "ContainerGroups_Update":
      return only("containerGroups/write", group);
    case "ContainerGroups_Delete":
      return only("containerGroups/delete", group);
    case "ContainerGroups_Restart":
      return only("containerGroups/restart/action", group);
    case "ContainerGroups_Stop":
      return only("containerGroups/stop/action", group);
    case "ContainerGroups_Start":
      return only("containerGroups/start/action", group);
    case "ContainerGroups_GetOutboundNetworkDependenciesEndpoints":
      return only("containerGroups/outboundNetworkDependenciesEndpoints/read", group);
    case "Containers_ListLogs":
      return only("containerGroups/containers/logs/read", container);
    case "Containers_ExecuteCommand":
      return only("containerGroups/containers/exec/action", container);
    case "Containers_Attach":
      return only("containerGroups/containers/attach/action", container);
    case "Location_ListUsage":
      return only("locations/usages/read", location);
    case "Location_ListCapabilities":
      return only("locations/capabilities/read", location);
    case "Location_ListCachedImages":
      return only("locations/cachedImages/read", location);
    case "AsyncOperation_Get":
      return only("locations/operations/read", `${rg}/providers/${CI}/locations/${params.location ?? ""}/operations/${params.operationId ?? ""}`);
    default:
      return undefined;
  }
}

/** Subnets joined and identities assigned by a container group body. */
export function linkedPermissions(body: unknown): Permission[] {
  const group = (body ?? {}) as Partial<WireContainerGroup>;
  const subnets = (group.properties?.subnetIds ?? []).map((s) => ({ action: SUBNET_JOIN_ACTION, scope: s.id }));
  const identities = Object.keys((group.identity?.userAssignedIdentities as Record<string, unknown> | undefined) ?? {}).map((id) => ({ action: IDENTITY_ASSIGN_ACTION, scope: id }));
  return [...subnets, ...identities];
}
