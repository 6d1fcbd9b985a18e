/**
 * IPv4 CIDR arithmetic and the network plan of a hybrid cluster: where the node subnet and the ACI
 * subnet go, and whether they fit. Pure, so every rule is tested without Azure.
 */
import { InvalidInputError } from "../kubelet/src/errors";

/** An IPv4 block: `base` is the network address as an unsigned 32-bit number. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Azure keeps five addresses of every subnet (network, gateway, two DNS, broadcast). */
export const AZURE_RESERVED_ADDRESSES = 5;

/** The smallest subnet Azure allows. */
export const AZURE_MIN_SUBNET_PREFIX = 29;

/** Parses `a.b.c.d/n`; the address must be the block's network address (`10.0.0.0/16`, not `10.0.0.1/16`). */
export function parseCidr(text: string, field: string): Cidr {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  const octets = match ? match.slice(1, 5).map(Number) : [];
  const prefix = match ? Number(match[5]) : NaN;
  if (!match || octets.some((o) => o > 255) || prefix > 32) {
    throw new InvalidInputError(field, `must be an IPv4 CIDR block such as 10.224.0.0/16, got "${text}"`);
  }
  const address = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const base = (address & mask(prefix)) >>> 0;
  if (base !== address) {
    throw new InvalidInputError(field, `"${text}" is not a network address; did you mean ${formatCidr({ base, prefix })}?`);
  }
  return { base, prefix };
}

/** Parses a dotted IPv4 address. */
export function parseIp(text: string, field: string): number {
  const cidr = parseCidr(`${text}/32`, field);
  return cidr.base;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr.base)}/${cidr.prefix}`;
}

export function formatIp(address: number): string {
  return [24, 16, 8, 0].map((shift) => (address >>> shift) & 255).join(".");
}

/** Number of addresses in the block. */
export function cidrSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** The last address of the block. */
export function cidrEnd(cidr: Cidr): number {
  return cidr.base + cidrSize(cidr) - 1;
}

export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  return a.base <= cidrEnd(b) && b.base <= cidrEnd(a);
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.prefix >= outer.prefix && inner.base >= outer.base && cidrEnd(inner) <= cidrEnd(outer);
}

export function ipInCidr(address: number, cidr: Cidr): boolean {
  return address >= cidr.base && address <= cidrEnd(cidr);
}

/** Addresses a subnet can hand out once Azure has taken its reserved ones. */
export function usableSubnetAddresses(cidr: Cidr): number {
  return Math.max(0, cidrSize(cidr) - AZURE_RESERVED_ADDRESSES);
}

/** The longest prefix (smallest subnet) that still leaves `addresses` usable addresses. */
export function prefixForAddresses(addresses: number): number {
  for (let prefix = AZURE_MIN_SUBNET_PREFIX; prefix >= 1; prefix--) {
    if (2 ** (32 - prefix) - AZURE_RESERVED_ADDRESSES >= addresses) return prefix;
  }
  return 0;
}

/** The first block of `prefix` that starts at or after `address` (blocks are aligned to their size). */
export function nextAlignedBlock(address: number, prefix: number): Cidr {
  const size = 2 ** (32 - prefix);
  return { base: Math.ceil(address / size) * size, prefix };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
}
