import assert from "node:assert/strict";
import https from "node:https";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { fastEmulator, group, POLL, pollUntil, rejection } from "./fixture";

/** Plain JSON over the emulator's HTTPS server, as the demo and benchmarks use the control endpoint. */
function control(emu: AciEmulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? "" : JSON.stringify(body);
    const req = https.request(`${emu.endpoint}${path}`, { method, agent: emu.agent(), headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
      });
    });
    req.on("error", reject);
    req.end(payload);
  });
}

describe("ACI emulator: fault injection, control endpoint and record", () => {
  let emu: AciEmulator;
  let client: ContainerInstanceManagementClient;
  let noRetry: ContainerInstanceManagementClient;

  before(async () => {
    emu = await fastEmulator();
    client = emu.client();
    noRetry = emu.client({ retryOptions: { maxRetries: 0 } });
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "base", group(emu), POLL);
  });
  afterEach(() => emu.faults.clear());
  after(() => emu.close());

  it("injected 5xx answers are retried by the SDK", async () => {
    emu.record.clear();
    emu.faults.set({ failNextRequests: 2 });
    const g = await client.containerGroups.get(emu.resourceGroup, "base");
    assert.equal(g.name, "base");
    assert.equal(emu.record.count("ContainerGroups_Get", 500), 2);
    assert.equal(emu.record.count("ContainerGroups_Get", 200), 1);
  });

  it("a 5xx rate answers in ARM's error shape", async () => {
    emu.faults.set({ errorRate: 1, errorStatus: 503 });
    const err = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "base"));
    assert.equal(err.statusCode, 503);
    assert.equal(err.code, "ServiceUnavailable");
  });

  it("throttles writes and deletes at a rate with Retry-After, never reads", async () => {
    emu.faults.set({ throttleWriteRate: 1, throttleRetryAfterSeconds: 3 });
    const del = await rejection(noRetry.containerGroups.beginDelete(emu.resourceGroup, "base"));
    assert.equal(del.statusCode, 429);
    assert.equal(del.code, "SubscriptionRequestsThrottled");
    assert.match(del.message, /'delete' requests/);
    assert.equal(del.response?.headers.get("retry-after"), "3");
    const put = await rejection(noRetry.containerGroups.update(emu.resourceGroup, "base", { tags: { a: "b" } }));
    assert.equal(put.statusCode, 429);
    assert.match(put.message, /'write' requests/);
    assert.equal((await noRetry.containerGroups.get(emu.resourceGroup, "base")).name, "base");
  });

  it("throttles reads at a rate, with Retry-After", async () => {
    emu.faults.set({ throttleReadRate: 1, throttleRetryAfterSeconds: 2 });
    const get = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "base"));
    assert.equal(get.statusCode, 429);
    assert.equal(get.code, "SubscriptionRequestsThrottled");
    assert.match(get.message, /'read' requests/);
    assert.equal(get.response?.headers.get("retry-after"), "2");
  });

  it("loses a group through the control endpoint: later reads answer 404 ResourceNotFound", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "doomed", group(emu), POLL);
    assert.equal((await control(emu, "DELETE", "/_emulator/groups/doomed")).status, 204);
    const err = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "doomed"));
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, "ResourceNotFound");
    assert.ok(!emu.groups().some((g) => g.name === "doomed"));
    assert.equal((await control(emu, "DELETE", "/_emulator/groups/doomed")).status, 404);
  });

  it("evicts a Spot group through the control endpoint, and only a Spot group", async () => {
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "spot-evicted", { ...group(emu), priority: "Spot" }, POLL);
    assert.equal((await control(emu, "POST", "/_emulator/groups/spot-evicted/evict")).status, 204);
    const evicted = await noRetry.containerGroups.get(emu.resourceGroup, "spot-evicted");
    assert.ok(evicted.instanceView?.events?.some((e) => e.name === "SpotEviction"));
    assert.equal((await control(emu, "POST", "/_emulator/groups/base/evict")).status, 404);
  });

  it("drops connections", async () => {
    emu.faults.set({ dropRate: 1 });
    const err = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "base"));
    assert.equal(err.statusCode, undefined);
    assert.match(String(err.code), /ECONNRESET|REQUEST_SEND_ERROR/);
  });

  it("drops the response of a create that succeeded; the SDK's retry finds the group (one group, two PUTs)", async () => {
    emu.record.clear();
    emu.faults.set({ dropNextCreateResponses: 1 });
    const created = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "dropped", group(emu), POLL);
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(emu.record.count("ContainerGroups_CreateOrUpdate", 0), 1, "the first answer was dropped");
    assert.equal(emu.record.count("ContainerGroups_CreateOrUpdate", 200), 1, "the retry saw the existing group");
    assert.equal(emu.groups().filter((g) => g.name === "dropped").length, 1);
  });

  it("a total outage window answers 503 until it ends", async () => {
    emu.faults.outage(300);
    const err = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "base"));
    assert.equal(err.statusCode, 503);
    const g = await pollUntil(
      () => noRetry.containerGroups.get(emu.resourceGroup, "base").then((x) => x.name, () => undefined),
      (name) => name === "base",
      3000,
      "the outage to end",
    );
    assert.equal(g, "base");
  });

  it("adds latency per operation", async () => {
    emu.faults.set({ latencyByOperation: { ContainerGroups_Get: 150 } });
    emu.record.clear();
    await client.containerGroups.get(emu.resourceGroup, "base");
    const call = emu.record.calls.find((c) => c.operation === "ContainerGroups_Get")!;
    assert.ok(call.durationMs >= 145, `duration ${call.durationMs}`);
  });

  it("is driven over the control endpoint with plain JSON", async () => {
    const set = await control(emu, "PUT", "/_emulator/faults", { failNextRequests: 1, errorStatus: 500 });
    assert.equal(set.status, 200);
    assert.equal((set.json as { failNextRequests: number }).failNextRequests, 1);
    const err = await rejection(noRetry.containerGroups.get(emu.resourceGroup, "base"));
    assert.equal(err.statusCode, 500);
    const record = await control(emu, "GET", "/_emulator/record?calls=1");
    const r = record.json as { counts: { byOperationStatus: Record<string, number> }; calls: Array<{ operation: string; status: number }> };
    assert.ok(r.counts.byOperationStatus["ContainerGroups_Get 500"] >= 1);
    assert.deepEqual(r.calls.map((c) => [c.operation, c.status]), [["ContainerGroups_Get", 500]]);
    const groups = await control(emu, "GET", "/_emulator/groups");
    assert.ok((groups.json as Array<{ name: string; provisioningState: string }>).some((g) => g.name === "base" && g.provisioningState === "Succeeded"));
    const bad = await control(emu, "PUT", "/_emulator/faults", { errorRate: 2 });
    assert.equal(bad.status, 400);
    const outage = await control(emu, "POST", "/_emulator/faults/outage", { durationMs: 60_000, mode: "drop" });
    assert.equal((outage.json as { outage: { mode: string } }).outage.mode, "drop");
    assert.equal((await control(emu, "DELETE", "/_emulator/faults")).status, 200);
    assert.equal(emu.faults.get().outage, null);
    const info = await control(emu, "GET", "/_emulator");
    assert.equal((info.json as { subscriptionId: string }).subscriptionId, emu.subscriptionId);
  });

  it("keeps bounded memory when asked: counters always, capped calls, no bodies", async () => {
    const small = await fastEmulator({ record: { calls: 3, bodies: false } });
    try {
      const c = small.client();
      for (let i = 0; i < 10; i++) await c.containerGroups.get(small.resourceGroup, "missing").catch(() => undefined);
      await c.containerGroups.beginCreateOrUpdate(small.resourceGroup, "one", group(small));
      assert.equal(small.record.calls.length, 3);
      assert.equal(small.record.bodies.length, 0);
      assert.equal(small.record.count("ContainerGroups_Get", 404), 10);
      assert.equal(small.record.count("ContainerGroups_CreateOrUpdate"), 1);
    } finally {
      await small.close();
    }
  });
});
