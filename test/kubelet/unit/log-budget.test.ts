import { strict as assert } from "node:assert";
import { LOG_READ_MAX_WAIT_MS, LogBudgetExceededError, LogReadBudget } from "../../../kubelet/src/aci/log-budget";
import { ThrottledError } from "../../../kubelet/src/errors";
import { ManualClock } from "../../fixtures/manual-clock";

describe("LogReadBudget (the log reads' share of the ARM read budget)", () => {
  it("is a share of the read budget's rate and burst, with a burst of at least one", () => {
    const share = LogReadBudget.shareOf({ perSecond: 20, burst: 200 }, 0.2);
    assert.deepEqual([share.perSecond, share.burst], [4, 40]);
    const tiny = LogReadBudget.shareOf({ perSecond: 1, burst: 3 }, 0.1);
    assert.deepEqual([tiny.perSecond, tiny.burst], [0.1, 1]);
    assert.throws(() => new LogReadBudget(0, 1), RangeError);
  });

  it("grants its burst at once, then one read per 1/rate seconds, in the order asked", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const budget = new LogReadBudget(2, 3, { clock, maxWaitMs: 60_000 });
    const granted: Array<[number, number]> = [];
    for (let i = 0; i < 6; i++) void budget.take(`read ${i}`).then(() => granted.push([i, clock.now() - t0]));
    await clock.advance(0);
    assert.deepEqual(granted, [[0, 0], [1, 0], [2, 0]]);
    assert.equal(budget.waiting, 3);
    await clock.advance(2_000);
    assert.deepEqual(granted.slice(3), [[3, 500], [4, 1_000], [5, 1_500]]);
    assert.equal(budget.waitedMs, 500 + 1_000 + 1_500);
    assert.equal(budget.waiting, 0);
  });

  it("refuses at once a read whose turn is further than its longest wait, reserving nothing, and says when to come back", async () => {
    const clock = new ManualClock();
    const budget = new LogReadBudget(1, 1, { clock, maxWaitMs: 2_000 });
    await budget.take("a");
    void budget.take("b"); // waits 1 s
    void budget.take("c"); // waits 2 s: still within the bound
    assert.equal(budget.expectedWaitMs(), 3_000);
    const refused = await budget.take("d").then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof LogBudgetExceededError && refused instanceof ThrottledError);
    assert.equal(refused.retryAfterMs, 1_000);
    assert.match(refused.message, /^d: not sent: log reads are over their share of the Azure Resource Manager read budget \(1 reads\/s\)$/);
    assert.equal(budget.expectedWaitMs(), 3_000, "the refused read took no slot");
    await clock.advance(1_000);
    assert.equal(budget.expectedWaitMs(), 2_000, "time has brought the next turn within the bound");
    void budget.take("e");
    assert.equal(budget.expectedWaitMs(), 3_000);
    await clock.advance(3_000);
  });

  it("never refuses a read asked with no bound (a retry of an admitted one)", async () => {
    const clock = new ManualClock();
    const budget = new LogReadBudget(1, 1, { clock, maxWaitMs: 0 });
    await budget.take("first");
    await assert.rejects(budget.take("second"), LogBudgetExceededError);
    let done = false;
    void budget.take("retry", Infinity).then(() => (done = true));
    await clock.advance(999);
    assert.equal(done, false);
    await clock.advance(1);
    assert.equal(done, true);
  });

  it("lets a read wait ten seconds for its turn by default, and no longer", async () => {
    const clock = new ManualClock();
    const budget = new LogReadBudget(1, 1, { clock });
    const admitted = Array.from({ length: 11 }, (_, i) => budget.take(`read ${i}`));
    assert.equal(budget.expectedWaitMs(), LOG_READ_MAX_WAIT_MS + 1_000);
    await assert.rejects(budget.take("one too many"), LogBudgetExceededError);
    await clock.advance(LOG_READ_MAX_WAIT_MS);
    await Promise.all(admitted);
    assert.equal(LOG_READ_MAX_WAIT_MS, 10_000);
  });
});
