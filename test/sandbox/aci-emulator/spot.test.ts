/** Spot container groups in the ACI emulator: what ACI refuses of them, and an eviction as a fault. */
import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { assertNoSpecViolations, fastEmulator, getUntil, group, POLL, rejection } from "./fixture";

describe("ACI emulator: Spot container groups", () => {
  let emulator: AciEmulator;
  let client: ContainerInstanceManagementClient;
  before(async () => {
    // Regular groups may be big here (ACI's "big container groups" regions); Spot ones may not.
    emulator = await fastEmulator({ extraLocations: ["northeurope"], bounds: { maxCpu: 16, maxMemoryInGB: 64 } });
    client = emulator.client();
  });
  after(() => emulator.close());
  const rg = (): string => emulator.resourceGroup;
  const create = (name: string, extra: Record<string, unknown> = {}, shape: Parameters<typeof group>[1] = {}) =>
    client.containerGroups.beginCreateOrUpdateAndWait(rg(), name, { ...group(emulator, shape), priority: "Spot", ...extra }, POLL);

  it("creates a Spot group in a Spot region and reports its priority", async () => {
    await create("spot-ok");
    assert.equal((await client.containerGroups.get(rg(), "spot-ok")).priority, "Spot");
    assertNoSpecViolations(emulator);
  });

  it("refuses network properties with ACI's documented code: a subnet, or an IP address", async () => {
    const subnet = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${rg()}/providers/Microsoft.Network/virtualNetworks/v/subnets/aci`;
    const vnet = await rejection(create("spot-vnet", { subnetIds: [{ id: subnet }] }));
    assert.deepEqual([vnet.statusCode, vnet.code], [400, "SpotPriorityContainerGroupNotSupportedForInboundConnectivity"]);
    const publicIp = await rejection(create("spot-ip", {}, { ports: [80] }));
    assert.equal(publicIp.code, "SpotPriorityContainerGroupNotSupportedForInboundConnectivity");
  });

  it("refuses a zone, a region without Spot and a group above 4 vCPU / 16 GB", async () => {
    assert.equal((await rejection(create("spot-zone", { zones: ["1"] }))).code, "SpotPriorityContainerGroupNotSupportedWithAvailabilityZones");
    assert.equal((await rejection(create("spot-north", { location: "northeurope" }))).code, "SpotPriorityContainerGroupNotSupportedInRegion");
    assert.equal((await rejection(create("spot-big", {}, { cpu: 4, memoryInGB: 20 }))).code, "SpotPriorityContainerGroupResourcesExceeded");
    assert.equal((await rejection(create("spot-cores", {}, { cpu: 6, memoryInGB: 8 }))).code, "SpotPriorityContainerGroupResourcesExceeded");
  });

  it("accepts all of that at Regular priority", async () => {
    await create("regular-zone", { priority: "Regular", zones: ["1"] });
    await create("regular-north", { priority: "Regular", location: "northeurope" });
    await create("regular-big", { priority: "Regular" }, { cpu: 6, memoryInGB: 20 });
  });

  it("evicts a running Spot group on demand: containers killed with exit code 137, a warning event, the group restarted by itself", async () => {
    await create("spot-evict", {}, { command: ["sleep", "3600"] });
    await getUntil(client, emulator, "spot-evict", (g) => g.containers[0].instanceView?.currentState?.state === "Running", "spot-evict running");
    assert.equal(emulator.evictSpotGroup("spot-evict"), true);
    const after = await getUntil(client, emulator, "spot-evict", (g) => g.containers[0].instanceView?.currentState?.state === "Running", "spot-evict running again");
    const view = after.containers[0].instanceView;
    assert.deepEqual([view?.previousState?.state, view?.previousState?.exitCode, view?.previousState?.detailStatus], ["Terminated", 137, "Evicted"]);
    assert.equal(view?.restartCount, 1);
    assert.ok(after.instanceView?.events?.some((e) => e.name === "SpotEviction" && e.type === "Warning"));
  });

  it("evicts only Spot groups", async () => {
    await create("regular-kept", { priority: "Regular" });
    assert.equal(emulator.evictSpotGroup("regular-kept"), false);
    assert.equal(emulator.evictSpotGroup("no-such-group"), false);
  });
});
