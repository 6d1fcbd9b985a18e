/**
 * The rules of the burstlet policy pack, as pure functions of a stack's resources. A platform team
 * enforces them on every stack that runs burst workloads; the pack entry (`index.ts`) only wraps
 * them. Each rule names the resource at fault and says what to change.
 */
import { ACI_DELEGATION_SERVICE } from "../components/azure-ids";
import { BUILT_IN_ROLES, roleGuidOf } from "../components/azure-ids";
import { virtualNodePodProblems } from "../components/pod-validation";
import { SETTINGS } from "../kubelet/src/settings";
import { LOAD_BALANCER_EXCLUSION_LABELS, VIRTUAL_NODE_TYPE_LABEL } from "../kubelet/src/constants";
import { noClusterWideTokenRequests, roleAssignmentsAsDocumented } from "./access-rules";
import { arrayAt, at, get, isAzure, kindOf, stringAt, type Rule, type StackResource, type Violation } from "./model";
import { burstletConfigs, burstletServiceAccounts, podSpecOf, targetedNodes, toleratesVirtualNode } from "./workloads";

const EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

export const aciSubnetDelegated: Rule = {
  name: "aci-subnet-delegated",
  description: `The subnet burstlet puts container groups in is delegated to ${ACI_DELEGATION_SERVICE} in code, so nothing adds the delegation behind the stack's back.`,
  severity: "high",
  check(resources) {
    const subnets = resources.filter((r) => isAzure(r, "network", "Subnet"));
    const violations: Violation[] = [];
    for (const config of burstletConfigs(resources)) {
      const subnetId = config.data[SETTINGS.subnetId[1]];
      if (typeof subnetId !== "string") continue;
      const subnet = subnets.find((s) => sameSubnet(s, subnetId));
      if (!subnet) continue; // A subnet of another stack: that stack's policy covers it.
      const delegated = arrayAt(subnet.props, "delegations").some((d) => get(d, "serviceName") === ACI_DELEGATION_SERVICE);
      if (!delegated) {
        violations.push({ resource: at(subnet), message: `subnet "${subnet.name}" holds burstlet's container groups but is not delegated to ${ACI_DELEGATION_SERVICE}; add the delegation to the Subnet resource` });
      }
    }
    return violations;
  },
};

export const aksWorkloadIdentity: Rule = {
  name: "aks-azure-cni-oidc-workload-identity",
  description: "AKS clusters use Azure CNI (pods reach burst pods in the VNet) with the OIDC issuer and workload identity enabled (burstlet authenticates without secrets).",
  severity: "high",
  check(resources) {
    return resources.filter((r) => isAzure(r, "containerservice", "ManagedCluster")).flatMap((cluster) => {
      const missing: string[] = [];
      if (stringAt(cluster.props, "networkProfile", "networkPlugin") !== "azure") missing.push("networkProfile.networkPlugin must be \"azure\"");
      if (get(cluster.props, "oidcIssuerProfile", "enabled") !== true) missing.push("oidcIssuerProfile.enabled must be true");
      if (get(cluster.props, "securityProfile", "workloadIdentity", "enabled") !== true) missing.push("securityProfile.workloadIdentity.enabled must be true");
      return missing.length === 0 ? [] : [{ resource: at(cluster), message: `cluster "${cluster.name}": ${missing.join("; ")}` }];
    });
  },
};

const BROAD_ROLES = new Map<string, string>([
  [BUILT_IN_ROLES.owner, "Owner"],
  [BUILT_IN_ROLES.contributor, "Contributor"],
  [BUILT_IN_ROLES.userAccessAdministrator, "User Access Administrator"],
]);

export const noBroadRoleAssignments: Rule = {
  name: "no-broad-role-assignments",
  description: "No Owner, Contributor or User Access Administrator at subscription or management-group scope: grant roles on the resource group, subnet or registry that needs them.",
  severity: "critical",
  check(resources) {
    return resources.filter((r) => isAzure(r, "authorization", "RoleAssignment")).flatMap((assignment) => {
      const role = BROAD_ROLES.get(roleGuidOf(stringAt(assignment.props, "roleDefinitionId") ?? "") ?? "");
      const scope = stringAt(assignment.props, "scope") ?? "";
      const broad = scope === "/" || /^\/subscriptions\/[^/]+\/?$/i.test(scope) || /\/providers\/Microsoft\.Management\/managementGroups\//i.test(scope);
      return role && broad ? [{ resource: at(assignment), message: `role assignment "${assignment.name}" grants ${role} on ${scope}; scope it to the resource that needs it` }] : [];
    });
  },
};

const SECRET_READING_BUILT_INS = new Set(["cluster-admin", "admin", "edit"]);

