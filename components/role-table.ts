/**
 * Every Azure role assignment the components declare, as data: who gets which role on what kind of
 * scope, and why. `docs/pulumi.md`'s role table is this table (a test holds them to each other),
 * and the policy pack refuses any role assignment that does not fit one of its rows.
 */
import { ACI_USAGE_READ_ACTION, METRICS_READ_ACTION } from "../kubelet/src/constants";
import type { BuiltInRole } from "./azure-ids";

/** The kinds of scope a role is granted on. */
export type ScopeKind = "resourceGroup" | "subnet" | "userAssignedIdentity" | "registry" | "subscription";

export interface RoleRow {
  readonly principal: string;
  /** A built-in role, or one of the custom roles below. */
  readonly role: BuiltInRole | CustomRole;
  readonly roleName: string;
  readonly scope: ScopeKind;
  readonly scopeText: string;
  readonly purpose: string;
}

/** The custom role for the subscription-scoped read of ACI usages and quotas burstlet needs. */
export const ACI_USAGE_READER = {
  roleName: "burstlet ACI usage reader",
  description: "Reads Azure Container Instances usages and quotas of the subscription's regions (burstlet's node health and capacity); nothing else.",
  actions: [ACI_USAGE_READ_ACTION],
} as const;

/**
 * The custom role for reading platform metrics (pods' CPU and memory usage). Azure Monitor's
 * metrics batch API checks it on the subscription itself: a grant on the container-group resource
 * group, or on every container group, is refused (Azure's "migrate to the getBatch API" page,
 * "401 authorization errors"). One action instead of Monitoring Reader, whose `*\/read` would let
 * burstlet read every resource of the subscription.
 */
export const METRICS_READER = {
  roleName: "burstlet metrics reader",
  description: "Reads Azure Monitor platform metrics (burstlet's pod CPU and memory usage, through the subscription-level metrics batch API); nothing else.",
  actions: [METRICS_READ_ACTION],
} as const;

/** Custom roles the components define, by their key in the table. */
export const CUSTOM_ROLES = { aciUsageReader: ACI_USAGE_READER, metricsReader: METRICS_READER } as const;
export type CustomRole = keyof typeof CUSTOM_ROLES;

export const ROLE_TABLE: readonly RoleRow[] = [
  {
    principal: "burstlet",
    role: "contributor",
    roleName: "Contributor",
    scope: "resourceGroup",
    scopeText: "the dedicated container-group resource group only (one per placement with `zones` or `regions`)",
    purpose: "create, read, list, delete container groups, read their logs and operation status",
  },
  {
    principal: "burstlet",
    role: "aciUsageReader",
    roleName: `${ACI_USAGE_READER.roleName} (custom: \`${ACI_USAGE_READ_ACTION}\` only)`,
    scope: "subscription",
    scopeText: "the subscription",
    purpose: "node health and capacity: the region's ACI quota and usage (`location.listUsage` is subscription-scoped)",
  },
  {
    principal: "burstlet",
    role: "metricsReader",
    roleName: `${METRICS_READER.roleName} (custom: \`${METRICS_READ_ACTION}\` only)`,
    scope: "subscription",
    scopeText: "the subscription",
    purpose: "pods' CPU and memory usage (`kubectl top`, autoscaling) from Azure Monitor; the metrics batch API checks it on the subscription only",
  },
  {
    principal: "burstlet",
    role: "networkContributor",
    roleName: "Network Contributor",
    scope: "subnet",
    scopeText: "the ACI subnet only (one per region)",
    purpose: "`Microsoft.Network/virtualNetworks/subnets/join/action`: put container groups in the subnet",
  },
  {
    principal: "burstlet",
    role: "managedIdentityOperator",
    roleName: "Managed Identity Operator",
    scope: "userAssignedIdentity",
    scopeText: "the pull identity only",
    purpose: "`Microsoft.ManagedIdentity/userAssignedIdentities/assign/action`: give container groups the pull identity",
  },
  { principal: "pull identity", role: "acrPull", roleName: "AcrPull", scope: "registry", scopeText: "the registry", purpose: "`Microsoft.ContainerRegistry/registries/pull/read`: container groups pull burst pods' images from it without a secret" },
  { principal: "AKS control plane", role: "networkContributor", roleName: "Network Contributor", scope: "subnet", scopeText: "the node subnet", purpose: "AKS manages the node subnet it runs in" },
  { principal: "AKS kubelet identity", role: "acrPull", roleName: "AcrPull", scope: "registry", scopeText: "the registry", purpose: "nodes pull the burstlet image" },
];

/** What kind of scope an Azure resource ID is; `other` for anything the table has no row for. */
export function scopeKindOf(scope: string): ScopeKind | "other" {
  if (/^\/subscriptions\/[^/]+$/i.test(scope)) return "subscription";
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+$/i.test(scope)) return "resourceGroup";
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.test(scope)) return "subnet";
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i.test(scope)) return "userAssignedIdentity";
  if (/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\/[^/]+$/i.test(scope)) return "registry";
  return "other";
}

/** The table's rows as `docs/pulumi.md` prints them. */
export function roleTableMarkdown(): string {
  const rows = ROLE_TABLE.map((r) => `| ${r.principal} | ${r.roleName} | ${r.scopeText} | ${r.purpose} |`);
  return ["| Principal | Role | Scope | What for |", "|---|---|---|---|", ...rows].join("\n");
}
