import { strict as assert } from "node:assert";
import type { Clock } from "../../../kubelet/src/util/clock";
import { TokenBucket } from "../../../kubelet/src/util/token-bucket";

/** A clock that moves only when told; the bucket's own timers are real but short. */
class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  timer(ms: number, fn: () => void): () => void {
    const timer = setTimeout(fn, Math.min(ms, 2));
    return () => clearTimeout(timer);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (real time) until `done()` holds, up to `ms`. */
async function until(done: () => boolean, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await pause(2);
  return done();
}

/** Starts `n` takes and records the order in which they are granted. */
function takeMany(bucket: TokenBucket, n: number): number[] {
  const granted: number[] = [];
  for (let i = 0; i < n; i++) void bucket.take().then(() => granted.push(i));
  return granted;
}

describe("TokenBucket", () => {
  const made: Array<[TokenBucket, FakeClock]> = [];
  /** A bucket on a fake clock, released after the test even when the test fails midway. */
  const fakeBucket = (perSecond: number, burst: number): [TokenBucket, FakeClock] => {
    const clock = new FakeClock();
    const pair: [TokenBucket, FakeClock] = [new TokenBucket(perSecond, burst, clock), clock];
    made.push(pair);
    return pair;
  };
  afterEach(async () => {
    for (const [bucket, clock] of made.splice(0)) {
      for (let i = 0; i < 1_000 && bucket.queued > 0; i++) {
        clock.advance(60_000);
        await pause(2);
      }
    }
  });

  it("grants a full burst at once, then nothing until it refills", async () => {
    const [bucket, clock] = fakeBucket(100, 5);
    const granted = takeMany(bucket, 7);
    await pause(30);
    assert.deepEqual(granted, [0, 1, 2, 3, 4], "the burst, and no more while the clock stands still");
    assert.equal(bucket.queued, 2);
    clock.advance(10); // one token at 100/s
    assert.ok(await until(() => granted.length === 6), `granted ${granted.length}`);
    await pause(30);
    assert.equal(granted.length, 6, "one token per 10 ms, not more");
    clock.advance(10);
    assert.ok(await until(() => granted.length === 7));
    assert.equal(bucket.queued, 0);
  });

  it("serves waiters first come, first served, and a newcomer never jumps the queue", async () => {
    const [bucket, clock] = fakeBucket(100, 1);
    await bucket.take();
    const granted = takeMany(bucket, 4);
    clock.advance(15); // 1.5 tokens: the first waiter's, and half of the next
    assert.ok(await until(() => granted.length === 1));
    void bucket.take().then(() => granted.push(4));
    const done = (): boolean => granted.length === 5;
    // With a burst of 1, time must pass token by token: a jump grants one token, not ten.
    for (let i = 0; i < 50 && !done(); i++) {
      clock.advance(10);
      await until(() => granted.length > i + 1, 200);
    }
    assert.deepEqual(granted, [0, 1, 2, 3, 4]);
  });

  it("saves up at most `burst` tokens however long it idles", () => {
    const [bucket, clock] = fakeBucket(10, 3);
    takeMany(bucket, 3);
    assert.equal(bucket.available(), 0);
    clock.advance(60_000);
    assert.equal(bucket.available(), 3);
    clock.advance(150);
    assert.equal(bucket.available(), 3);
  });

  it("refills fractionally at its rate", () => {
    const [bucket, clock] = fakeBucket(4, 10);
    for (let i = 0; i < 10; i++) void bucket.take();
    clock.advance(500);
    assert.equal(bucket.available(), 2);
    clock.advance(125);
    assert.equal(bucket.available(), 2.5);
  });

  it("`pause` spends what was saved and grants nothing until the pause is over (Retry-After)", async () => {
    const [bucket, clock] = fakeBucket(100, 50);
    bucket.pause(2_000);
    assert.equal(bucket.available(), 0);
    const granted = takeMany(bucket, 2);
    clock.advance(1_990);
    await pause(30);
    assert.deepEqual(granted, [], "nothing during the pause");
    clock.advance(10);
    await pause(30);
    assert.deepEqual(granted, [], "tokens accrue only from the pause's end, not during it");
    clock.advance(20);
    assert.ok(await until(() => granted.length === 2), `granted ${granted.length}`);
  });

  it("a shorter pause does not cut a longer one short", () => {
    const [bucket, clock] = fakeBucket(100, 5);
    bucket.pause(1_000);
    bucket.pause(10);
    clock.advance(500);
    assert.equal(bucket.available(), 0);
    clock.advance(510);
    assert.ok(bucket.available() >= 1);
  });

  it("counts the time callers waited", async () => {
    const [bucket, clock] = fakeBucket(10, 1);
    await bucket.take();
    assert.equal(bucket.waitedMs, 0, "a token at hand costs no wait");
    const waiting = bucket.take();
    clock.advance(100);
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
