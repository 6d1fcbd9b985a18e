import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cidrContains,
  cidrEnd,
  cidrOverlaps,
  cidrSize,
  formatCidr,
  nextAlignedBlock,
  parseCidr,
  prefixForAddresses,
  usableSubnetAddresses,
} from "../../components/cidr";
import { planNetwork } from "../../components/network-plan";

const cidrArb = fc.record({ base: fc.nat({ max: 2 ** 32 - 1 }), prefix: fc.integer({ min: 8, max: 30 }) }).map(({ base, prefix }) => {
  const size = 2 ** (32 - prefix);
  return { base: Math.floor(base / size) * size, prefix };
});

describe("cidr", () => {
  it("parses and formats blocks, rejecting host addresses with a suggestion", () => {
    assert.deepEqual(parseCidr("10.224.0.0/12", "f"), { base: 0x0ae00000, prefix: 12 });
    assert.throws(() => parseCidr("10.224.0.1/16", "net"), /net: "10\.224\.0\.1\/16" is not a network address; did you mean 10\.224\.0\.0\/16\?/);
    assert.throws(() => parseCidr("10.300.0.0/16", "net"), /net: must be an IPv4 CIDR block/);
  });

  it("round-trips every aligned block", () => {
    fc.assert(fc.property(cidrArb, (c) => assert.deepEqual(parseCidr(formatCidr(c), "f"), c)));
  });

  it("overlap is symmetric and implied by containment", () => {
    fc.assert(
      fc.property(cidrArb, cidrArb, (a, b) => {
        assert.equal(cidrOverlaps(a, b), cidrOverlaps(b, a));
        if (cidrContains(a, b)) assert.ok(cidrOverlaps(a, b));
        // Aligned blocks either nest or are disjoint.
        if (cidrOverlaps(a, b)) assert.ok(cidrContains(a, b) || cidrContains(b, a));
      }),
    );
  });

  it("sizes the smallest subnet that holds N addresses after Azure's five", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60_000 }), (n) => {
        const prefix = prefixForAddresses(n);
        assert.ok(2 ** (32 - prefix) - 5 >= n);
        if (prefix < 29) assert.ok(2 ** (32 - prefix - 1) - 5 < n, "one size smaller would not fit");
      }),
    );
    assert.equal(prefixForAddresses(100), 25);
    assert.equal(usableSubnetAddresses({ base: 0, prefix: 24 }), 251);
  });

  it("aligns the next block to its own size", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 31 }), fc.integer({ min: 16, max: 29 }), (address, prefix) => {
        const block = nextAlignedBlock(address, prefix);
        assert.equal(block.base % cidrSize(block), 0);
        assert.ok(block.base >= address && block.base - address < cidrSize(block));
        assert.ok(cidrEnd(block) > block.base);
      }),
    );
  });
});

describe("planNetwork", () => {
  it("defaults to AKS's own ranges with an ACI subnet after the node subnet", () => {
    assert.deepEqual(planNetwork({ context: "n", addressSpace: "10.224.0.0/12" }), {
      addressSpace: "10.224.0.0/12",
      nodeSubnetPrefix: "10.224.0.0/16",
      aciSubnetPrefix: "10.225.0.0/24",
      serviceCidr: "10.0.0.0/16",
      dnsServiceIp: "10.0.0.10",
      burstPods: 100,
    });
  });

  it("always yields disjoint subnets inside the space that hold the burst", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), (burstPods) => {
        const plan = planNetwork({ context: "n", addressSpace: "10.224.0.0/12", burstPods });
        const aci = parseCidr(plan.aciSubnetPrefix, "a");
        const node = parseCidr(plan.nodeSubnetPrefix, "n");
        assert.ok(usableSubnetAddresses(aci) >= burstPods);
        assert.ok(!cidrOverlaps(aci, node));
        assert.ok(cidrContains(parseCidr("10.224.0.0/12", "s"), aci));
      }),
    );
  });

  it("derives the DNS service IP from a custom service range", () => {
    assert.equal(planNetwork({ context: "n", addressSpace: "10.224.0.0/12", serviceCidr: "172.20.0.0/16" }).dnsServiceIp, "172.20.0.10");
  });

  it("names the field at fault", () => {
    const plan = (extra: object): unknown => planNetwork({ context: "AciNetwork \"n\"", addressSpace: "10.224.0.0/12", ...extra });
    assert.throws(() => plan({ burstPods: 0 }), /AciNetwork "n": burstPods: must be a positive integer/);
    assert.throws(() => plan({ aciSubnetPrefix: "192.168.0.0/24" }), /aciSubnetPrefix: 192\.168\.0\.0\/24 is outside addressSpace 10\.224\.0\.0\/12/);
    assert.throws(() => plan({ dnsServiceIp: "10.1.0.10" }), /dnsServiceIp: 10\.1\.0\.10 must be a host address inside serviceCidr 10\.0\.0\.0\/16/);
    assert.throws(() => planNetwork({ context: "n" }), /nodeSubnetPrefix: is required when an existing VNet is used without its addressSpace/);
    assert.throws(() => planNetwork({ context: "n", nodeSubnetPrefix: "10.0.0.0/24", aciSubnetPrefix: "10.0.1.0/24" }), /serviceCidr: 10\.0\.0\.0\/16 overlaps nodeSubnetPrefix/);
  });
});
