/**
 * The address plan of a hybrid cluster: the VNet, the node subnet, the ACI subnet and the AKS
 * service range, defaulted and checked before anything is declared. Every ACI container group in
 * a subnet takes one address, so the ACI subnet is sized from the burst it must hold.
 */
import { InvalidInputError } from "../kubelet/src/errors";
import {
  type Cidr,
  cidrContains,
  cidrEnd,
  cidrOverlaps,
  formatCidr,
  formatIp,
  ipInCidr,
  nextAlignedBlock,
  parseCidr,
  parseIp,
  prefixForAddresses,
  usableSubnetAddresses,
} from "./cidr";

/** Defaults that match a fresh AKS cluster's own (`10.224.0.0/12` VNet, `10.0.0.0/16` services). */
export const NETWORK_DEFAULTS = {
  addressSpace: "10.224.0.0/12",
  nodeSubnetPrefix: "10.224.0.0/16",
  serviceCidr: "10.0.0.0/16",
  dnsServiceIp: "10.0.0.10",
  burstPods: 100,
} as const;

export interface NetworkPlanInput {
  /** The VNet's address space; `undefined` for an existing VNet whose space is not given. */
  readonly addressSpace?: string;
  readonly nodeSubnetPrefix?: string;
  readonly aciSubnetPrefix?: string;
  readonly serviceCidr?: string;
  readonly dnsServiceIp?: string;
  /** How many pods may run on the virtual node at once: one ACI subnet address each. */
  readonly burstPods?: number;
  /** Prefix for error fields, e.g. `AciNetwork "net"`. */
  readonly context: string;
}

export interface NetworkPlan {
  readonly addressSpace?: string;
  readonly nodeSubnetPrefix: string;
  readonly aciSubnetPrefix: string;
  readonly serviceCidr: string;
  readonly dnsServiceIp: string;
  readonly burstPods: number;
}

/** Resolves defaults and checks every rule; throws `InvalidInputError` naming the field at fault. */
export function planNetwork(input: NetworkPlanInput): NetworkPlan {
  const field = (name: string): string => `${input.context}: ${name}`;
  const burstPods = input.burstPods ?? NETWORK_DEFAULTS.burstPods;
  if (!Number.isInteger(burstPods) || burstPods < 1) {
    throw new InvalidInputError(field("burstPods"), `must be a positive integer, got ${burstPods}`);
  }
  const space = input.addressSpace === undefined ? undefined : parseCidr(input.addressSpace, field("addressSpace"));
  const nodeText = input.nodeSubnetPrefix ?? (space ? defaultNodeSubnet(space) : undefined);
  if (nodeText === undefined) {
    throw new InvalidInputError(field("nodeSubnetPrefix"), "is required when an existing VNet is used without its addressSpace");
  }
  const node = parseCidr(nodeText, field("nodeSubnetPrefix"));
  const aciNeeded = prefixForAddresses(burstPods);
  const aci = input.aciSubnetPrefix !== undefined ? parseCidr(input.aciSubnetPrefix, field("aciSubnetPrefix")) : defaultAciSubnet(node, aciNeeded);
  const service = parseCidr(input.serviceCidr ?? NETWORK_DEFAULTS.serviceCidr, field("serviceCidr"));
  const dnsText = input.dnsServiceIp ?? (input.serviceCidr === undefined ? NETWORK_DEFAULTS.dnsServiceIp : formatIp(service.base + 10));
  const dns = parseIp(dnsText, field("dnsServiceIp"));

  if (usableSubnetAddresses(aci) < burstPods) {
    throw new InvalidInputError(
      field("aciSubnetPrefix"),
      `${formatCidr(aci)} has ${usableSubnetAddresses(aci)} usable addresses but burstPods is ${burstPods} (each container group takes one); use a /${aciNeeded} or larger`,
    );
  }
  if (cidrOverlaps(node, aci)) {
    throw new InvalidInputError(field("aciSubnetPrefix"), `${formatCidr(aci)} overlaps nodeSubnetPrefix ${formatCidr(node)}`);
  }
  if (space) {
    for (const [name, subnet] of [["nodeSubnetPrefix", node], ["aciSubnetPrefix", aci]] as const) {
      if (!cidrContains(space, subnet)) {
        throw new InvalidInputError(field(name), `${formatCidr(subnet)} is outside addressSpace ${formatCidr(space)}`);
      }
    }
  }
  const clusterRanges: [string, Cidr][] = space ? [["addressSpace", space]] : [["nodeSubnetPrefix", node], ["aciSubnetPrefix", aci]];
  for (const [name, range] of clusterRanges) {
    if (cidrOverlaps(service, range)) {
      throw new InvalidInputError(field("serviceCidr"), `${formatCidr(service)} overlaps ${name} ${formatCidr(range)}; AKS needs a service range outside the VNet`);
    }
  }
  if (!ipInCidr(dns, service) || dns === service.base) {
    throw new InvalidInputError(field("dnsServiceIp"), `${dnsText} must be a host address inside serviceCidr ${formatCidr(service)}`);
  }
  return {
    addressSpace: space ? formatCidr(space) : undefined,
    nodeSubnetPrefix: formatCidr(node),
    aciSubnetPrefix: formatCidr(aci),
    serviceCidr: formatCidr(service),
    dnsServiceIp: dnsText,
    burstPods,
  };
}

/** The first /16 of the space, or the whole space when it is smaller. */
function defaultNodeSubnet(space: Cidr): string {
  return formatCidr({ base: space.base, prefix: Math.max(space.prefix, 16) });
}

/** Right after the node subnet; never smaller than a /24 so a burst can grow without re-addressing. */
function defaultAciSubnet(node: Cidr, neededPrefix: number): Cidr {
  return nextAlignedBlock(cidrEnd(node) + 1, Math.min(neededPrefix, 24));
}
