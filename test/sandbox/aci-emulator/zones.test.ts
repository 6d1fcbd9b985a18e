/** Regions and availability zones in the ACI emulator: zone pinning as ACI allows it, per-region quotas, region and zone outages. */
import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { fastEmulator, group, POLL, rejection } from "./fixture";

describe("ACI emulator: regions and availability zones", () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;
  before(async () => {
    emulator = await fastEmulator({ extraLocations: ["northeurope", "westcentralus"], regions: { northeurope: { quotas: { containerGroups: 2 } }, westcentralus: { zones: [] } } });
    client = emulator.client();
  });
  after(() => emulator.close());
  afterEach(() => emulator.faults.clear());
  const rg = (): string => emulator.resourceGroup;
  const create = (name: string, extra: Record<string, unknown> = {}) => client.containerGroups.beginCreateOrUpdateAndWait(rg(), name, { ...group(emulator), ...extra }, POLL);

  it("pins a group to the one zone it names and reports it", async () => {
    await create("zonal-1", { zones: ["2"] });
    assert.deepEqual((await client.containerGroups.get(rg(), "zonal-1")).zones, ["2"]);
  });

  it("refuses a zone the region lacks, several zones, zones in a region without any, and a changed zone", async () => {
    assert.equal((await rejection(create("zonal-bad", { zones: ["4"] }))).code, "InvalidAvailabilityZone");
    assert.equal((await rejection(create("zonal-two", { zones: ["1", "2"] }))).code, "MultipleZonesNotSupported");
    assert.equal((await rejection(create("zonal-none", { location: "westcentralus", zones: ["1"] }))).code, "AvailabilityZoneNotSupported");
    await create("zonal-move", { zones: ["1"] });
    assert.equal((await rejection(create("zonal-move", { zones: ["3"] }))).code, "AvailabilityZoneCannotBeChanged");
  });

  it("keeps a quota per region", async () => {
    await create("north-1", { location: "northeurope" });
    await create("north-2", { location: "northeurope" });
    const third = await rejection(create("north-3", { location: "northeurope" }));
    assert.equal(third.code, "ContainerGroupQuotaReached");
    const usage = await collect(client.location.listUsage("northeurope"));
    assert.deepEqual(usage.filter((u) => u.name?.value === "ContainerGroups").map((u) => [u.currentValue, u.limit]), [[2, 2]]);
    await create("west-after-north", {});
  });

  it("answers 503 to creates in a zone that is down, and serves the other zones", async () => {
    emulator.faults.set({ placementOutages: [{ location: emulator.location, zone: "3" }] });
    const down = await rejection(create("zone-down", { zones: ["3"] }));
    assert.equal(down.statusCode, 503);
    await create("zone-up", { zones: ["1"] });
    assert.equal((await collect(client.location.listUsage(emulator.location))).length > 0, true, "the region itself answers");
  });

  it("answers 503 to everything about a region that is down", async () => {
    await create("before-outage", {});
    emulator.faults.set({ placementOutages: [{ location: emulator.location }] });
    assert.equal((await rejection(create("region-down", {}))).statusCode, 503);
    assert.equal((await rejection(collect(client.location.listUsage(emulator.location)))).statusCode, 503);
    assert.equal((await rejection(client.containerGroups.get(rg(), "before-outage"))).statusCode, 503);
    await create("elsewhere", { location: "westcentralus" });
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
