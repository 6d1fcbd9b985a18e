/**
 * The burstlet library: Pulumi components for a hybrid AKS cluster whose virtual node bursts into
 * Azure Container Instances. Importing this module declares nothing; constructing a component does.
 */
export { AciNetwork, ACI_DELEGATION_SERVICE, type AciNetworkArgs } from "./aci-network";
export { AksCluster, type AksClusterArgs, type AadArgs, type SystemPoolArgs } from "./aks-cluster";
export { BurstJob, type BurstJobArgs, type ForeignVirtualNode } from "./burst-job";
export { type BurstContainer, type BurstJobTemplate } from "./burst-job-spec";
export { BurstletIdentity, type BurstletIdentityArgs } from "./burstlet-identity";
export { HybridCluster, type HybridClusterArgs, type BurstCapacity } from "./hybrid-cluster";
export { KubeletImage, type KubeletImageArgs, type KubeletImageBuildArgs, type ExistingRegistry } from "./kubelet-image";
export { VirtualNode, type VirtualNodeArgs } from "./virtual-node";
export { type BurstletTuning } from "./virtual-node-spec";

export { exchangeAcrToken, type RegistryCredentials } from "./acr-credentials";
export { BUILT_IN_ROLES, roleDefinitionId } from "./azure-ids";
export { planNetwork, NETWORK_DEFAULTS, type NetworkPlan } from "./network-plan";
export { placementFor, type Placement, type PlacementMode, type VirtualNodeTarget } from "./placement";
export { virtualNodePodProblems } from "./pod-validation";
export {
  DEFAULT_NODE_NAME,
  LOAD_BALANCER_EXCLUSION_LABELS,
  VIRTUAL_NODE_LABELS,
  VIRTUAL_NODE_TAINT,
  VIRTUAL_NODE_TYPE_LABEL,
} from "../kubelet/src/constants";
