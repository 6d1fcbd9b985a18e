import { strict as assert } from "node:assert";
import { type AciEmulator, startAciEmulator } from "../../../sandbox/aci-emulator";
import { ArmClient } from "../../../kubelet/src/aci/arm-client";
import { NotFoundError, TransientError } from "../../../kubelet/src/errors";
import { eventually } from "../../fixtures/eventually";
import { emulatorConnection } from "../../fixtures/arm";

describe("ArmClient during an ARM outage (through the real SDK, against the emulator)", () => {
  let emulator: AciEmulator;
  let arm: ArmClient;

  before(async () => {
    emulator = await startAciEmulator({ timeScale: 0.01, limits: "unlimited", quotas: "unlimited" });
  });
  beforeEach(() => {
    emulator.faults.clear();
    emulator.record.clear();
    arm = new ArmClient({
      ...emulatorConnection(emulator),
      budget: { readsPerSecond: 100, readBurst: 100, writesPerSecond: 10, writeBurst: 10 },
      outageProbeMs: 1_000,
    });
  });
  afterEach(() => arm.close());
  after(() => emulator.close());

  const gets = (): number => emulator.record.count("ContainerGroups_Get");

  it("sends one probe at a time while ARM does not answer, and tells its listeners when ARM answers again", async () => {
    let recovered = 0;
    arm.onRecovered(() => recovered++);
    emulator.faults.set({ errorRate: 1, errorStatus: 503 });
    await assert.rejects(arm.get("nothing"), TransientError);
    assert.equal(gets(), 2, "two unanswered attempts, then no more retries");
    assert.ok(arm.unreachableSince() !== undefined);
    // Twenty reads at once while ARM is down: none is sent before the next probe is due.
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => arm.get("nothing")));
    assert.ok(results.every((r) => r.status === "rejected" && /not sent: Azure Resource Manager has not answered/.test(String(r.reason))));
    assert.equal(gets(), 2);
    emulator.faults.clear();
    // The next read after the probe interval goes; ARM answers (a 404 is an answer).
    await eventually(async () => {
      await assert.rejects(arm.get("nothing"), NotFoundError);
    }, { timeoutMs: 5_000, intervalMs: 100, what: "a probe answered" });
    assert.equal(recovered, 1);
    assert.equal(arm.unreachableSince(), undefined);
  });

  it("probes by itself while ARM is down, so recovery is seen with no caller reading", async () => {
    let recovered = 0;
    arm.onRecovered(() => recovered++);
    emulator.faults.set({ errorRate: 1, errorStatus: 503 });
    await assert.rejects(arm.get("nothing"), TransientError);
    emulator.faults.clear();
    await eventually(() => recovered === 1, { timeoutMs: 5_000, what: "the recovery seen by a probe of its own" });
    assert.equal(emulator.record.count("ContainerGroups_ListByResourceGroup", 200), 1);
  });

  it("does not count one failed attempt as an outage", async () => {
    emulator.faults.set({ failNextRequests: 1, errorStatus: 503 });
    await assert.rejects(arm.get("nothing"), NotFoundError);
    assert.equal(gets(), 2, "the 503, then the retry answered 404");
    assert.equal(arm.unreachableSince(), undefined);
  });
});
