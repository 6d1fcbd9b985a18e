import assert from "node:assert/strict";
import type { TokenCredential } from "@azure/core-auth";
import { MetricsClient } from "@azure/monitor-query-metrics";
import { type AciEmulator, METRICS_BATCH_OPERATION } from "../../../sandbox/aci-emulator";
import { isBusy, programFor } from "../../../sandbox/aci-emulator/behaviour";
import { MonitorClient, METRIC_NAMESPACE } from "../../../kubelet/src/aci/monitor-client";
import { assertNoSpecViolations, fastEmulator, getUntil, group, pollUntil, rejection } from "./fixture";

const BUSY = ["sh", "-c", "while true; do :; done"];

function monitorClient(emu: AciEmulator, budget = { callsPerSecond: 50, burst: 50 }): MonitorClient {
  return new MonitorClient({ credential: emu.credential(), endpoint: emu.metricsEndpoint, agent: emu.agent(), budget });
}

const idOf = (emu: AciEmulator, name: string): string => `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;

describe("ACI emulator: what a container's command does to its CPU", () => {
  it("spins at its CPU limit in a loop without sleep or in yes, and idles otherwise", () => {
    assert.ok(isBusy(programFor(BUSY)));
    assert.ok(isBusy(programFor(["yes"])));
    assert.ok(isBusy(programFor(["sh", "-c", "echo start; yes > /dev/null"])));
    assert.ok(!isBusy(programFor(["sh", "-c", "while true; do sleep 1; done"])));
    assert.ok(!isBusy(programFor(["sleep", "infinity"])));
    assert.ok(!isBusy(programFor(undefined)));
  });
});

describe("ACI emulator: Azure Monitor metrics batch API", () => {
  let emu: AciEmulator;

  before(async () => {
    // One-second buckets published at once: Azure's are a minute, a minute late (see the next suite).
    emu = await fastEmulator({ monitor: { timing: { grainSeconds: 1, delaySeconds: 0 }, limit: null } });
    const client = emu.client();
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "busy", group(emu, { command: BUSY, cpu: 0.5 }), { updateIntervalInMs: 10 });
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "idle", group(emu, { command: ["sleep", "infinity"] }), { updateIntervalInMs: 10 });
    for (const name of ["busy", "idle"]) await getUntil(client, emu, name, (g) => g.containers[0].instanceView?.currentState?.state === "Running");
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  it("reports per-container CPU in millicores and memory in bytes through the real client, following the command", async () => {
    const monitor = monitorClient(emu);
    const samples = await pollUntil(
      () => monitor.usage([idOf(emu, "busy"), idOf(emu, "idle")], new Date(Date.now() - 60_000), new Date()),
      (s) => [...s.values()].every((g) => (g.get("main") ?? []).length >= 2),
      10_000,
      "two published buckets for both groups",
    );
    const busy = samples.get(idOf(emu, "busy").toLowerCase())!.get("main")!;
    const idle = samples.get(idOf(emu, "idle").toLowerCase())!.get("main")!;
    for (const s of busy) {
      assert.equal(s.grainMs, 1000);
      assert.ok(s.cpuMillicores! > 480 && s.cpuMillicores! < 520, `busy at its 0.5-core limit, got ${s.cpuMillicores}`);
      assert.ok(s.memoryBytes! > 0);
    }
    for (const s of idle) assert.ok(s.cpuMillicores! > 0 && s.cpuMillicores! < 5, `idle uses a little, got ${s.cpuMillicores}`);
  });

  it("answers a group that does not exist with ResourceNotFound in its entry, and the others normally", async () => {
    const sdk = new MetricsClient(emu.metricsEndpoint, emu.credential(), { agent: emu.agent() });
    const results = await sdk.queryResources([idOf(emu, "busy"), idOf(emu, "gone")], ["CpuUsage"], METRIC_NAMESPACE, { filter: "containerName eq '*'" });
    assert.equal(results.length, 2);
    assert.equal(results[0].metrics[0].errorCode, "Success");
    assert.equal(results[0].metrics[0].timeseries[0].metadatavalues?.[0].value, "main");
    assert.equal(results[1].metrics[0].errorCode, "ResourceNotFound");
    assert.deepEqual(results[1].metrics[0].timeseries, []);
  });

  it("refuses more than 50 resources, an unknown metric and another resource type, naming what is wrong", async () => {
    const sdk = new MetricsClient(emu.metricsEndpoint, emu.credential(), { agent: emu.agent() });
    const ids = Array.from({ length: 51 }, (_, i) => idOf(emu, `g${i}`));
    const tooMany = await rejection(sdk.queryResources(ids, ["CpuUsage"], METRIC_NAMESPACE));
    assert.equal(tooMany.statusCode, 400);
    assert.match(tooMany.message, /at most 50/);
    const unknown = await rejection(sdk.queryResources([idOf(emu, "busy")], ["CpuPercent"], METRIC_NAMESPACE));
    assert.match(unknown.message, /CpuPercent.*Valid metrics: CpuUsage,MemoryUsage/);
    const otherType = await rejection(sdk.queryResources([idOf(emu, "busy").replace("containerGroups", "containerScaleSets")], ["CpuUsage"], METRIC_NAMESPACE));
    assert.match(otherType.message, /not of type 'Microsoft.ContainerInstance\/containerGroups'/);
  });

  it("takes tokens for the metrics audience or ARM's (the SDK's default), and no other", async () => {
    const storageToken: TokenCredential = { getToken: () => Promise.resolve({ token: emu.tokens.issue(3600, "https://storage.azure.com/.default").token, expiresOnTimestamp: Date.now() + 3600_000 }) };
    const sdk = new MetricsClient(emu.metricsEndpoint, storageToken, { agent: emu.agent() });
    const refused = await rejection(sdk.queryResources([idOf(emu, "busy")], ["CpuUsage"], METRIC_NAMESPACE));
    assert.equal(refused.statusCode, 401);
    assert.match(refused.message, /wrong audience/);
  });
});

describe("ACI emulator: Azure Monitor's grain, delay and throttle", () => {
  let emu: AciEmulator;

  before(async () => {
    emu = await fastEmulator({ monitor: { limit: { burst: 2, perSecond: 0.01 } } });
    await emu.client().containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "busy", group(emu, { command: BUSY }), { updateIntervalInMs: 10 });
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  it("answers in one-minute buckets and has no value yet for the minute that is running nor the one before", async () => {
    const sdk = new MetricsClient(emu.metricsEndpoint, emu.credential(), { agent: emu.agent() });
    const now = Date.now();
    const [result] = await sdk.queryResources([idOf(emu, "busy")], ["CpuUsage"], METRIC_NAMESPACE, { startTime: new Date(now - 5 * 60_000), endTime: new Date(now), filter: "containerName eq 'main'" });
    assert.equal(result.granularity, "PT1M");
    const data = result.metrics[0].timeseries[0].data ?? [];
    assert.ok(data.length >= 5 && data.length <= 6, `one point per minute of the range, got ${data.length}`);
    for (const p of data) assert.equal(p.timeStamp.getUTCSeconds(), 0, "buckets start on the minute");
    assert.ok(data.every((p) => p.average === undefined), "a group created just now has no published minute");
  });

  it("throttles the batch API on a bucket of its own (429 with Retry-After), leaving ARM reads alone", async () => {
    const monitor = monitorClient(emu, { callsPerSecond: 100, burst: 100 });
    const ids = [idOf(emu, "busy")];
    const window = { from: new Date(Date.now() - 60_000), to: new Date() };
    let throttled: Error | undefined;
    for (let i = 0; i < 3 && !throttled; i++) throttled = await monitor.usage(ids, window.from, window.to).then(() => undefined, (err: Error) => err);
    assert.equal(throttled?.name, "ThrottledError");
    assert.match(throttled.message, /retry after \d+ seconds/);
    assert.ok(monitor.calls.available() < 1, "the client's own budget pauses on the 429");
    // The suite's calls: as many answered as the burst of 2, then one refused.
    assert.deepEqual([emu.record.count(METRICS_BATCH_OPERATION, 200), emu.record.count(METRICS_BATCH_OPERATION, 429)], [2, 1]);
    const group = await emu.client().containerGroups.get(emu.resourceGroup, "busy");
    assert.equal(group.name, "busy");
  });
});
