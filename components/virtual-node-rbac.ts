/**
 * burstlet's RBAC objects: a ClusterRole for its node, pods, events and the objects its pods
 * reference, and a Role in `kube-node-lease` for its heartbeat, each bound to its service account.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { burstletClusterRules, burstletLeaseRules, NODE_LEASE_NAMESPACE } from "./virtual-node-spec";

export interface RbacInput {
  /** Component name, prefix of the logical names. */
  readonly name: string;
  /** Name of the Kubernetes objects. */
  readonly objectName: string;
  readonly nodeName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
}

/** Declares the roles and bindings; returns them so the Deployment can wait for them. */
export function declareBurstletRbac(input: RbacInput, opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
  const subjects = [{ kind: "ServiceAccount", name: input.serviceAccountName, namespace: input.namespace }];
  const metadata = { name: input.objectName, labels: input.labels };
  const clusterRole = new k8s.rbac.v1.ClusterRole(`${input.name}-cluster-role`, { metadata, rules: burstletClusterRules(input.nodeName) }, opts);
  const clusterBinding = new k8s.rbac.v1.ClusterRoleBinding(
    `${input.name}-cluster-role-binding`,
    { metadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name }, subjects },
    opts,
  );
  const leaseMetadata = { ...metadata, namespace: NODE_LEASE_NAMESPACE };
  const leaseRole = new k8s.rbac.v1.Role(`${input.name}-lease-role`, { metadata: leaseMetadata, rules: burstletLeaseRules(input.nodeName) }, opts);
  const leaseBinding = new k8s.rbac.v1.RoleBinding(
    `${input.name}-lease-role-binding`,
    { metadata: leaseMetadata, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaseRole.metadata.name }, subjects },
    opts,
  );
  return [clusterRole, clusterBinding, leaseRole, leaseBinding];
}
