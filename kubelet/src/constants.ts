/**
 * The contract between burstlet's virtual node and the workloads and components that target it.
 * Both halves of the package import these values from here, so they cannot drift apart.
 */

/** The taint burstlet puts on its node by default; pods opt in by tolerating it. */
export const VIRTUAL_NODE_TAINT = {
  key: "virtual-kubelet.io/provider",
  value: "azure",
  effect: "NoSchedule",
} as const;

/** Labels that keep cloud load balancers away from a node that has no machine behind it. */
export const LOAD_BALANCER_EXCLUSION_LABELS: Readonly<Record<string, string>> = {
  "node.kubernetes.io/exclude-from-external-load-balancers": "true",
  "alpha.service-controller.kubernetes.io/exclude-balancer": "true",
};

/** The label that marks a node as a virtual kubelet; workloads select on it. */
export const VIRTUAL_NODE_TYPE_LABEL = { key: "type", value: "virtual-kubelet" } as const;

/**
 * Labels burstlet sets on its node, besides `kubernetes.io/hostname`: only labels the NodeRestriction
 * admission plugin lets a node set on itself. `kubernetes.io/role` and the legacy
 * `alpha.service-controller.kubernetes.io/exclude-balancer` are not among them (a node may set only
 * `kubelet.kubernetes.io/*`, `node.kubernetes.io/*` and a few well-known `kubernetes.io` labels);
 * a `BurstJob`'s node patch, applied with the deployer's rights, adds the legacy exclusion label.
 */
