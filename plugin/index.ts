/**
 * burstlet's components as a Pulumi plugin package, for programs in any Pulumi language
 * (`pulumi package add <path to this folder>`): the engine runs this folder's `PulumiPlugin.yaml`,
 * and Pulumi's analyzer derives the schema from the components' argument interfaces.
 */
export { AciNetwork, AksCluster, BurstJob, BurstletIdentity, HybridCluster, KubeletImage, VirtualNode } from "../components";
