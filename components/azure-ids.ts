/**
 * Azure resource IDs and built-in role definitions. Role definition IDs are written in their
 * subscription-qualified form (`/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`),
 * the form ARM returns, so a refresh shows no diff.
 */
import { InvalidInputError } from "../kubelet/src/errors";

/** Built-in role definition GUIDs (identical in every tenant). */
export const BUILT_IN_ROLES = {
  contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  networkContributor: "4d97b98b-1d4f-4787-a291-c67834d212e7",
  acrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  managedIdentityOperator: "f1a07417-d97a-45cb-824c-7a7467783830",
  owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  userAccessAdministrator: "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
} as const;

export type BuiltInRole = keyof typeof BUILT_IN_ROLES;

/** The service ACI subnets are delegated to. */
export const ACI_DELEGATION_SERVICE = "Microsoft.ContainerInstance/containerGroups";

const SUBSCRIPTION = /^\/subscriptions\/([0-9a-fA-F-]{36})(\/|$)/;

/** The subscription GUID a resource ID lives in. */
export function subscriptionOf(resourceId: string, field: string): string {
  const match = SUBSCRIPTION.exec(resourceId);
  if (!match) throw new InvalidInputError(field, `must be an Azure resource ID starting with /subscriptions/<guid>, got "${resourceId}"`);
  return match[1];
}

/** `/subscriptions/<sub>/providers/Microsoft.Authorization/roleDefinitions/<guid>`. */
export function roleDefinitionId(subscriptionId: string, role: BuiltInRole): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${BUILT_IN_ROLES[role]}`;
}

/** The role GUID at the end of a role definition ID (any casing), or `undefined`. */
export function roleGuidOf(roleDefinitionIdText: string): string | undefined {
  const match = /roleDefinitions\/([0-9a-fA-F-]{36})$/i.exec(roleDefinitionIdText);
  return match ? match[1].toLowerCase() : undefined;
}

export interface VirtualNetworkRef {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly virtualNetworkName: string;
}

/** Splits `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>`. */
export function parseVirtualNetworkId(id: string, field: string): VirtualNetworkRef {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i.exec(id);
  if (!match) {
    throw new InvalidInputError(field, `must be a VNet resource ID (/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>), got "${id}"`);
  }
  return { subscriptionId: match[1], resourceGroupName: match[2], virtualNetworkName: match[3] };
}

/**
 * A Pulumi name for a container registry: registry names allow only letters and digits (5–50), and
 * Pulumi's auto-naming appends 8 random characters, so the base keeps at most 42.
 */
export function registryLogicalName(base: string): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 42);
  return clean.length >= 5 ? clean : `${clean}registry`.slice(0, 42);
}

/** The Kubernetes service account subject a federated credential trusts. */
export function serviceAccountSubject(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

/** The audience Microsoft Entra workload identity federation expects. */
export const WORKLOAD_IDENTITY_AUDIENCE = "api://AzureADTokenExchange";