export const burstletSecretAccess: Rule = {
  name: "burstlet-no-cluster-wide-secret-listing",
  description: "burstlet's service account may only get the secrets its pods reference: no list, watch or write on secrets cluster-wide, and no binding to cluster-admin, admin or edit.",
  severity: "critical",
  check(resources) {
    const accounts = burstletServiceAccounts(resources);
    const clusterRoles = new Map(resources.filter((r) => kindOf(r) === "ClusterRole").map((r) => [stringAt(r.props, "metadata", "name") ?? r.name, r]));
    const violations: Violation[] = [];
    for (const binding of resources.filter((r) => kindOf(r) === "ClusterRoleBinding")) {
      const bound = arrayAt(binding.props, "subjects").some((s) => get(s, "kind") === "ServiceAccount" && accounts.has(`${String(get(s, "namespace"))}/${String(get(s, "name"))}`));
      if (!bound) continue;
      const roleName = stringAt(binding.props, "roleRef", "name") ?? "";
      if (SECRET_READING_BUILT_INS.has(roleName)) {
        violations.push({ resource: at(binding), message: `binding "${binding.name}" gives burstlet the ${roleName} role, which reads every secret; bind the role VirtualNode declares` });
        continue;
      }
      const role = clusterRoles.get(roleName);
      for (const rule of arrayAt(role?.props, "rules")) {
        const groups = arrayAt(rule, "apiGroups");
        const kinds = arrayAt(rule, "resources");
        const extra = arrayAt(rule, "verbs").filter((v) => v !== "get");
        if ((groups.includes("") || groups.includes("*")) && (kinds.includes("secrets") || kinds.includes("*")) && extra.length > 0) {
          violations.push({ resource: at(role as StackResource), message: `ClusterRole "${roleName}" lets burstlet ${extra.join(", ")} secrets cluster-wide; it needs only get` });
        }
      }
    }
    return violations;
  },
};

export const virtualNodeWorkloadsRunnable: Rule = {
  name: "virtual-node-workloads-runnable",
  description: "Every workload that tolerates the virtual node's taint requests cpu and memory in every container and uses only volumes a container group can mount.",
  severity: "high",
  check(resources) {
    return resources.flatMap((workload) => {
      const spec = podSpecOf(workload);
      if (!spec || !toleratesVirtualNode(spec, resources)) return [];
      const problems = virtualNodePodProblems(spec);
      [...arrayAt(spec, "initContainers"), ...arrayAt(spec, "containers")].forEach((c) => {
        for (const resource of ["cpu", "memory"]) {
          if (get(c, "resources", "requests", resource) === undefined) problems.push(`container "${String(get(c, "name"))}" sets no ${resource} request`);
        }
      });
      return problems.length === 0 ? [] : [{ resource: at(workload), message: `${kindOf(workload) ?? workload.type} "${workload.name}" tolerates the virtual node but cannot run there: ${problems.join("; ")}` }];
    });
  },
};

export const virtualNodeExcludedFromLoadBalancers: Rule = {
  name: "virtual-node-excluded-from-load-balancers",
  description: `Virtual nodes carry ${EXCLUDE_LABEL}=true: there is no machine behind them for a load balancer to send traffic to.`,
  severity: "high",
  check(resources) {
    const burstletNodes = new Set(burstletConfigs(resources).map((c) => c.data[SETTINGS.nodeName[1]]));
    const excluded = new Set<string>();
    const violations: Violation[] = [];
    for (const node of resources.filter((r) => ["NodePatch", "Node"].includes(kindOf(r) ?? ""))) {
      const name = stringAt(node.props, "metadata", "name") ?? node.name;
      const labels = (get(node.props, "metadata", "labels") ?? {}) as Record<string, unknown>;
      if (labels[EXCLUDE_LABEL] === LOAD_BALANCER_EXCLUSION_LABELS[EXCLUDE_LABEL]) excluded.add(name);
      else if (labels[VIRTUAL_NODE_TYPE_LABEL.key] === VIRTUAL_NODE_TYPE_LABEL.value) {
        violations.push({ resource: at(node), message: `node "${name}" is labelled as a virtual kubelet but not ${EXCLUDE_LABEL}=true` });
      }
    }
    for (const workload of resources) {
      const spec = podSpecOf(workload);
      if (!spec || !toleratesVirtualNode(spec, resources)) continue;
      for (const node of targetedNodes(spec)) {
        if (!burstletNodes.has(node) && !excluded.has(node)) {
          violations.push({ resource: at(workload), message: `"${workload.name}" bursts onto node "${node}", which nothing labels ${EXCLUDE_LABEL}=true; point a BurstJob at it (it patches the node) or label the node` });
        }
      }
    }
    return violations;
  },
};

/** Every rule of the pack. */
export const RULES: readonly Rule[] = [
  aciSubnetDelegated,
  aksWorkloadIdentity,
  noBroadRoleAssignments,
  roleAssignmentsAsDocumented,
  burstletSecretAccess,
  noClusterWideTokenRequests,
  virtualNodeWorkloadsRunnable,
  virtualNodeExcludedFromLoadBalancers,
];

/** Runs every rule; the result maps rule name → violations (empty lists left out). */
export function evaluate(resources: readonly StackResource[], rules: readonly Rule[] = RULES): Record<string, Violation[]> {
  const result: Record<string, Violation[]> = {};
  for (const rule of rules) {
    const violations = rule.check(resources);
    if (violations.length > 0) result[rule.name] = violations;
  }
  return result;
}

function sameSubnet(subnet: StackResource, subnetId: string): boolean {
  if (stringAt(subnet.props, "id")?.toLowerCase() === subnetId.toLowerCase()) return true;
  const match = /\/virtualNetworks\/([^/]+)\/subnets\/([^/]+)$/i.exec(subnetId);
  const name = stringAt(subnet.props, "name") ?? stringAt(subnet.props, "subnetName");
  return !!match && stringAt(subnet.props, "virtualNetworkName") === match[1] && name === match[2];
}

