import assert from "node:assert/strict";
import { computeCost, computePrices, DEFAULT_PRICE_TABLE, formatUsd, keptMachinesCost, regionPrices } from "../../components/aci-prices";
import { billedQuantities } from "../../kubelet/src/aci/billing";

describe("ACI price estimates", () => {
  // https://azure.microsoft.com/pricing/details/container-instances/ ("Pricing examples", Linux): a
  // 1 vCPU / 1 GB group created 50 times a day for 30 days, 150 s each. Memory: 50 × 150 s × 1 GB ×
  // $0.0000012 per GB-s × 30 days = $0.27; vCPU: 50 × 150 s × 1 vCPU × $0.0000113 per vCPU-s ×
  // 30 days = $2.54; total $2.81.
  it("prices ACI's published example as the pricing page does: $0.27 of memory, $2.54 of vCPU, $2.81 in all", () => {
    const prices = computePrices(regionPrices("eastus"));
    const month = billedQuantities({ cpu: 1, memoryGB: 1 }, 50 * 150 * 30);
    assert.equal(computeCost({ vcpuSeconds: 0, gbSeconds: month.gbSeconds }, prices).toFixed(2), "0.27");
    assert.equal(computeCost({ vcpuSeconds: month.vcpuSeconds, gbSeconds: 0 }, prices).toFixed(2), "2.54");
    assert.equal(computeCost(month, prices).toFixed(2), "2.81");
  });

  it("prices Spot at ACI's documented best discount (70 % off) and labels every default an estimate", () => {
    const table = regionPrices("westeurope");
    assert.ok(Math.abs(computePrices(table, "Spot").vcpuSecond / table.regular.vcpuSecond - 0.3) < 1e-12);
    assert.ok(Math.abs(computePrices(table, "Spot").gbSecond / table.regular.gbSecond - 0.3) < 1e-12);
    for (const entry of Object.values(DEFAULT_PRICE_TABLE)) assert.match(entry.source, /^estimate/);
  });

  it("takes a region's own prices over the default, and names the field of a bad price", () => {
    const own = { ...DEFAULT_PRICE_TABLE.default, regular: { vcpuSecond: 0.00001, gbSecond: 0.000001 }, source: "negotiated" };
    assert.equal(regionPrices("West Europe", { ...DEFAULT_PRICE_TABLE, westeurope: own }).source, "negotiated");
    assert.equal(regionPrices("northeurope", { ...DEFAULT_PRICE_TABLE, westeurope: own }).source, DEFAULT_PRICE_TABLE.default.source);
    assert.throws(() => regionPrices("westeurope", { westeurope: { ...own, spot: { vcpuSecond: -1, gbSecond: 0 } } }), /priceTable\.westeurope\.spot\.vcpuSecond: must be a price of at least 0, got -1/);
    assert.throws(() => regionPrices("eastus", { westeurope: own }), /priceTable: has no prices for region "eastus" and no "default" entry/);
  });

  it("counts the kept machines that hold a peak, by cores or by memory, whichever needs more", () => {
    const machine = { size: "m", vcpus: 4, memoryGB: 16, hourly: 0.2 };
    assert.deepEqual(keptMachinesCost({ cpu: 10, memoryGB: 8 }, 24, machine), { machines: 3, cost: 3 * 0.2 * 24 });
    assert.equal(keptMachinesCost({ cpu: 1, memoryGB: 40 }, 1, machine).machines, 3);
    assert.equal(keptMachinesCost({ cpu: 0, memoryGB: 0 }, 1, machine).machines, 1);
  });

  it("shows dollars in cents, and small amounts with four digits", () => {
    assert.equal(formatUsd(2.8125), "$2.81");
    assert.equal(formatUsd(0.0012346), "$0.001235");
  });
});
