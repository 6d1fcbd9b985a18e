import assert from "node:assert/strict";
import { planPlacements, splitArmBudget, type PlacementInput } from "../../components/virtual-node-placements";

const base: PlacementInput = { context: `VirtualNode "vn"`, nodeName: "burstlet", location: "westeurope" };

describe("virtual node placements", () => {
  it("keeps one node under its own name when there are neither zones nor regions", () => {
    assert.deepEqual(planPlacements({ ...base, subnetId: "aci", capacity: { pods: 100 } }), [
      { key: "", nodeName: "burstlet", location: "westeurope", zone: undefined, quotaShare: undefined, capacity: { pods: 100 }, subnetId: "aci" },
    ]);
  });

  it("runs a node per zone, each with an even share of the region's quota and capacity", () => {
    const placements = planPlacements({ ...base, zones: ["1", "2", "3"], subnetId: "aci", capacity: { pods: 100, cpu: 50, memoryGiB: 200 } });
    assert.deepEqual(placements.map((p) => [p.key, p.nodeName, p.zone, p.quotaShare, p.subnetId]), [
      ["westeurope-1", "burstlet-westeurope-1", "1", 0.3333, "aci"],
      ["westeurope-2", "burstlet-westeurope-2", "2", 0.3333, "aci"],
      ["westeurope-3", "burstlet-westeurope-3", "3", 0.3333, "aci"],
    ]);
    assert.deepEqual(placements[0].capacity, { pods: 33, cpu: 16.6, memoryGiB: 66.6 }, "rounded down, so three never offer more than the region has");
  });

  it("adds regions after the home region, each with its own subnet and zones, and resource groups by placement key", () => {
    const placements = planPlacements({
      ...base,
      zones: ["1", "2"],
      subnetId: "aci-we",
      regions: [{ location: "northeurope", subnetId: "aci-ne" }, { location: "swedencentral", zones: ["3"], subnetId: "aci-sc" }],
      placementResourceGroups: { "westeurope-2": "rg-we-2", northeurope: "rg-ne" },
    });
    assert.deepEqual(placements.map((p) => [p.nodeName, p.location, p.zone ?? null, p.quotaShare ?? 1, p.subnetId, p.resourceGroupName ?? null]), [
      ["burstlet-westeurope-1", "westeurope", "1", 0.5, "aci-we", null],
      ["burstlet-westeurope-2", "westeurope", "2", 0.5, "aci-we", "rg-we-2"],
      ["burstlet-northeurope", "northeurope", null, 1, "aci-ne", "rg-ne"],
      ["burstlet-swedencentral-3", "swedencentral", "3", 1, "aci-sc", null],
    ]);
  });

  it("names the field of every input it refuses", () => {
    const refuses = (input: Partial<PlacementInput>, message: RegExp): void => assert.throws(() => planPlacements({ ...base, ...input }), message);
    refuses({ zones: [] }, /VirtualNode "vn": zones: is empty: list the availability zones/);
    refuses({ regions: [{ location: "northeurope", zones: [] }] }, /VirtualNode "vn": regions\[0\]\.zones: is empty/);
    refuses({ zones: ["1", "1"] }, /zones: lists a zone twice/);
    refuses({ zones: ["westeurope-1"] }, /zones: "westeurope-1" is not an availability zone; ACI names zones by number/);
    refuses({ subnetId: "aci", regions: [{ location: "northeurope" }] }, /VirtualNode "vn": regions\[0\]\.subnetId: the virtual node uses a VNet \(`subnetId`\) and a subnet serves its own region only: give a subnet of a VNet in northeurope/);
    refuses({ regions: [{ location: "West Europe" }] }, /regions\[0\]\.location: must be an Azure region name as ARM spells it/);
    refuses({ regions: [{ location: "westeurope" }] }, /regions\[0\]\.location: "westeurope" is listed twice/);
    refuses({ location: "West Europe", zones: ["1"] }, /VirtualNode "vn": location: must be a plain Azure region name/);
    refuses({ nodeName: "n".repeat(55), zones: ["1"] }, /nodeName: the node of westeurope-1 would be named "n+-westeurope-1", which is not a DNS name of at most 63 characters/);
    refuses({ zones: ["1"], placementResourceGroups: { westeurope: "rg" } }, /placementResourceGroups\.westeurope: is no placement of this virtual node; its placements are "westeurope-1"/);
  });

  it("splits one identity's ARM budgets and steady read cap across its nodes, given or defaulted, and leaves one node's alone", () => {
    assert.equal(splitArmBudget(undefined, 1), undefined);
    assert.deepEqual(splitArmBudget({ statusSteadySeconds: 30 }, 1), { statusSteadySeconds: 30 });
    assert.deepEqual(splitArmBudget({ armReadsPerSecond: 24, statusSteadySeconds: 30 }, 3), {
      armReadsPerSecond: 8, armReadBurst: 66, armWritesPerSecond: 2.66, armWriteBurst: 50, statusSteadyReadsPerSecond: 5, statusSteadySeconds: 30,
    });
    assert.deepEqual(splitArmBudget({ armWriteBurst: 2, armWritesPerSecond: 0.01 }, 4), { armReadsPerSecond: 5, armReadBurst: 50, armWritesPerSecond: 0.01, armWriteBurst: 1, statusSteadyReadsPerSecond: 3.75 }, "never below what the kubelet accepts");
  });
});
