/**
 * The components that need only a Kubernetes cluster: `VirtualNode` (burstlet on any cluster
 * reachable through a Kubernetes provider) and `BurstJob`, with their placement helpers. Importing
 * `burstlet/kubernetes` loads neither `@pulumi/azure-native` nor `@pulumi/docker-build`, so a stack
 * on an existing cluster installs only `@pulumi/pulumi` and `@pulumi/kubernetes`.
 */
export { BurstJob, type BurstJobArgs, type ForeignVirtualNode } from "./burst-job";
export { type BurstContainer, type BurstJobTemplate, type BurstResources } from "./burst-job-spec";
export { estimateBurstCost, type BurstCostEstimate, type RunCostEstimate } from "./burst-cost";
export { computeCost, DEFAULT_PRICE_TABLE, keptMachinesCost, regionPrices, type ComputePrices, type MachinePrice, type PriceTable, type RegionPrices } from "./aci-prices";
export { type DeploymentAwait } from "./deployment-await";
export { VirtualNode, type AzureIdentity, type BurstCapacity, type ContainerResources, type VirtualNodeArgs } from "./virtual-node";
export { type BurstletTuning } from "./virtual-node-spec";
export { type PlacementCapacity, type VirtualNodeRegion } from "./virtual-node-placements";
export { placementFor, PlacementMode, WhenUnsatisfiable, type Placement, type SpreadLabelSelector, type TopologySpreadConstraint, type VirtualNodeTarget } from "./placement";
export { LogLevel, TaintEffect, type Taint } from "../kubelet/src/config";
export { virtualNodePodProblems } from "./pod-validation";
export {
  ACI_PRIORITIES,
  AciPriority,
  BILLED_GB_SECONDS_ANNOTATION,
  BILLED_VCPU_SECONDS_ANNOTATION,
  DEFAULT_NODE_NAME,
  PRIORITY_ANNOTATION,
  LOAD_BALANCER_EXCLUSION_LABELS,
  VIRTUAL_NODE_LABELS,
  VIRTUAL_NODE_TAINT,
  VIRTUAL_NODE_TYPE_LABEL,
} from "../kubelet/src/constants";
