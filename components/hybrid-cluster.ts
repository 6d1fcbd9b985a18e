/**
 * HybridCluster: everything in one line. An AKS cluster of ordinary nodes plus a virtual node
 * that bursts into ACI: network, identities, cluster, the burstlet image and the virtual node,
 * with defaults that work together. With `zones` or `regions`, the virtual node runs one node per
 * placement, each with a resource group of its own. `burstJob()` declares Jobs wired for it.
 */
import * as resources from "@pulumi/azure-native/resources";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_NODE_NAME } from "../kubelet/src/constants";
import { InvalidInputError } from "../kubelet/src/errors";
import { AciNetwork, type AddressPlanArgs } from "./aci-network";
import { AksCluster, type AadArgs, type SystemPoolArgs } from "./aks-cluster";
import { subscriptionOf } from "./azure-ids";
import { BurstJob, type BurstJobArgs } from "./burst-job";
import { BurstletIdentity } from "./burstlet-identity";
import type { DeploymentAwait } from "./deployment-await";
import { KubeletImage, type ImageBuildOptions } from "./kubelet-image";
import { VirtualNode, type BurstCapacity } from "./virtual-node";
import { planPlacements, type VirtualNodeRegion } from "./virtual-node-placements";
import type { BurstletTuning } from "./virtual-node-spec";

interface HybridClusterParts {
  readonly network: AciNetwork;
  readonly cluster: AksCluster;
  readonly identity: BurstletIdentity;
  readonly image: KubeletImage;
  readonly virtualNode: VirtualNode;
}

/**
 * Each cluster's components, behind getters: the class's properties are its schema outputs for
 * other Pulumi languages, and a schema can reference only provider resources, not these components.
 */
const PARTS = new WeakMap<HybridCluster, HybridClusterParts>();

function partsOf(cluster: HybridCluster): HybridClusterParts {
  const parts = PARTS.get(cluster);
  if (!parts) throw new Error("HybridCluster: its components are read before its constructor finished");
  return parts;
}

export interface HybridClusterArgs {
  /** Resource group of the cluster, network and identities. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region of everything, including the container groups. */
  readonly location: pulumi.Input<string>;
  /** Availability zones of `location`, one virtual node each (see `VirtualNodeArgs.zones`). @default none */
  readonly zones?: string[];
  /**
   * Regions the burst overflows into, one virtual node each (or per zone). The cluster's burst pods
   * get addresses in its VNet, so each region needs `subnetId`: a subnet delegated to ACI in a VNet
   * of that region peered with the cluster's.
   * @default none
   */
  readonly regions?: VirtualNodeRegion[];
  /** Address plan and an optional existing VNet. @default a new 10.224.0.0/12 VNet */
  readonly network?: AddressPlanArgs;
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
  readonly build?: ImageBuildOptions;
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
  /** Every virtual node's name, one per placement. */
  readonly virtualNodeNames: pulumi.Output<string[]>;
  readonly provider: k8s.Provider;
  get network(): AciNetwork {
    return partsOf(this).network;
  }
  get cluster(): AksCluster {
    return partsOf(this).cluster;
  }
  get identity(): BurstletIdentity {
    return partsOf(this).identity;
  }
  get image(): KubeletImage {
    return partsOf(this).image;
  }
  get virtualNode(): VirtualNode {
    return partsOf(this).virtualNode;
  }
  /** The dedicated resource group of the (first placement's) container groups. */
  readonly containerGroupResourceGroupName: pulumi.Output<string>;
  /** Every placement's resource group, in the order of `virtualNodeNames`. */
  readonly containerGroupResourceGroupNames: pulumi.Output<string[]>;

