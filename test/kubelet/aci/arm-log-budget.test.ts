import { strict as assert } from "node:assert";
import { type AciEmulator, startAciEmulator } from "../../../sandbox/aci-emulator";
import { ArmClient } from "../../../kubelet/src/aci/arm-client";
import { LogBudgetExceededError } from "../../../kubelet/src/aci/log-budget";
import { NotFoundError } from "../../../kubelet/src/errors";
import { emulatorConnection } from "../../fixtures/arm";
import { eventually } from "../../fixtures/eventually";

describe("ArmClient's log share (through the real SDK, against the emulator)", () => {
  let emulator: AciEmulator;
  let arm: ArmClient | undefined;

  before(async () => {
    emulator = await startAciEmulator({ timeScale: 0.01, limits: "unlimited", quotas: "unlimited" });
  });
  afterEach(() => arm?.close());
  after(() => emulator.close());

  const client = (logReadShare: number | undefined, logReadMaxWaitMs: number): ArmClient =>
    new ArmClient({
      ...emulatorConnection(emulator),
      // A slow refill, so that only the bursts count within the test.
      budget: { readsPerSecond: 0.5, readBurst: 20, writesPerSecond: 10, writeBurst: 10, logReadShare },
      logReadMaxWaitMs,
    });

  it("sends log reads up to their share and refuses the rest unsent, while status reads keep the remainder", async () => {
    emulator.record.clear();
    arm = client(0.2, 0);
    assert.deepEqual([arm.logReads.perSecond, arm.logReads.burst], [0.1, 4]);
    const logs = await Promise.allSettled(Array.from({ length: 10 }, () => arm!.logs("no-such-group", "main")));
    const refused = logs.filter((r) => r.status === "rejected" && r.reason instanceof LogBudgetExceededError);
    const answered = logs.filter((r) => r.status === "rejected" && r.reason instanceof NotFoundError);
    assert.deepEqual([answered.length, refused.length], [4, 6]);
    assert.equal(emulator.record.count("Containers_ListLogs"), 4, "refused reads never reach ARM");
    assert.equal(arm.counts.logReads, 4);
    // The share is part of the read budget: the other 16 tokens are there for status reads, at once.
    const tokensLeft = arm.reads.available();
    assert.ok(tokensLeft >= 16 && tokensLeft < 17, `${tokensLeft} read tokens left`);
    const gets = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => arm!.get(`group-${i}`)));
    assert.ok(gets.every((r) => r.status === "rejected" && r.reason instanceof NotFoundError));
    assert.equal(emulator.record.count("ContainerGroups_Get"), 16);
    assert.equal(arm.reads.waitedMs, 0, "no status read waited for a token");
  });

  it("reads final logs from the read budget while more than half of it is left, then on free turns of the log share, the rest waiting in line", async () => {
    emulator.record.clear();
    arm = client(0.2, 0);
    // 20 finishing pods: 10 reads take read tokens at once (the budget stays half full), the
    // share's 4 free turns serve 4 more, the other 6 wait in line for the budget to refill or a turn nobody reserved.
    const reads = Array.from({ length: 20 }, () => arm!.finalLogs("no-such-group", "main").then(() => "answered", (e: unknown) => (e instanceof NotFoundError ? "answered" : String(e))));
    const settled: string[] = [];
    for (const r of reads) void r.then((v) => settled.push(v));
    await eventually(() => assert.equal(settled.length, 14), { what: "the reads the budgets allow at once" });
    assert.ok(settled.every((v) => v === "answered"));
    assert.equal(arm.counts.finalLogReads, 14);
    assert.equal(arm.background.waiting, 6, "the rest wait in line");
    const left = arm.reads.available();
    assert.ok(left >= 6 && left < 7, `${left} read tokens left for status reads`);
    // An interactive log read does not queue behind them: the share's next turn is its own.
    assert.ok(arm.logReads.expectedWaitMs() <= 10_000);
  });

  it("takes a fifth of the read budget by default", () => {
    arm = client(undefined, 0);
    assert.deepEqual([arm.logReads.perSecond, arm.logReads.burst], [0.1, 4]);
  });
});
