import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { asOwner, assertNoSpecViolations, collect, fastEmulator, getUntil, group, POLL, rejection } from "./fixture";

describe("ACI emulator: container group lifecycle through the SDK", () => {
  let emu: AciEmulator;
  let client: ContainerInstanceManagementClient;

  before(async () => {
    emu = await fastEmulator(asOwner({ pageSize: 2 }));
    client = emu.client();
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  it("creates through the LRO (201 + Azure-AsyncOperation, polled to Succeeded) and runs the container", async () => {
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "web", group(emu, { ports: [80] }), POLL);
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(created.containers[0].instanceView?.currentState?.state, "Running");
    assert.equal(created.instanceView?.state, "Running");
    assert.match(created.ipAddress?.ip ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(emu.record.count("ContainerGroups_CreateOrUpdate", 201), 1);
    assert.ok(emu.record.count("AsyncOperation_Get") >= 1, "the SDK polled the operation status resource");
    const events = created.containers[0].instanceView?.events?.map((e) => e.name);
    assert.deepEqual(events, ["Pulling", "Pulled", "Started"]);
  });

  it("goes Pending → Creating → Succeeded, observable with GET (slow provisioning fault)", async () => {
    emu.faults.set({ slowProvisioningMs: 300 });
    const poller = await client.containerGroups.beginCreateOrUpdate(emu.resourceGroup, "observed", group(emu), POLL);
    const first = await client.containerGroups.get(emu.resourceGroup, "observed");
    assert.equal(first.provisioningState, "Pending", "slow provisioning holds the group in Pending");
    assert.equal(first.instanceView?.state, "Pending");
    assert.equal(first.containers[0].instanceView, undefined, "no container instance view before Creating");
    emu.faults.clear();
    const creating = await getUntil(client, emu, "observed", (g) => g.provisioningState !== "Pending");
    assert.ok(["Creating", "Succeeded"].includes(creating.provisioningState ?? ""));
    await poller.pollUntilDone();
    const done = await client.containerGroups.get(emu.resourceGroup, "observed");
    assert.equal(done.provisioningState, "Succeeded");
  });

  it("runs `sleep N` then exits 0, and the group Succeeds under restart policy Never", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "sleeper", group(emu, { command: ["sleep", "5"] }), POLL);
    const g = await getUntil(client, emu, "sleeper", (x) => x.instanceView?.state === "Succeeded");
    const state = g.containers[0].instanceView!.currentState!;
    assert.equal(state.state, "Terminated");
    assert.equal(state.exitCode, 0);
    assert.equal(state.detailStatus, "Completed");
    assert.ok(state.finishTime! >= state.startTime!);
    const exits = emu.containerExits().filter((e) => e.group === "sleeper");
    assert.deepEqual(exits.map((e) => [e.container, e.exitCode, new Date(e.at).toISOString()]), [[g.containers[0].name, 0, state.finishTime!.toISOString()]], "the exit is recorded as the service reports its finish time");
  });

  it("fails the group on a non-zero exit and writes `echo` lines that listLogs returns (tail, timestamps)", async () => {
    const script = "echo first line; echo second line && echo third; exit 3";
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "echoer", group(emu, { command: ["/bin/sh", "-c", script] }), POLL);
    const g = await getUntil(client, emu, "echoer", (x) => x.instanceView?.state === "Failed");
    assert.equal(g.containers[0].instanceView!.currentState!.exitCode, 3);
    const all = await client.containers.listLogs(emu.resourceGroup, "echoer", "main");
    assert.equal(all.content, "first line\nsecond line\nthird\n");
    const tail = await client.containers.listLogs(emu.resourceGroup, "echoer", "main", { tail: 1, timestamps: true });
    assert.match(tail.content ?? "", /^\d{4}-\d\d-\d\dT[\d:.]+Z third\n$/);
  });

  it("restarts exited containers under OnFailure, counting restarts and keeping the previous state", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "crasher", group(emu, { command: ["sh", "-c", "echo boom; exit 1"], restartPolicy: "OnFailure" }), POLL);
    const g = await getUntil(client, emu, "crasher", (x) => (x.containers[0].instanceView?.restartCount ?? 0) >= 2);
    const view = g.containers[0].instanceView!;
    assert.equal(view.previousState?.state, "Terminated");
    assert.equal(view.previousState?.exitCode, 1);
    assert.ok(view.events!.find((e) => e.name === "Started")!.count! >= 3);
    assert.equal(g.instanceView?.state, "Running", "a group that will restart is Running");
  });

  it("does not restart a successful container under OnFailure but does under Always", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "once", group(emu, { command: ["true"], restartPolicy: "OnFailure" }), POLL);
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "again", group(emu, { command: ["true"], restartPolicy: "Always" }), POLL);
    const always = await getUntil(client, emu, "again", (x) => (x.containers[0].instanceView?.restartCount ?? 0) >= 1);
    assert.equal(always.instanceView?.state, "Running");
    const once = await getUntil(client, emu, "once", (x) => x.instanceView?.state === "Succeeded");
    assert.equal(once.containers[0].instanceView?.restartCount, 0);
  });

  it("fails provisioning when the image cannot be pulled after acceptance (LRO fails with InaccessibleImage)", async () => {
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "nopull", group(emu, { image: "private.example/unpullable:1" }), POLL));
    assert.match(err.message, /not accessible/);
    const g = await client.containerGroups.get(emu.resourceGroup, "nopull");
    assert.equal(g.provisioningState, "Failed");
    assert.equal(g.containers[0].instanceView?.events?.find((e) => e.name === "Failed")?.type, "Warning");
  });

  it("stops (Stopped, Killing event), starts again (LRO) and restarts in place", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "svc", group(emu), POLL);
    await client.containerGroups.stop(emu.resourceGroup, "svc");
    const stopped = await client.containerGroups.get(emu.resourceGroup, "svc");
    assert.equal(stopped.instanceView?.state, "Stopped");
    assert.equal(stopped.containers[0].instanceView?.events?.find((e) => e.name === "Killing")?.count, 1);
    await client.containerGroups.beginStartAndWait(emu.resourceGroup, "svc", POLL);
    const started = await getUntil(client, emu, "svc", (x) => x.instanceView?.state === "Running");
    assert.equal(started.containers[0].instanceView?.events?.find((e) => e.name === "Pulling")?.count, 2);
    await client.containerGroups.beginRestartAndWait(emu.resourceGroup, "svc", POLL);
    const restarted = await getUntil(client, emu, "svc", (x) => x.containers[0].instanceView?.events?.find((e) => e.name === "Pulling")?.count === 3 && x.instanceView?.state === "Running");
    assert.equal(restarted.containers[0].instanceView?.events?.find((e) => e.name === "Killing")?.count, 2);
    assert.deepEqual(emu.containerExits().filter((e) => e.group === "svc"), [], "a killed container did not exit on its own");
  });

  it("counts every redeploy and restart of an existing group, with its state before, and not an unchanged create-or-update", async () => {
    const before = emu.groupRestarts().length;
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "counted", group(emu, { command: ["sleep", "1000"] }), POLL);
    await getUntil(client, emu, "counted", (x) => x.instanceView?.state === "Running");
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "counted", group(emu, { command: ["sleep", "1000"] }), POLL);
    assert.deepEqual(emu.groupRestarts().slice(before), [], "the same spec again changes nothing");
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "counted", group(emu, { command: ["sleep", "2000"] }), POLL);
    await getUntil(client, emu, "counted", (x) => x.instanceView?.state === "Running");
    await client.containerGroups.beginRestartAndWait(emu.resourceGroup, "counted", POLL);
    assert.deepEqual(emu.groupRestarts().slice(before).map((r) => [r.group, r.cause, r.stateBefore]), [["counted", "redeploy", "Running"], ["counted", "restart", "Running"]]);
  });

  it("updates tags with PATCH", async () => {
    const updated = await client.containerGroups.update(emu.resourceGroup, "svc", { tags: { pod: "default/svc" } });
    assert.deepEqual(updated.tags, { pod: "default/svc" });
    assert.deepEqual(emu.groups().find((g) => g.name === "svc")?.tags, { pod: "default/svc" });
  });

  it("lists by resource group and by subscription in pages (nextLink), without instance views", async () => {
    const byRg = await collect(client.containerGroups.listByResourceGroup(emu.resourceGroup));
    const bySub = await collect(client.containerGroups.list());
    const names = emu.groups().map((g) => g.name).sort();
    assert.deepEqual(byRg.map((g) => g.name).sort(), names);
    assert.deepEqual(bySub.map((g) => g.name).sort(), names);
    assert.ok(emu.record.count("ContainerGroups_ListByResourceGroup") >= Math.ceil(names.length / 2), "several pages were fetched");
    assert.ok(byRg.every((g) => g.instanceView === undefined && g.containers.every((c) => c.instanceView === undefined)));
  });

  it("deletes through the LRO (202 + polling) and then answers 404 ResourceNotFound", async () => {
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "web", POLL);
    assert.equal(emu.record.count("ContainerGroups_Delete", 202), 1);
    const err = await rejection(client.containerGroups.get(emu.resourceGroup, "web"));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceNotFound");
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "web", POLL);
    assert.equal(emu.record.count("ContainerGroups_Delete", 204), 1, "deleting a missing group answers 204");
  });

  it("answers ResourceGroupNotFound for an unknown resource group", async () => {
    const err = await rejection(client.containerGroups.get("no-such-rg", "x"));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceGroupNotFound");
  });

  it("receives secrets only as secureValue and never returns them", async () => {
    const body = group(emu);
    body.containers[0].environmentVariables = [
      { name: "PLAIN", value: "visible" },
      { name: "TOKEN", secureValue: "s3cr3t" },
    ];
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "secretive", body, POLL);
    const sent = emu.record.bodiesFor("secretive", "ContainerGroups_CreateOrUpdate")[0] as { properties: { containers: Array<{ properties: { environmentVariables: unknown[] } }> } };
    assert.deepEqual(sent.properties.containers[0].properties.environmentVariables, [
      { name: "PLAIN", value: "visible" },
      { name: "TOKEN", secureValue: "s3cr3t" },
    ]);
    assert.deepEqual(created.containers[0].environmentVariables, [{ name: "PLAIN", value: "visible" }, { name: "TOKEN" }]);
  });

  it("reports usages (quota) and capabilities", async () => {
    const usages = await collect(client.location.listUsage(emu.location));
    const groups = usages.find((u) => u.name?.value === "ContainerGroups")!;
    assert.equal(groups.currentValue, emu.groups().length);
    assert.equal(groups.limit, 100);
    const caps = await collect(client.location.listCapabilities(emu.location));
    assert.ok(caps.some((c) => c.osType === "Linux" && c.capabilities?.maxCpu === 4));
  });

  it("returns a WebSocket URI and password for exec and attach", async () => {
    const exec = await client.containers.executeCommand(emu.resourceGroup, "svc", "main", { command: "/bin/sh", terminalSize: { rows: 24, cols: 80 } });
    assert.match(exec.webSocketUri ?? "", /^wss:\/\/127\.0\.0\.1:\d+\//);
    assert.ok((exec.password ?? "").length > 10);
    const attach = await client.containers.attach(emu.resourceGroup, "svc", "main");
    assert.match(attach.webSocketUri ?? "", /attach/);
  });
});
