/**
 * Rules on what a stack grants: Azure role assignments only as the role table of `docs/pulumi.md`
 * (`ROLE_TABLE`) lists them, and no Kubernetes ClusterRole that mints tokens for every service account.
 */
import { BUILT_IN_ROLES, roleGuidOf } from "../components/azure-ids";
import { CUSTOM_ROLES, ROLE_TABLE, type RoleRow, scopeKindOf } from "../components/role-table";
import { arrayAt, at, get, isAzure, kindOf, stringAt, type Rule, type StackResource, type Violation } from "./model";

/** The table's rows for the role an assignment names; empty when the table has none. */
function rowsFor(roleDefinitionId: string, customRoles: ReadonlyMap<string, StackResource>): RoleRow[] {
  const guid = roleGuidOf(roleDefinitionId);
  const builtIn = Object.entries(BUILT_IN_ROLES).find(([, id]) => id === guid)?.[0];
  if (builtIn) return ROLE_TABLE.filter((row) => row.role === builtIn);
  const custom = customRoles.get(roleDefinitionId.toLowerCase()) ?? (guid ? customRoles.get(guid) : undefined);
  if (custom === undefined) return [];
  const actions = arrayAt(custom.props, "permissions").flatMap((p) => [...arrayAt(p, "actions"), ...arrayAt(p, "dataActions")]);
  // A custom role fits a row only if it grants nothing beyond that row's custom role.
  const fits = (Object.entries(CUSTOM_ROLES) as Array<[keyof typeof CUSTOM_ROLES, { readonly actions: readonly string[] }]>)
    .filter(([, role]) => actions.length > 0 && actions.every((a) => (role.actions as readonly unknown[]).includes(a)))
    .map(([key]) => key);
  return ROLE_TABLE.filter((row) => (fits as readonly string[]).includes(row.role));
}

export const roleAssignmentsAsDocumented: Rule = {
  name: "role-assignments-as-documented",
  description: "Every Azure role assignment is a row of the role table in docs/pulumi.md: a role it lists, on the kind of scope it lists (a resource group, the ACI subnet, the pull identity, the registry; the subscription only for the one-action ACI usage and metrics readers).",
  severity: "critical",
  check(resources) {
    // A custom role is known by its ID, or by its GUID (its ARM name).
    const customRoles = new Map(resources.filter((r) => isAzure(r, "authorization", "RoleDefinition")).flatMap((r) =>
      [stringAt(r.props, "id"), stringAt(r.props, "id")?.split("/").pop(), stringAt(r.props, "roleDefinitionId")].flatMap((key) => (key ? [[key.toLowerCase(), r] as const] : []))));
    const violations: Violation[] = [];
    for (const assignment of resources.filter((r) => isAzure(r, "authorization", "RoleAssignment"))) {
      const roleDefinitionId = stringAt(assignment.props, "roleDefinitionId");
      const scope = stringAt(assignment.props, "scope");
      // Unknown until the role definition exists (a preview): checked on the next update.
      if (roleDefinitionId === undefined || scope === undefined) continue;
      const rows = rowsFor(roleDefinitionId, customRoles);
      const kind = scopeKindOf(scope);
      if (rows.length === 0) {
        violations.push({ resource: at(assignment), message: `role assignment "${assignment.name}" grants ${roleDefinitionId}, which the role table in docs/pulumi.md does not list; grant one of ${[...new Set(ROLE_TABLE.map((r) => r.roleName.split(" (")[0]))].join(", ")}` });
      } else if (!rows.some((row) => row.scope === kind)) {
        violations.push({ resource: at(assignment), message: `role assignment "${assignment.name}" grants ${rows[0].roleName} on ${scope} (${kind === "other" ? "an unlisted kind of scope" : `a ${kind}`}); the role table in docs/pulumi.md grants it only on ${[...new Set(rows.map((r) => r.scopeText))].join(" or ")}` });
      }
    }
    return violations;
  },
};

/** Whether a ClusterRole rule lets its holder create tokens for service accounts. */
function mintsTokens(rule: unknown): boolean {
  const groups = arrayAt(rule, "apiGroups");
  const kinds = arrayAt(rule, "resources");
  const verbs = arrayAt(rule, "verbs");
  return (groups.includes("") || groups.includes("*"))
    && (kinds.includes("serviceaccounts/token") || kinds.includes("serviceaccounts/*") || kinds.includes("*"))
    && (verbs.includes("create") || verbs.includes("*"))
    && arrayAt(rule, "resourceNames").length === 0;
}

export const noClusterWideTokenRequests: Rule = {
  name: "no-cluster-wide-service-account-tokens",
  description: "No ClusterRole bound cluster-wide creates serviceaccounts/token: that mints tokens for every service account, kube-system's included. A node gets its pods' tokens from the Node authorizer.",
  severity: "critical",
  check(resources) {
    const bound = new Set(resources.filter((r) => kindOf(r) === "ClusterRoleBinding" && get(r.props, "roleRef", "kind") === "ClusterRole").map((r) => stringAt(r.props, "roleRef", "name")));
    return resources
      .filter((r) => kindOf(r) === "ClusterRole" && bound.has(stringAt(r.props, "metadata", "name") ?? r.name) && arrayAt(r.props, "rules").some(mintsTokens))
      .map((role) => ({ resource: at(role), message: `ClusterRole "${stringAt(role.props, "metadata", "name") ?? role.name}" is bound cluster-wide and creates serviceaccounts/token for any service account; run burstlet as its node (VirtualNode does), whose tokens the Node authorizer limits to its pods'` }));
  },
};
