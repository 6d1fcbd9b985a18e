import { strict as assert } from "node:assert";
import { TokenBucket } from "../../../kubelet/src/util/token-bucket";
import { ManualClock } from "../../fixtures/manual-clock";

/** Starts `n` takes and records when (ms after the clock's start) each is granted, in grant order. */
function takeMany(bucket: TokenBucket, clock: ManualClock, n: number, first = 0): Array<[number, number]> {
  const start = clock.now();
  const granted: Array<[number, number]> = [];
  for (let i = first; i < first + n; i++) void bucket.take().then(() => granted.push([i, clock.now() - start]));
  return granted;
}

describe("TokenBucket", () => {
  let clock: ManualClock;
  const bucketOf = (perSecond: number, burst: number): TokenBucket => new TokenBucket(perSecond, burst, clock);
  beforeEach(() => {
    clock = new ManualClock();
  });

  it("grants a full burst at once, then one token per 1/rate and not sooner", async () => {
    const bucket = bucketOf(100, 5);
    const granted = takeMany(bucket, clock, 7);
    await clock.advance(9);
    assert.deepEqual(granted, [[0, 0], [1, 0], [2, 0], [3, 0], [4, 0]], "the burst, and no more before a token has accrued");
    assert.equal(bucket.queued, 2);
    await clock.advance(1); // one token at 100/s
    assert.equal(granted.length, 6);
    await clock.advance(9);
    assert.equal(granted.length, 6, "one token per 10 ms, not more");
    await clock.advance(1);
    assert.deepEqual(granted.slice(5), [[5, 10], [6, 20]]);
    assert.equal(bucket.queued, 0);
  });

  it("serves waiters first come, first served, and a newcomer never jumps the queue", async () => {
    const bucket = bucketOf(100, 1);
    await bucket.take();
    const granted = takeMany(bucket, clock, 4);
    await clock.advance(15); // 1.5 tokens: the first waiter's, and half of the next
    assert.deepEqual(granted, [[0, 10]]);
    const late = takeMany(bucket, clock, 1, 4);
    await clock.advance(1_000);
    // With a burst of 1, time passes token by token: a jump grants one token at a time, not many at once.
    assert.deepEqual(granted, [[0, 10], [1, 20], [2, 30], [3, 40]]);
    assert.deepEqual(late, [[4, 35]], "the newcomer, 15 ms after it asked: after the four before it");
  });

  it("saves up at most `burst` tokens however long it idles", async () => {
    const bucket = bucketOf(10, 3);
    takeMany(bucket, clock, 3);
    assert.equal(bucket.available(), 0);
    await clock.advance(60_000);
    assert.equal(bucket.available(), 3);
    await clock.advance(150);
    assert.equal(bucket.available(), 3);
  });

  it("refills fractionally at its rate", async () => {
    const bucket = bucketOf(4, 10);
    for (let i = 0; i < 10; i++) void bucket.take();
    await clock.advance(500);
    assert.equal(bucket.available(), 2);
    await clock.advance(125);
    assert.equal(bucket.available(), 2.5);
  });

  it("`pause` spends what was saved and grants nothing until the pause is over (Retry-After)", async () => {
    const bucket = bucketOf(100, 50);
    bucket.pause(2_000);
    assert.equal(bucket.available(), 0);
    const granted = takeMany(bucket, clock, 2);
    await clock.advance(1_999);
    assert.deepEqual(granted, [], "nothing during the pause");
    await clock.advance(1);
    assert.deepEqual(granted, [], "tokens accrue only from the pause's end, not during it");
    await clock.advance(20);
    assert.deepEqual(granted, [[0, 2_010], [1, 2_020]]);
  });

  it("a shorter pause does not cut a longer one short", async () => {
    const bucket = bucketOf(100, 5);
    bucket.pause(1_000);
    bucket.pause(10);
    await clock.advance(500);
    assert.equal(bucket.available(), 0);
    await clock.advance(510);
    assert.ok(bucket.available() >= 1);
  });

  it("counts the time callers waited", async () => {
    const bucket = bucketOf(10, 1);
    await bucket.take();
    assert.equal(bucket.waitedMs, 0, "a token at hand costs no wait");
    const waiting = bucket.take();
    await clock.advance(100);
    await waiting;
    assert.equal(bucket.waitedMs, 100);
  });

  it("paces real callers at its rate (bounds generous for a loaded machine)", async () => {
    const bucket = new TokenBucket(50, 1);
    const started = Date.now();
    for (let i = 0; i < 6; i++) await bucket.take();
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 90, `5 refills at 50/s took only ${elapsed} ms`);
    assert.ok(elapsed < 3_000, `took ${elapsed} ms`);
  });

  it("refuses a rate or burst that could never grant a token", () => {
    for (const [rate, burst] of [[0, 1], [-1, 1], [Number.NaN, 1], [1, 0], [1, 0.5], [1, Number.NaN]]) {
      assert.throws(() => new TokenBucket(rate, burst), RangeError, `${rate}, ${burst}`);
    }
  });
});
