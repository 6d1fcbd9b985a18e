import { strict as assert } from "node:assert";
import { WorkQueue, type WorkQueueOptions } from "../../../kubelet/src/pods/work-queue";
import { ManualClock, settle } from "../../fixtures/manual-clock";

/** A gate a handler can wait on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe("WorkQueue", () => {
  let clock: ManualClock;
  let controller: AbortController;
  let running: Promise<void> | undefined;
  beforeEach(() => {
    clock = new ManualClock(0);
    controller = new AbortController();
    running = undefined;
  });
  afterEach(async () => {
    controller.abort();
    await running;
  });

  /** A queue on the manual clock whose backoff jitter is none (always the full step). */
  const queue = (options: Partial<WorkQueueOptions> = {}): WorkQueue => new WorkQueue({ name: "t", clock, random: () => 1, ...options });
  /** Runs the queue and records when (on the manual clock) each key was handled. */
  const start = (q: WorkQueue, concurrency: number, handler: (key: string) => Promise<void> = () => Promise.resolve(), onError?: (key: string, err: unknown) => void): Array<[string, number]> => {
    const seen: Array<[string, number]> = [];
    running = q.run(concurrency, (key) => (seen.push([key, clock.now()]), handler(key)), controller.signal, onError);
    return seen;
  };

  it("hands a key out once however often it was added while waiting", async () => {
    const q = queue();
    for (const key of ["a", "b", "a", "a", "b"]) q.add(key);
    assert.equal(q.depth, 2);
    const seen = start(q, 2);
    await clock.advance(1_000);
    assert.deepEqual(seen.map(([k]) => k).sort(), ["a", "b"]);
  });

  it("never processes one key concurrently, and runs it once more when it was added meanwhile", async () => {
    const q = queue();
    const first = gate();
    let active = 0;
    let maxActive = 0;
    const seen = start(q, 4, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (seen.length === 1) await first.wait;
      active--;
    });
    q.add("ns/pod");
    await settle();
    for (let i = 0; i < 5; i++) q.add("ns/pod");
    await clock.advance(1_000);
    assert.equal(seen.length, 1, "not handed out again while it is being processed");
    first.open();
    await clock.advance(1_000);
    assert.deepEqual([seen.length, maxActive], [2, 1], "one re-run for all the adds, never two at once");
  });

  it("processes different keys in parallel up to its concurrency", async () => {
    const q = queue();
    const release = gate();
    let active = 0;
    let maxActive = 0;
    start(q, 3, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await release.wait;
      active--;
    });
    for (const key of ["a", "b", "c", "d", "e"]) q.add(key);
    await clock.advance(10);
    assert.deepEqual([active, maxActive, q.depth], [3, 3, 2]);
    release.open();
    await clock.advance(10);
    assert.deepEqual([active, maxActive, q.depth], [0, 3, 0]);
  });

  it("retries a failing key after base·2^(n-1), reports each error, and success forgets the failures", async () => {
    const q = queue({ backoff: { baseMs: 20, maxMs: 1_000 } });
    const errors: string[] = [];
    let attempt = 0;
    const seen = start(q, 1, () => (++attempt <= 3 ? Promise.reject(new Error(`boom ${attempt}`)) : Promise.resolve()), (key, err) => errors.push(`${key}: ${(err as Error).message}`));
    q.add("k");
    await clock.advance(10_000);
    assert.deepEqual(seen.map(([, at]) => at), [0, 20, 60, 140]);
    assert.deepEqual(errors, ["k: boom 1", "k: boom 2", "k: boom 3"]);
    assert.equal(q.retries("k"), 0, "success forgot the failures");
  });

  it("caps the backoff, keeps jitter within [½, 1] of the step, and takes a Retry-After hint as a floor", () => {
    const q = queue({ backoff: { baseMs: 100, maxMs: 1_000 } });
    assert.deepEqual([1, 2, 3, 4, 5].map(() => q.addRateLimited("k")), [100, 200, 400, 800, 1_000]);
    assert.equal(q.retries("k"), 5);
    q.forget("k");
    assert.equal(q.retries("k"), 0);
    const jittered = new WorkQueue({ name: "j", clock, random: () => 0, backoff: { baseMs: 100, maxMs: 1_000 } });
    assert.deepEqual([1, 2, 3].map(() => jittered.addRateLimited("k")), [50, 100, 200]);
    assert.equal(q.addRateLimited("k2", 5_000), 5_000, "a Retry-After hint is a floor");
  });

  it("`addAfter` queues the key exactly when the delay has passed", async () => {
    const q = queue();
    const seen = start(q, 1);
    q.addAfter("k", 60);
    assert.deepEqual([q.delayedCount, q.depth, q.delayedUntil("k")], [1, 0, 60]);
    await clock.advance(59);
    assert.deepEqual(seen, []);
    await clock.advance(1);
    assert.deepEqual(seen, [["k", 60]]);
    assert.equal(q.delayedCount, 0);
  });

  it("of two `addAfter` delays the sooner wins, in either order, and the key runs once", async () => {
    const q = queue();
    const seen = start(q, 1);
    q.addAfter("a", 300);
    q.addAfter("a", 20);
    q.addAfter("b", 20);
    q.addAfter("b", 300);
    assert.deepEqual([q.delayedUntil("a"), q.delayedUntil("b"), q.delayedCount], [20, 20, 2]);
    await clock.advance(1_000);
    assert.deepEqual(seen, [["a", 20], ["b", 20]]);
  });

  it("a plain `add` does not cancel a pending backoff: the key runs now and again when the backoff ends", async () => {
    const q = queue({ backoff: { baseMs: 500, maxMs: 10_000 } });
    let attempt = 0;
    const seen = start(q, 1, () => (++attempt === 1 ? Promise.reject(new Error("fails once")) : Promise.resolve()));
    q.add("k");
    await clock.advance(100);
    assert.equal(q.delayedUntil("k"), 500, "backing off after the failure");
    q.add("k"); // e.g. an informer event meanwhile
    await clock.advance(1_000);
    assert.deepEqual(seen, [["k", 0], ["k", 100], ["k", 500]]);
  });

  it("`addAfter` with no delay is a plain `add`", async () => {
    const q = queue();
    const seen = start(q, 1);
    q.addAfter("k", 0);
    await clock.advance(0);
    assert.deepEqual([seen, q.delayedCount], [[["k", 0]], 0]);
  });

  it("reports how long each key took and whether it failed", async () => {
    const q = queue({ backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const observed: Array<[number, boolean]> = [];
    q.observer = (ms, failed) => observed.push([ms, failed]);
    start(q, 1, async (key) => {
      await clock.sleep(20);
      if (key === "bad") throw new Error("x");
    });
    q.add("good");
    q.add("bad");
    await clock.advance(100);
    assert.deepEqual(observed, [[20, false], [20, true]]);
  });

  it("bounds how fast keys are handed out overall", async () => {
    const q = queue({ rate: { perSecond: 50, burst: 1 } });
    for (const key of ["a", "b", "c", "d", "e", "f"]) q.add(key);
    const seen = start(q, 6);
    await clock.advance(1_000);
    assert.deepEqual(seen.map(([, at]) => at), [0, 20, 40, 60, 80, 100]);
  });

  it("stops its workers on abort, drops delayed keys and ignores later adds", async () => {
    const q = queue();
    const seen = start(q, 2);
    q.addAfter("later", 50);
    controller.abort();
    await running;
    assert.deepEqual([q.delayedCount, clock.waiting], [0, 0]);
    q.add("after-stop");
    q.addAfter("after-stop-2", 1);
    await clock.advance(100);
    assert.deepEqual([seen, q.depth], [[], 0]);
  });

  it("returns at once when run with an already-aborted signal", async () => {
    const q = queue();
    controller.abort();
    let returned = false;
    const run = q.run(2, () => Promise.resolve(), controller.signal).then(() => (returned = true));
    await settle();
    assert.equal(returned, true);
    await run;
  });
});
