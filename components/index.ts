/**
 * The burstlet library: Pulumi components for a hybrid AKS cluster whose virtual node bursts into
 * Azure Container Instances. Importing this module declares nothing; constructing a component does.
 * It loads `@pulumi/azure-native` and `@pulumi/docker-build`; `burstlet/kubernetes` (the
 * `kubernetes.ts` beside this file) is the part that needs neither.
 */
export * from "./kubernetes";
export { AciNetwork, ACI_DELEGATION_SERVICE, type AciNetworkArgs, type AddressPlanArgs } from "./aci-network";
export { AksCluster, ClusterTier, type AksClusterArgs, type AadArgs, type PoolAutoscaling, type SystemPoolArgs } from "./aks-cluster";
export { BurstletIdentity, type BurstletIdentityArgs } from "./burstlet-identity";
export { HybridCluster, type HybridClusterArgs } from "./hybrid-cluster";
export { KubeletImage, RegistrySku, type ExistingRegistry, type ImageBuildOptions, type KubeletImageArgs, type KubeletImageBuildArgs } from "./kubelet-image";

export { exchangeAcrToken, type RegistryCredentials } from "./acr-credentials";
export { BUILT_IN_ROLES, roleDefinitionId } from "./azure-ids";
export { planNetwork, NETWORK_DEFAULTS, type NetworkPlan } from "./network-plan";
