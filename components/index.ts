/**
 * The burstlet library: Pulumi components for a hybrid AKS cluster whose virtual node bursts into
 * Azure Container Instances. Importing this module declares nothing; constructing a component does.
 * It loads `@pulumi/azure-native` and `@pulumi/docker-build`; `burstlet/kubernetes` (the
 * `kubernetes.ts` beside this file) is the part that needs neither.
 */
export * from "./kubernetes";
export { AciNetwork, ACI_DELEGATION_SERVICE, type AciNetworkArgs } from "./aci-network";
export { AksCluster, type AksClusterArgs, type AadArgs, type SystemPoolArgs } from "./aks-cluster";
export { BurstletIdentity, type BurstletIdentityArgs } from "./burstlet-identity";
export { HybridCluster, type HybridClusterArgs, type BurstCapacity } from "./hybrid-cluster";
export { KubeletImage, type KubeletImageArgs, type KubeletImageBuildArgs, type ExistingRegistry } from "./kubelet-image";

export { exchangeAcrToken, type RegistryCredentials } from "./acr-credentials";
export { BUILT_IN_ROLES, roleDefinitionId } from "./azure-ids";
export { planNetwork, NETWORK_DEFAULTS, type NetworkPlan } from "./network-plan";