  constructor(name: string, args: HybridClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:HybridCluster", name, {}, opts);
    if (args.image !== undefined && args.build !== undefined) {
      throw new InvalidInputError(`HybridCluster "${name}": image`, "only one of `image` or `build` may be set");
    }
    const child = { parent: this };
    const { resourceGroupName, location, tags } = args;
    // Checked before anything is declared. Burst pods always join the cluster's VNet, so every
    // region needs a subnet of its own (the home region's is declared below).
    const placements = planPlacements({
      context: `HybridCluster "${name}"`,
      nodeName: args.nodeName ?? DEFAULT_NODE_NAME,
      location,
      zones: args.zones,
      regions: args.regions,
      subnetId: "the cluster's ACI subnet",
    });
    // A resource group per placement: each node lists only its own container groups.
    const placementGroups = placements.map((p) => ({
      key: p.key,
      group: new resources.ResourceGroup(placements.length === 1 ? `${name}-aci` : `${name}-aci-${p.key}`, { location: p.location, tags }, child),
    }));
    const containerGroups = placementGroups[0].group;

    const network = new AciNetwork(`${name}-net`, {
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
    const plan = network.plan;

    const cluster = new AksCluster(`${name}-cluster`, {
      resourceGroupName,
      location,
      nodeSubnetId: network.nodeSubnetId,
      serviceCidr: plan.serviceCidr,
      dnsServiceIp: plan.dnsServiceIp,
      kubernetesVersion: args.kubernetesVersion,
      systemPool: args.systemPool,
      localAccounts: args.localAccounts,
      aad: args.aad,
      tags,
    }, child);

    const image = new KubeletImage(`${name}-image`, args.image !== undefined
      ? { image: args.image }
      : { build: { ...args.build, resourceGroupName, location }, pullPrincipalIds: [cluster.kubeletIdentityObjectId], tags }, child);

    const identity = new BurstletIdentity(`${name}-identity`, {
      resourceGroupName,
      location,
      containerGroupResourceGroupId: containerGroups.id,
      additionalContainerGroupResourceGroupIds: placementGroups.slice(1).map((p) => p.group.id),
      aciSubnetId: network.aciSubnetId,
      additionalAciSubnetIds: (args.regions ?? []).flatMap((r) => (r.subnetId === undefined ? [] : [r.subnetId])),
      oidcIssuerUrl: cluster.oidcIssuerUrl,
      // Burst pods pull from the registry the image was built into, with no secret.
      pullRegistryId: image.registryId,
      tags,
    }, child);

    this.provider = cluster.provider;
    const virtualNode = new VirtualNode(`${name}-virtual-node`, {
      provider: this.provider,
      image: image.imageRef,
      nodeName: args.nodeName,
      namespace: identity.namespace,
      serviceAccountName: identity.serviceAccountName,
      clusterName: cluster.clusterName,
      subscriptionId: containerGroups.id.apply((id) => subscriptionOf(id, `HybridCluster "${name}": container group resource group`)),
      resourceGroupName: containerGroups.name,
      placementResourceGroups: placements.length === 1 ? undefined : Object.fromEntries(placementGroups.map((p) => [p.key, p.group.name])),
      location,
      zones: args.zones,
      regions: args.regions,
      subnetId: network.aciSubnetId,
      clusterDnsIp: plan.dnsServiceIp,
      pullIdentityId: identity.pullIdentityId,
      identity: { clientId: identity.clientId, tenantId: identity.tenantId },
      capacity: { cpu: args.burst?.cpu, memoryGiB: args.burst?.memoryGiB, pods: plan.burstPods },
      tuning: args.tuning,
      deploymentAwait: args.deploymentAwait,
    }, { ...child, dependsOn: [identity] });

    PARTS.set(this, { network, cluster, identity, image, virtualNode });

    this.kubeconfig = cluster.kubeconfig;
    this.clusterName = cluster.clusterName;
    this.virtualNodeName = virtualNode.nodeName;
    this.virtualNodeNames = virtualNode.nodeNames;
    this.containerGroupResourceGroupName = containerGroups.name;
    this.containerGroupResourceGroupNames = pulumi.all(placementGroups.map((p) => p.group.name));
    this.registerOutputs({
      kubeconfig: this.kubeconfig,
      clusterName: this.clusterName,
      virtualNodeName: this.virtualNodeName,
      virtualNodeNames: this.virtualNodeNames,
      containerGroupResourceGroupName: this.containerGroupResourceGroupName,
      containerGroupResourceGroupNames: this.containerGroupResourceGroupNames,
    });
  }

  /** A BurstJob on this cluster's virtual node. */
  burstJob(name: string, args: Omit<BurstJobArgs, "provider" | "virtualNode">, opts?: pulumi.ComponentResourceOptions): BurstJob {
    return new BurstJob(name, { ...args, provider: this.provider, virtualNode: this.virtualNode }, opts);
  }
}
