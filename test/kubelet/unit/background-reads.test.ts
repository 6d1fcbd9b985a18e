import { strict as assert } from "node:assert";
import { BackgroundReads } from "../../../kubelet/src/aci/background-reads";
import { LogReadBudget } from "../../../kubelet/src/aci/log-budget";
import { TokenBucket } from "../../../kubelet/src/util/token-bucket";
import { ManualClock } from "../../fixtures/manual-clock";

describe("BackgroundReads (final-log reads that can wait, manual clock)", () => {
  let clock: ManualClock;
  let t0: number;
  let reads: TokenBucket;
  let logShare: LogReadBudget;
  let background: BackgroundReads;
  /** When each read was admitted, in ms since the test began. */
  let admittedAt: number[];

  /** Queues `n` reads; each takes its read token once admitted and ends at once. */
  const queue = (n: number): void => {
    for (let i = 0; i < n; i++) {
      void background.admit().then(async (done) => {
        admittedAt.push(clock.now() - t0);
        await reads.take();
        done();
      });
    }
  };

  beforeEach(() => {
    clock = new ManualClock();
    t0 = clock.now();
    reads = new TokenBucket(10, 20, clock);
    logShare = LogReadBudget.shareOf(reads, 0.2, { clock });
    background = new BackgroundReads(reads, logShare, clock);
    admittedAt = [];
  });

  it("admits at once while the budget holds more than half its burst, then at the rate it refills, not the log share's", async () => {
    queue(30);
    await clock.advance(0);
    // 10 while the bucket holds more than 10 of its 20 tokens, and the log share's 4 free turns.
    assert.equal(admittedAt.filter((ms) => ms === 0).length, 14);
    await clock.advance(2_000);
    assert.equal(admittedAt.length, 30, `all admitted within 2 s at 10 reads/s: ${admittedAt.join(" ")}`);
    assert.equal(background.waiting, 0);
  });

  it("leaves status reads half the burst: admits nothing more while other reads keep the budget at half", async () => {
    for (let i = 0; i < 10; i++) await reads.take();
    queue(5);
    await clock.advance(0);
    // The bucket is at half: only the log share's free turns (4) go, taking their read tokens.
    assert.deepEqual(admittedAt, [0, 0, 0, 0]);
    // Status reads take every token the bucket gains; the log share gives a turn every 500 ms.
    for (let ms = 100; ms <= 1_000; ms += 100) {
      await clock.advance(100);
      while (reads.available() >= 1) await reads.take();
    }
    assert.deepEqual(admittedAt, [0, 0, 0, 0, 500], "one more, on the log share's next free turn");
  });
});
