/**
 * AciNetwork: the VNet of a hybrid cluster (new, or an existing one by ID), a subnet for the
 * cluster's nodes and a subnet delegated to ACI for burst pods. The delegation is declared here so
 * neither AKS nor ACI adds it behind Pulumi's back (no drift). Subnets are standalone resources and
 * the VNet declares none inline: mixing both makes each overwrite the other.
 */
import * as network from "@pulumi/azure-native/network";
import * as pulumi from "@pulumi/pulumi";
import { ACI_DELEGATION_SERVICE, parseVirtualNetworkId } from "./azure-ids";
import { NETWORK_DEFAULTS, planNetwork, type NetworkPlan } from "./network-plan";

export { ACI_DELEGATION_SERVICE };

/** The address plan: an optional existing VNet and the ranges inside it (what `HybridCluster` passes through). */
export interface AddressPlanArgs {
  /** Use this VNet instead of creating one (its resource ID, a plain string). */
  readonly existingVnetId?: string;
  /**
   * Address space of a new VNet, or of the existing one (to check the subnets fit). Plain values
   * from here on: the address plan is checked when the component is constructed.
   * @default "10.224.0.0/12" for a new VNet
   */
  readonly addressSpace?: string;
  /** @default the first /16 of the address space */
  readonly nodeSubnetPrefix?: string;
  /** @default the smallest block after the node subnet that holds `burstPods`, at least a /24 */
  readonly aciSubnetPrefix?: string;
  /** The cluster's service range, which must not overlap the network. @default "10.0.0.0/16" */
  readonly serviceCidr?: string;
  /** @default "10.0.0.10", or the 10th address of a given `serviceCidr` */
  readonly dnsServiceIp?: string;
}

export interface AciNetworkArgs extends AddressPlanArgs {
  /** Resource group of a new VNet (ignored with `existingVnetId`: subnets go into the VNet's own group). */
  readonly resourceGroupName: pulumi.Input<string>;
  /** Azure region of a new VNet. @default the resource group's */
  readonly location?: pulumi.Input<string>;
  /** Pods the virtual node may run at once; each takes an ACI subnet address. @default 100 */
  readonly burstPods?: number;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AciNetwork extends pulumi.ComponentResource {
  /** Resource ID of the VNet. */
  readonly vnetId: pulumi.Output<string>;
  readonly nodeSubnetId: pulumi.Output<string>;
  readonly aciSubnetId: pulumi.Output<string>;
  /** The resolved address plan (CIDRs, service range, DNS service IP, burst size). */
  readonly plan: NetworkPlan;

  constructor(name: string, args: AciNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:AciNetwork", name, {}, opts);
    const context = `AciNetwork "${name}"`;
    const existing = args.existingVnetId === undefined ? undefined : parseVirtualNetworkId(args.existingVnetId, `${context}: existingVnetId`);
    this.plan = planNetwork({
      context,
      addressSpace: args.addressSpace ?? (existing ? undefined : NETWORK_DEFAULTS.addressSpace),
      nodeSubnetPrefix: args.nodeSubnetPrefix,
      aciSubnetPrefix: args.aciSubnetPrefix,
      serviceCidr: args.serviceCidr,
      dnsServiceIp: args.dnsServiceIp,
      burstPods: args.burstPods,
    });

    let vnetName: pulumi.Input<string>;
    let vnetResourceGroup: pulumi.Input<string>;
    if (existing) {
      this.vnetId = pulumi.output(args.existingVnetId as string);
      vnetName = existing.virtualNetworkName;
      vnetResourceGroup = existing.resourceGroupName;
    } else {
      const vnet = new network.VirtualNetwork(
        `${name}-vnet`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          addressSpace: { addressPrefixes: [this.plan.addressSpace as string] },
          tags: args.tags,
        },
        // Subnets are separate resources; never let the VNet's (empty) inline list remove them.
        { parent: this, ignoreChanges: ["subnets"] },
      );
      this.vnetId = vnet.id;
      vnetName = vnet.name;
      vnetResourceGroup = args.resourceGroupName;
    }

    const nodeSubnet = new network.Subnet(
      `${name}-nodes`,
      {
        resourceGroupName: vnetResourceGroup,
        virtualNetworkName: vnetName,
        addressPrefix: this.plan.nodeSubnetPrefix,
      },
      { parent: this },
    );
    // Created after the node subnet: Azure serialises subnet changes within a VNet.
    const aciSubnet = new network.Subnet(
      `${name}-aci`,
      {
        resourceGroupName: vnetResourceGroup,
        virtualNetworkName: vnetName,
        addressPrefix: this.plan.aciSubnetPrefix,
        delegations: [{ name: "aci", serviceName: ACI_DELEGATION_SERVICE }],
      },
      { parent: this, dependsOn: [nodeSubnet] },
    );
    this.nodeSubnetId = nodeSubnet.id;
    this.aciSubnetId = aciSubnet.id;

    this.registerOutputs({ vnetId: this.vnetId, nodeSubnetId: this.nodeSubnetId, aciSubnetId: this.aciSubnetId });
  }
}
