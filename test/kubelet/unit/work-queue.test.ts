import { strict as assert } from "node:assert";
import { eventually } from "../../fixtures/eventually";
import { WorkQueue } from "../../../kubelet/src/pods/work-queue";

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = (done: () => boolean, what: string, ms = 5_000): Promise<boolean> => eventually(done, { timeoutMs: ms, intervalMs: 2, what });

/** A gate a handler can wait on until the test opens it. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe("WorkQueue", () => {
  let controller: AbortController;
  let running: Promise<void> | undefined;
  beforeEach(() => {
    controller = new AbortController();
    running = undefined;
  });
  afterEach(async () => {
    controller.abort();
    await running;
  });

  const start = (queue: WorkQueue, concurrency: number, handler: (key: string) => Promise<void>, onError?: (key: string, err: unknown) => void): void => {
    running = queue.run(concurrency, handler, controller.signal, onError);
  };

  it("hands a key out once however often it was added while waiting", async () => {
    const queue = new WorkQueue({ name: "t" });
    for (const key of ["a", "b", "a", "a", "b"]) queue.add(key);
    assert.equal(queue.depth, 2);
    const seen: string[] = [];
    start(queue, 2, (key) => (seen.push(key), Promise.resolve()));
    await until(() => seen.length === 2, "both keys");
    await pause(30);
    assert.deepEqual(seen.sort(), ["a", "b"]);
  });

  it("never processes one key concurrently, and runs it once more when it was added meanwhile", async () => {
    const queue = new WorkQueue({ name: "t" });
    const first = gate();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    start(queue, 4, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs++;
      if (runs === 1) await first.wait;
      active--;
    });
    queue.add("ns/pod");
    await until(() => runs === 1, "first run");
    for (let i = 0; i < 5; i++) queue.add("ns/pod");
    await pause(30);
    assert.equal(runs, 1, "not handed out again while it is being processed");
    first.open();
    await until(() => runs === 2, "the re-run");
    await pause(30);
    assert.deepEqual([runs, maxActive], [2, 1], "one re-run for all the adds, never two at once");
  });

  it("processes different keys in parallel up to its concurrency", async () => {
    const queue = new WorkQueue({ name: "t" });
    const release = gate();
    let active = 0;
    let maxActive = 0;
    start(queue, 3, async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await release.wait;
      active--;
    });
    for (const key of ["a", "b", "c", "d", "e"]) queue.add(key);
    await until(() => active === 3, "three in flight");
    await pause(30);
    assert.equal(maxActive, 3);
    release.open();
    await until(() => active === 0 && queue.depth === 0, "the rest");
  });

  it("retries a failing key with growing backoff, reports the error, and `forget` resets the backoff", async () => {
    const queue = new WorkQueue({ name: "t", backoff: { baseMs: 20, maxMs: 1_000 } });
    const attempts: number[] = [];
    const errors: string[] = [];
    start(
      queue,
      1,
      (key) => {
        attempts.push(Date.now());
        if (attempts.length <= 3) return Promise.reject(new Error(`boom ${attempts.length}`));
        queue.forget(key);
        return Promise.resolve();
      },
      (key, err) => errors.push(`${key}: ${(err as Error).message}`),
    );
    queue.add("k");
    await until(() => attempts.length === 4, "four attempts");
    assert.deepEqual(errors, ["k: boom 1", "k: boom 2", "k: boom 3"]);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    // Backoff n waits base·2^(n-1) with jitter in [½, 1]: at least 10, 20 and 40 ms.
    assert.ok(gaps[0] >= 9 && gaps[1] >= 19 && gaps[2] >= 39, `gaps ${gaps.join(", ")}`);
    assert.equal(queue.retries("k"), 0, "success forgot the failures");
  });

  it("doubles the rate-limited delay per failure until forgotten", () => {
    const queue = new WorkQueue({ name: "t", backoff: { baseMs: 100, maxMs: 1_000 } });
    const delays = [1, 2, 3, 4, 5].map(() => queue.addRateLimited("k"));
    const steps = [100, 200, 400, 800, 1_000];
    delays.forEach((d, i) => assert.ok(d >= steps[i] / 2 && d <= steps[i], `delay ${i + 1}: ${d}`));
    assert.equal(queue.retries("k"), 5);
    queue.forget("k");
    assert.equal(queue.retries("k"), 0);
    const after = queue.addRateLimited("other");
    assert.ok(after <= 100);
    assert.ok(queue.addRateLimited("k2", 5_000) >= 5_000, "a Retry-After hint is a floor");
  });

  it("`addAfter` queues the key only once the delay has passed", async () => {
    const queue = new WorkQueue({ name: "t" });
    const seen: number[] = [];
    start(queue, 1, () => (seen.push(Date.now()), Promise.resolve()));
    const added = Date.now();
    queue.addAfter("k", 60);
    queue.addAfter("k", 200); // already waiting, sooner: not a second entry
    assert.equal(queue.delayedCount, 1);
    assert.equal(queue.depth, 0);
    await until(() => seen.length === 1, "the delayed key");
    assert.ok(seen[0] - added >= 55 && seen[0] - added < 190, `ran after ${seen[0] - added} ms`);
    await pause(80);
    assert.equal(seen.length, 1);
    assert.equal(queue.delayedCount, 0);
  });

  it("of two `addAfter` delays the sooner wins, and the key runs once", async () => {
    const queue = new WorkQueue({ name: "t" });
    const seen: number[] = [];
    start(queue, 1, () => (seen.push(Date.now()), Promise.resolve()));
    const added = Date.now();
    queue.addAfter("k", 300);
    queue.addAfter("k", 20);
    assert.equal(queue.delayedCount, 1);
    await until(() => seen.length === 1, "the sooner delay");
    assert.ok(seen[0] - added < 250, `ran after ${seen[0] - added} ms`);
    await pause(350);
    assert.equal(seen.length, 1);
  });

  it("an `add` overtakes a pending `addAfter` and the key still runs once", async () => {
    const queue = new WorkQueue({ name: "t" });
    const seen: number[] = [];
    start(queue, 1, () => (seen.push(Date.now()), Promise.resolve()));
    queue.addAfter("k", 80);
    const added = Date.now();
    queue.add("k");
    await until(() => seen.length === 1, "the key");
    assert.ok(seen[0] - added < 60, "ran at once");
    assert.equal(queue.delayedCount, 0);
    await pause(120);
    assert.equal(seen.length, 1, "the delayed copy was cancelled");
  });

  it("reports how long each key took and whether it failed", async () => {
    const queue = new WorkQueue({ name: "t", backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const observed: Array<[number, boolean]> = [];
    queue.observer = (ms, failed) => observed.push([ms, failed]);
    start(queue, 1, async (key) => {
      await pause(20);
      if (key === "bad") throw new Error("x");
    });
    queue.add("good");
    queue.add("bad");
    await until(() => observed.length === 2, "two observations");
    assert.deepEqual(observed.map(([, failed]) => failed), [false, true]);
    assert.ok(observed.every(([ms]) => ms >= 15), JSON.stringify(observed));
  });

  it("bounds how fast keys are handed out overall", async () => {
    const queue = new WorkQueue({ name: "t", rate: { perSecond: 50, burst: 1 } });
    const seen: number[] = [];
    for (const key of ["a", "b", "c", "d", "e", "f"]) queue.add(key);
    const started = Date.now();
    start(queue, 6, () => (seen.push(Date.now()), Promise.resolve()));
    await until(() => seen.length === 6, "six keys");
    const elapsed = Math.max(...seen) - started;
    assert.ok(elapsed >= 90, `6 keys at 50/s, burst 1, took only ${elapsed} ms`);
  });

  it("stops its workers on abort, drops delayed keys and ignores later adds", async () => {
    const queue = new WorkQueue({ name: "t" });
    const seen: string[] = [];
    start(queue, 2, (key) => (seen.push(key), Promise.resolve()));
    queue.addAfter("later", 50);
    controller.abort();
    await running;
    assert.equal(queue.delayedCount, 0);
    queue.add("after-stop");
    queue.addAfter("after-stop-2", 1);
    await pause(80);
    assert.deepEqual(seen, []);
    assert.equal(queue.depth, 0);
  });

  it("returns at once when run with an already-aborted signal", async () => {
    const queue = new WorkQueue({ name: "t" });
    controller.abort();
    const outcome = await Promise.race([queue.run(2, () => Promise.resolve(), controller.signal).then(() => "returned"), pause(2_000).then(() => "still running")]);
    assert.equal(outcome, "returned");
  });
});