export const VIRTUAL_NODE_LABELS: Readonly<Record<string, string>> = {
  [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value,
  "kubernetes.io/os": "linux",
  "node.kubernetes.io/exclude-from-external-load-balancers": LOAD_BALANCER_EXCLUSION_LABELS["node.kubernetes.io/exclude-from-external-load-balancers"],
};

/**
 * The well-known topology labels: each virtual node stands for one ACI placement, a region and
 * optionally an availability zone, so the scheduler can spread pods across them.
 */
export const REGION_LABEL = "topology.kubernetes.io/region";
export const ZONE_LABEL = "topology.kubernetes.io/zone";

/** Where a node's container groups go: an Azure region and, optionally, one of its availability zones. */
export interface Placement {
  readonly region: string;
  readonly zone?: string;
}

/**
 * The node's topology labels. A zone is named as AKS names its nodes' zones, `<region>-<zone>`
 * (`westeurope-2`); a node without a zone is its region's one domain and carries the region name,
 * so nodes in two regions are never taken for one zone.
 */
export function topologyLabels(placement: Placement): Record<string, string> {
  const region = placement.region.toLowerCase().replace(/\s+/g, "");
  return { [REGION_LABEL]: region, [ZONE_LABEL]: placement.zone ? `${region}-${placement.zone}` : region };
}

/** The default name of the virtual node. */
export const DEFAULT_NODE_NAME = "burstlet";

/**
 * The Lease (coordination.k8s.io/v1, in burstlet's own namespace) that burstlet's replicas for one
 * node elect their leader on. Not the node's heartbeat Lease in `kube-node-lease`, which the Node
 * authorizer lets only the node itself write.
 */
export function leaderLeaseName(nodeName: string): string {
  return `burstlet-${nodeName}`;
}

/** Tags burstlet writes on every container group, so that groups can be adopted and collected. */
export const TAGS = {
  cluster: "burstlet.io/cluster",
  node: "burstlet.io/node",
  namespace: "burstlet.io/namespace",
  pod: "burstlet.io/pod",
  podUid: "burstlet.io/pod-uid",
  /** Restarts the pod had before this group (its earlier groups were lost); absent for the first. */
  restarts: "burstlet.io/restarts",
} as const;

/** The port the kubelet API listens on by default (the kubelet's own). */
export const DEFAULT_KUBELET_PORT = 10250;

/** The port burstlet serves its own Prometheus metrics on by default. */
export const DEFAULT_METRICS_PORT = 10255;

/** The unauthenticated health endpoint on the metrics port (plain HTTP), for liveness and readiness probes. */
export const HEALTH_PATH = "/healthz";

/** ACI's resource granularity: CPU in 0.01-core steps, memory in 0.1 GB steps. */
export const ACI_GRANULARITY = { cpuCores: 0.01, memoryGB: 0.1 } as const;

/**
 * What a container gets on ACI when its pod gives neither a request nor a limit: the same defaults
 * as ACI's own CLI and portal (1 core, 1.5 GB), since ACI has no best-effort class.
 */
export const ACI_DEFAULT_REQUEST = { cpuCores: 1, memoryGB: 1.5 } as const;

/**
 * ACI's hard limits per container group
 * (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits),
 * and ARM's cap on tag values.
 */
export const ACI_LIMITS = { containersPerGroup: 60, volumesPerGroup: 20, portsPerIp: 5, tagValueLength: 256 } as const;

/**
 * Pod annotation that opts a pod into a public IP when no ACI subnet is configured
 * (`"true"`); without it a pod's ports are never exposed to the internet.
 */
export const ACI_PUBLIC_IP_ANNOTATION = "burstlet.io/public-ip";

/**
 * Pod annotation that keeps a finished pod's container group (`"true"`), e.g. to inspect it with
 * `az container show`: by default burstlet deletes the group of a pod whose containers have all
 * terminated (it holds quota until deleted) and serves the pod's logs from what it kept.
 */
export const KEEP_GROUP_ANNOTATION = "burstlet.io/keep-container-group";

/**
 * Pod annotations burstlet writes with a pod's final status: the vCPU-seconds and GB-seconds ACI
 * billed for its container group (from its first image pull to its last container's end, for the
 * resources ACI allocated; `aci/billing.ts`), as decimal numbers.
 */
export const BILLED_VCPU_SECONDS_ANNOTATION = "burstlet.io/billed-vcpu-seconds";
export const BILLED_GB_SECONDS_ANNOTATION = "burstlet.io/billed-gb-seconds";

/**
 * Pod annotation that asks for ACI's priority for the pod's container group: `Spot` (interruptible,
 * discounted capacity) or `Regular` (the default). burstlet honours `Spot` only where ACI allows it
 * (`aci/spot.ts`) and rejects the pod otherwise.
 */
export const PRIORITY_ANNOTATION = "burstlet.io/priority";

/** ACI's container group priorities (`properties.priority`, api-version 2023-05-01): values and type in one. */
export const AciPriority = { Regular: "Regular", Spot: "Spot" } as const;
export type AciPriority = (typeof AciPriority)[keyof typeof AciPriority];
export const ACI_PRIORITIES: readonly AciPriority[] = [AciPriority.Regular, AciPriority.Spot];

/**
 * The Azure RBAC action behind burstlet's node health and capacity: reading the region's ACI usages
 * and quotas (`location.listUsage`), a subscription-scoped read that no resource-group role covers.
 */
export const ACI_USAGE_READ_ACTION = "Microsoft.ContainerInstance/locations/usages/read";

/**
 * The Azure RBAC action behind pods' CPU and memory usage: reading platform metrics ("Read metrics"
 * of `Microsoft.Insights`). Azure Monitor's metrics batch API (`metrics:getBatch`) is
 * subscription-level and checks it on the subscription itself, not on the resources queried
 * ("How to migrate from the metrics API to the getBatch API", section "401 authorization errors").
 */
export const METRICS_READ_ACTION = "Microsoft.Insights/metrics/read";

/** The Azure RBAC action an identity needs on a container registry to pull from it (AcrPull's). */
export const ACR_PULL_ACTION = "Microsoft.ContainerRegistry/registries/pull/read";

/** The Kubernetes group every node's user is in; the Node authorizer serves it. */
export const NODES_GROUP = "system:nodes";

/** The Kubernetes user of a node: what burstlet authenticates as once bootstrapped. */
export function nodeUser(nodeName: string): string {
  return `system:node:${nodeName}`;
}

/** Where node heartbeats live: one Lease per node, named after it (the kubelet's namespace). */
export const LEASE_NAMESPACE = "kube-node-lease";
