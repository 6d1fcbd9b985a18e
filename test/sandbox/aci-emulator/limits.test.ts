import assert from "node:assert/strict";
import { assertNoSpecViolations, collect, fastEmulator, getUntil, group, POLL, rejection } from "./fixture";

describe("ACI emulator: throttling and quotas", () => {
  it("answers 429 with Retry-After when the subscription's read bucket is empty, and the SDK waits and retries", async () => {
    const emu = await fastEmulator({ limits: { reads: { burst: 2, perSecond: 1 } } });
    try {
      const client = emu.client();
      const noRetry = emu.client({ retryOptions: { maxRetries: 0 } });
      await collect(client.location.listUsage(emu.location));
      await collect(client.location.listUsage(emu.location));
      const err = await rejection(collect(noRetry.location.listUsage(emu.location)));
      assert.equal(err.statusCode, 429);
      assert.equal(err.code, "SubscriptionRequestsThrottled");
      assert.equal(err.response?.headers.get("retry-after"), "1");
      const started = Date.now();
      const usages = await collect(client.location.listUsage(emu.location));
      assert.ok(usages.length > 0);
      assert.ok(Date.now() - started >= 900, "the SDK honoured Retry-After before retrying");
      assert.ok(emu.record.count("Location_ListUsage", 429) >= 2);
      assertNoSpecViolations(emu);
    } finally {
      await emu.close();
    }
  });

  it("throttles writes separately from reads, with ARM's remaining-requests header", async () => {
    const emu = await fastEmulator({ limits: { writes: { burst: 1, perSecond: 0.5 } } });
    try {
      const client = emu.client({ retryOptions: { maxRetries: 0 } });
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "w1", group(emu), POLL);
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "w2", group(emu), POLL));
      assert.equal(err.statusCode, 429);
      assert.equal(err.response?.headers.get("retry-after"), "2");
      let remaining: string | undefined;
      const g = await client.containerGroups.get(emu.resourceGroup, "w1", { onResponse: (raw) => (remaining = raw.headers.get("x-ms-ratelimit-remaining-subscription-reads")) });
      assert.equal(g.name, "w1", "reads still flow");
      assert.match(remaining ?? "", /^\d+$/);
    } finally {
      await emu.close();
    }
  });

  it("applies ACI's per-region create window (TooManyRequests, Retry-After until the window frees)", async () => {
    const emu = await fastEmulator({ limits: { creates: [{ max: 2, windowSeconds: 300 }] } });
    try {
      const client = emu.client({ retryOptions: { maxRetries: 0 } });
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "c1", group(emu), POLL);
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "c2", group(emu), POLL);
      const updated = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "c2", { ...group(emu), tags: { a: "b" } }, POLL);
      assert.deepEqual(updated.tags, { a: "b" }, "updates of existing groups are not creates");
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "c3", group(emu), POLL));
      assert.equal(err.statusCode, 429);
      assert.equal(err.code, "TooManyRequests");
      assert.match(err.message, /ObservationWindow_00:05:00/);
      const retryAfter = Number(err.response?.headers.get("retry-after"));
      assert.ok(retryAfter > 290 && retryAfter <= 300, `retry-after ${retryAfter}`);
    } finally {
      await emu.close();
    }
  });

  it("enforces the regional container group quota and frees it on delete", async () => {
    const emu = await fastEmulator({ quotas: { containerGroups: 2 } });
    try {
      const client = emu.client();
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "q1", group(emu), POLL);
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "q2", group(emu), POLL);
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "q3", group(emu), POLL));
      assert.equal(err.statusCode, 409);
      assert.equal(err.code, "ContainerGroupQuotaReached");
      assert.match(err.message, /quota 'ContainerGroups' exceeded in region 'westeurope'. Limit: '2', Usage: '2'/);
      await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "q1", POLL);
      const ok = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "q3", group(emu), POLL);
      assert.equal(ok.provisioningState, "Succeeded");
      assertNoSpecViolations(emu);
    } finally {
      await emu.close();
    }
  });

  it("counts every existing group against the quota whatever its state (finished, stopped) until it is deleted, as ACI does", async () => {
    const emu = await fastEmulator({ quotas: { containerGroups: 2 } });
    try {
      const client = emu.client();
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "done", group(emu, { command: ["sleep", "1"] }), POLL);
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "stopped", group(emu, { command: ["sleep", "1000"] }), POLL);
      await client.containerGroups.stop(emu.resourceGroup, "stopped");
      await getUntil(client, emu, "done", (g) => g.instanceView?.state === "Succeeded", "the first group to finish");
      await getUntil(client, emu, "stopped", (g) => g.instanceView?.state === "Stopped", "the second group to stop");
      const counted = (await collect(client.location.listUsage(emu.location))).find((u) => u.name?.value === "ContainerGroups");
      assert.deepEqual([counted?.currentValue, counted?.limit], [2, 2], "a finished and a stopped group both count");
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "third", group(emu), POLL));
      assert.equal(err.code, "ContainerGroupQuotaReached");
      await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "done", POLL);
      const after = (await collect(client.location.listUsage(emu.location))).find((u) => u.name?.value === "ContainerGroups");
      assert.equal(after?.currentValue, 1, "a deleted group no longer counts");
      assert.equal((await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "third", group(emu), POLL)).provisioningState, "Succeeded");
      assertNoSpecViolations(emu);
    } finally {
      await emu.close();
    }
  });

  it("defaults to ACI's documented windows: 100 creates per 5 minutes and 300 per hour, the same for deletes", async () => {
    const emu = await fastEmulator({ quotas: "unlimited", limits: { reads: null, writes: null, deletes: null } });
    try {
      const client = emu.client({ retryOptions: { maxRetries: 0 } });
      for (let i = 0; i < 100; i++) await client.containerGroups.beginCreateOrUpdate(emu.resourceGroup, `d${i}`, group(emu));
      const err = await rejection(client.containerGroups.beginCreateOrUpdate(emu.resourceGroup, "d100", group(emu)));
      assert.equal(err.statusCode, 429);
      assert.match(err.message, /ContainerGroupCreate_ObservationWindow_00:05:00/);
    } finally {
      await emu.close();
    }
  });

  it("enforces the regional standard core quota and reports it in usages", async () => {
    const emu = await fastEmulator({ quotas: { standardCores: 3 } });
    try {
      const client = emu.client();
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "big", group(emu, { cpu: 2 }), POLL);
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "bigger", group(emu, { cpu: 2 }), POLL));
      assert.equal(err.code, "ContainerGroupQuotaReached");
      assert.match(err.message, /'StandardCores'/);
      const cores = (await collect(client.location.listUsage(emu.location))).find((u) => u.name?.value === "StandardCores");
      assert.equal(cores?.currentValue, 2);
      assert.equal(cores?.limit, 3);
    } finally {
      await emu.close();
    }
  });

  it("can be unlimited: 150 creates at once all succeed", async () => {
    const emu = await fastEmulator({ limits: "unlimited", quotas: "unlimited" });
    try {
      const client = emu.client();
      const names = Array.from({ length: 150 }, (_, i) => `u${i}`);
      await Promise.all(names.map((n) => client.containerGroups.beginCreateOrUpdate(emu.resourceGroup, n, group(emu, { cpu: 1 }))));
      assert.equal(emu.groups().length, 150);
      assert.equal(emu.record.count("ContainerGroups_CreateOrUpdate", 201), 150);
      const groups = (await collect(client.location.listUsage(emu.location))).find((u) => u.name?.value === "ContainerGroups");
      assert.equal(groups?.limit, 2147483647);
    } finally {
      await emu.close();
    }
  });
});
