/**
 * The API server calls the node controller makes, behind a small interface so the controller's
 * schedules are tested against an in-memory stand-in. Errors are client-node's (an HTTP status in
 * `code`), which `util/kube-errors` classifies.
 */
import { CoordinationV1Api, CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions, type V1Lease, type V1Node, type V1NodeStatus } from "@kubernetes/client-node";
import { LEASE_NAMESPACE } from "../constants";

export interface NodeApi {
  readNode(name: string): Promise<V1Node>;
  createNode(node: V1Node): Promise<V1Node>;
  /** Replaces labels and spec of a node that exists (`node.metadata.resourceVersion` guards it). */
  replaceNode(node: V1Node): Promise<V1Node>;
  /** Writes the node's status; a strategic merge patch, so conditions merge by type. */
  patchNodeStatus(name: string, status: V1NodeStatus): Promise<V1Node>;
  /** The node's Lease, in {@link LEASE_NAMESPACE}. */
  readLease(name: string): Promise<V1Lease>;
  createLease(lease: V1Lease): Promise<V1Lease>;
  replaceLease(lease: V1Lease): Promise<V1Lease>;
}

/** The calls made with clients of their own (and so connections of their own) from `kubeConfig`. */
export function kubeNodeApi(kubeConfig: KubeConfig): NodeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  return {
    readNode: (name) => core.readNode({ name }),
    createNode: (node) => core.createNode({ body: node }),
    replaceNode: (node) => core.replaceNode({ name: node.metadata!.name!, body: node }),
    patchNodeStatus: (name, status) => core.patchNodeStatus({ name, body: { status } }, setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch)),
    readLease: (name) => coordination.readNamespacedLease({ namespace: LEASE_NAMESPACE, name }),
    createLease: (lease) => coordination.createNamespacedLease({ namespace: LEASE_NAMESPACE, body: lease }),
    replaceLease: (lease) => coordination.replaceNamespacedLease({ namespace: LEASE_NAMESPACE, name: lease.metadata!.name!, body: lease }),
  };
}
