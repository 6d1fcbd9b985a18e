/**
 * HybridCluster: everything in one line. An AKS cluster of ordinary nodes plus a virtual node
 * that bursts into ACI: network, identities, cluster, the burstlet image and the virtual node,
 * with defaults that work together. `burstJob()` declares Jobs wired for it.
 */
import * as resources from "@pulumi/azure-native/resources";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../kubelet/src/errors";
import { AciNetwork, type AciNetworkArgs } from "./aci-network";
import { AksCluster, type AadArgs, type SystemPoolArgs } from "./aks-cluster";
import { subscriptionOf } from "./azure-ids";
import { BurstJob, type BurstJobArgs } from "./burst-job";
import { BurstletIdentity } from "./burstlet-identity";
import type { DeploymentAwait } from "./deployment-await";
import { KubeletImage, type KubeletImageBuildArgs } from "./kubelet-image";
import { VirtualNode } from "./virtual-node";
import type { BurstletTuning } from "./virtual-node-spec";

export interface BurstCapacity {
  /** Pods on the virtual node at once (ACI subnet addresses). @default 100 */
  readonly pods?: number;
  /** Cores the virtual node advertises. @default the region's ACI quota */
  readonly cpu?: number;
  /** Memory the virtual node advertises, in GiB. @default derived from the quota */
  readonly memoryGiB?: number;
}

export interface HybridClusterArgs {
  /** Resource group of the cluster, network and identities. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region of everything, including the container groups. */
  readonly location: pulumi.Input<string>;
  /** Address plan and an optional existing VNet. @default a new 10.224.0.0/12 VNet */
  readonly network?: Pick<AciNetworkArgs, "existingVnetId" | "addressSpace" | "nodeSubnetPrefix" | "aciSubnetPrefix" | "serviceCidr" | "dnsServiceIp">;
  /** @default AKS's default version */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /** @default 2 × Standard_D4s_v5 */
  readonly systemPool?: SystemPoolArgs;
  /** @default true */
  readonly localAccounts?: boolean;
  readonly aad?: AadArgs;
  /** @default 100 pods, capacity from the ACI quota */
  readonly burst?: BurstCapacity;
  /** How burstlet spends ARM's and the API server's limits. @default the kubelet's defaults */
  readonly tuning?: BurstletTuning;
  /** A ready burstlet image; exclusive with `build`. @default build from this package */
  readonly image?: pulumi.Input<string>;
  /** Build options (registry, tag); the registry is created when none is given. */
  readonly build?: Omit<KubeletImageBuildArgs, "resourceGroupName" | "location">;
  /** @default "burstlet" */
  readonly nodeName?: string;
  /** How `pulumi up` waits for burstlet's Deployment (see `VirtualNodeArgs.deploymentAwait`). @default { timeoutSeconds: 300 } */
  readonly deploymentAwait?: DeploymentAwait;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class HybridCluster extends pulumi.ComponentResource {
  readonly kubeconfig: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly virtualNodeName: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly network: AciNetwork;
  readonly cluster: AksCluster;
  readonly identity: BurstletIdentity;
  readonly image: KubeletImage;
  readonly virtualNode: VirtualNode;
  /** The dedicated resource group of the container groups. */
  readonly containerGroupResourceGroupName: pulumi.Output<string>;

  constructor(name: string, args: HybridClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:HybridCluster", name, {}, opts);
    if (args.image !== undefined && args.build !== undefined) {
      throw new InvalidInputError(`HybridCluster "${name}": image`, "only one of `image` or `build` may be set");
    }
    const child = { parent: this };
    const { resourceGroupName, location, tags } = args;
    const containerGroups = new resources.ResourceGroup(`${name}-aci`, { location, tags }, child);

    this.network = new AciNetwork(`${name}-net`, {
      resourceGroupName,
      location,
      existingVnetId: args.network?.existingVnetId,
      addressSpace: args.network?.addressSpace,
      nodeSubnetPrefix: args.network?.nodeSubnetPrefix,
      aciSubnetPrefix: args.network?.aciSubnetPrefix,
      serviceCidr: args.network?.serviceCidr,
      dnsServiceIp: args.network?.dnsServiceIp,
      burstPods: args.burst?.pods,
      tags,
    }, child);
    const plan = this.network.plan;

    this.cluster = new AksCluster(`${name}-cluster`, {
      resourceGroupName,
      location,
      nodeSubnetId: this.network.nodeSubnetId,
      serviceCidr: plan.serviceCidr,
      dnsServiceIp: plan.dnsServiceIp,
      kubernetesVersion: args.kubernetesVersion,
      systemPool: args.systemPool,
      localAccounts: args.localAccounts,
      aad: args.aad,
      tags,
    }, child);

    this.image = new KubeletImage(`${name}-image`, args.image !== undefined
      ? { image: args.image }
      : { build: { ...args.build, resourceGroupName, location }, pullPrincipalIds: [this.cluster.kubeletIdentityObjectId], tags }, child);

    this.identity = new BurstletIdentity(`${name}-identity`, {
      resourceGroupName,
      location,
      containerGroupResourceGroupId: containerGroups.id,
      aciSubnetId: this.network.aciSubnetId,
      oidcIssuerUrl: this.cluster.oidcIssuerUrl,
      // Burst pods pull from the registry the image was built into, with no secret.
      pullRegistryId: this.image.registryId,
      tags,
    }, child);

    this.provider = this.cluster.provider;
    this.virtualNode = new VirtualNode(`${name}-virtual-node`, {
      provider: this.provider,
      image: this.image.imageRef,
      nodeName: args.nodeName,
      namespace: this.identity.namespace,
      serviceAccountName: this.identity.serviceAccountName,
      clusterName: this.cluster.clusterName,
      subscriptionId: containerGroups.id.apply((id) => subscriptionOf(id, `HybridCluster "${name}": container group resource group`)),
      resourceGroupName: containerGroups.name,
      location,
      subnetId: this.network.aciSubnetId,
      clusterDnsIp: plan.dnsServiceIp,
      pullIdentityId: this.identity.pullIdentityId,
      identity: { clientId: this.identity.clientId, tenantId: this.identity.tenantId },
      capacity: { cpu: args.burst?.cpu, memoryGiB: args.burst?.memoryGiB, pods: plan.burstPods },
      tuning: args.tuning,
      deploymentAwait: args.deploymentAwait,
    }, { ...child, dependsOn: [this.identity] });

    this.kubeconfig = this.cluster.kubeconfig;
    this.clusterName = this.cluster.clusterName;
    this.virtualNodeName = this.virtualNode.nodeName;
    this.containerGroupResourceGroupName = containerGroups.name;
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      virtualNodeName: this.virtualNodeName,
      containerGroupResourceGroupName: this.containerGroupResourceGroupName,
    });
  }

  /** A BurstJob on this cluster's virtual node. */
  burstJob(name: string, args: Omit<BurstJobArgs, "provider" | "virtualNode">, opts?: pulumi.ComponentResourceOptions): BurstJob {
    return new BurstJob(name, { ...args, provider: this.provider, virtualNode: this.virtualNode }, opts);
  }
}
