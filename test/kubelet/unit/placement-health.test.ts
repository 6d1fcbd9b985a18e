import { strict as assert } from "node:assert";
import { PlacementHealth } from "../../../kubelet/src/aci/placement-health";
import { topologyLabels } from "../../../kubelet/src/constants";

describe("PlacementHealth", () => {
  const zone = { region: "westeurope", zone: "2" };

  it("is not down after one failure, nor after failures a success interrupted", () => {
    const h = new PlacementHealth(zone, 10_000, 60_000);
    h.failed(0, new Error("503"));
    assert.equal(h.down(0), false);
    h.failed(6_000, new Error("503"));
    h.succeeded();
    h.failed(12_000, new Error("503"));
    assert.equal(h.down(12_000), false);
  });

  it("is down once creates have failed for the whole period, naming the zone, and Ready again after the hold", () => {
    const h = new PlacementHealth(zone, 10_000, 60_000);
    for (let t = 0; t <= 10_000; t += 2_000) h.failed(t, new Error("ServiceUnavailable"));
    const health = h.health(10_000);
    assert.equal(health?.reason, "ZoneUnavailable");
    assert.match(health?.message ?? "", /zone 2 of westeurope have failed for 10 s.*ServiceUnavailable/);
    assert.equal(h.down(70_000), true);
    assert.equal(h.down(70_001), false);
  });

  it("keeps a streak through backed-off retries, and starts a new one after the hold", () => {
    const h = new PlacementHealth({ region: "northeurope" }, 10_000, 60_000);
    h.failed(0, new Error("x"));
    h.failed(20_000, new Error("x"));
    assert.equal(h.health(20_000)?.reason, "RegionUnavailable");
    const later = new PlacementHealth({ region: "northeurope" }, 10_000, 60_000);
    later.failed(0, new Error("x"));
    later.failed(70_000, new Error("x"));
    assert.equal(later.down(70_000), false);
  });
});

describe("topologyLabels", () => {
  it("names a zone <region>-<zone> as AKS does, and a node without a zone after its region", () => {
    assert.deepEqual(topologyLabels({ region: "West Europe", zone: "1" }), { "topology.kubernetes.io/region": "westeurope", "topology.kubernetes.io/zone": "westeurope-1" });
    assert.deepEqual(topologyLabels({ region: "northeurope" }), { "topology.kubernetes.io/region": "northeurope", "topology.kubernetes.io/zone": "northeurope" });
  });
});
