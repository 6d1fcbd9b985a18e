/**
 * Azure's built-in role definitions the components assign, reduced to what authorization reads.
 *
 * Source: Microsoft's published built-in role definitions ("Azure built-in roles",
 * https://learn.microsoft.com/azure/role-based-access-control/built-in-roles, generated from
 * MicrosoftDocs/azure-docs `articles/role-based-access-control/built-in-roles/*.md`: Contributor and
 * Owner in `privileged.md`, Reader in `general.md`, Network Contributor in `networking.md`, Managed
 * Identity Operator in `identity.md`, AcrPull in `containers.md`), copied as published on 2026-07-01;
 * Monitoring Reader from `monitor.md` as published on 2026-02-23.
 * Role definition GUIDs are the same in every tenant.
 */

export interface RoleDefinition {
  /** The role's GUID (the last segment of its ID). */
  readonly id: string;
  readonly name: string;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly dataActions: readonly string[];
  readonly notDataActions: readonly string[];
}

const role = (id: string, name: string, actions: string[], notActions: string[] = []): RoleDefinition => ({ id, name, actions, notActions, dataActions: [], notDataActions: [] });

export const BUILT_IN_ROLE_DEFINITIONS: readonly RoleDefinition[] = [
  role("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner", ["*"]),
  role("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor", ["*"], [
    "Microsoft.Authorization/*/Delete",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Authorization/elevateAccess/Action",
    "Microsoft.Blueprint/blueprintAssignments/write",
    "Microsoft.Blueprint/blueprintAssignments/delete",
    "Microsoft.Compute/galleries/share/action",
    "Microsoft.Purview/consents/write",
    "Microsoft.Purview/consents/delete",
    "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
    "Microsoft.Subscription/cancel/action",
    "Microsoft.Subscription/enable/action",
  ]),
  role("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", ["*/read"]),
  role("4d97b98b-1d4f-4787-a291-c67834d212e7", "Network Contributor", [
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Network/*",
    "Microsoft.ResourceHealth/availabilityStatuses/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Support/*",
  ]),
  role("f1a07417-d97a-45cb-824c-7a7467783830", "Managed Identity Operator", [
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action",
    "Microsoft.Authorization/*/read",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Support/*",
  ]),
  role("7f951dda-4ed3-4680-a7ca-43fe172d538d", "AcrPull", ["Microsoft.ContainerRegistry/registries/pull/read"]),
  role("43d0d8ad-25c7-4714-9337-8ba259a9fe05", "Monitoring Reader", [
    "*/read",
    "Microsoft.OperationalInsights/workspaces/search/action",
    "Microsoft.Support/*",
  ]),
];

/** The built-in role with this GUID, if the emulator knows it. */
export function builtInRole(guid: string): RoleDefinition | undefined {
  const lower = guid.toLowerCase();
  return BUILT_IN_ROLE_DEFINITIONS.find((r) => r.id === lower);
}
