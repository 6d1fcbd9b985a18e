/**
 * burstlet's RBAC objects: a ClusterRole for TLS bootstrap bound to its service account, one for
 * renewing a node's certificate bound to each node's user (`system:node:<name>`), and a Role in
 * burstlet's namespace for its replicas' leader Leases (one per node), bound to the service account. Everything
 * else the node does is the Node authorizer's to allow, as for any kubelet.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { nodeUser } from "../kubelet/src/constants";
import { burstletBootstrapRules, burstletLeaderElectionRules, burstletNodeRules } from "./virtual-node-spec";

export interface RbacInput {
  /** Component name, prefix of the logical names. */
  readonly name: string;
  /** Name of the Kubernetes objects. */
  readonly objectName: string;
  /** Every node the service account's burstlets run (one per placement). */
  readonly nodeNames: readonly string[];
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
}

/** Declares the roles and bindings; returns them so the Deployment can wait for them. */
export function declareBurstletRbac(input: RbacInput, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const declared: pulumi.Resource[] = [];
  const bind = (suffix: string, rules: ReturnType<typeof burstletBootstrapRules>, subjects: k8s.types.input.rbac.v1.Subject[]): void => {
    const metadata = { name: `${input.objectName}-${suffix}`, labels: input.labels };
    const role = new k8s.rbac.v1.ClusterRole(`${input.name}-${suffix}-role`, { metadata, rules }, opts);
    const binding = new k8s.rbac.v1.ClusterRoleBinding(
      `${input.name}-${suffix}-binding`,
      { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name }, subjects },
      opts,
    );
    declared.push(role, binding);
  };
  bind("bootstrap", burstletBootstrapRules(), [{ kind: "ServiceAccount", name: input.serviceAccountName, namespace: input.namespace }]);
  const nodeSubjects = input.nodeNames.map((n): k8s.types.input.rbac.v1.Subject => ({ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: nodeUser(n) }));
  bind("node", burstletNodeRules(), nodeSubjects);

  const metadata = { name: `${input.objectName}-leader-election`, namespace: input.namespace, labels: input.labels };
  const role = new k8s.rbac.v1.Role(`${input.name}-leader-election-role`, { metadata, rules: burstletLeaderElectionRules(input.nodeNames) }, opts);
  const binding = new k8s.rbac.v1.RoleBinding(
    `${input.name}-leader-election-binding`,
    { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name }, subjects: [{ kind: "ServiceAccount", name: input.serviceAccountName, namespace: input.namespace }] },
    opts,
  );
  declared.push(role, binding);
  return declared;
}
