import { strict as assert } from "node:assert";
import { realClock } from "../../../kubelet/src/util/clock";
import { ManualClock } from "../../fixtures/manual-clock";

describe("realClock", () => {
  it("tells the wall-clock time", () => {
    assert.ok(Math.abs(realClock.now() - Date.now()) < 1_000);
  });

  it("sleeps about as long as asked", async () => {
    const started = Date.now();
    await realClock.sleep(30);
    assert.ok(Date.now() - started >= 25, `woke after ${Date.now() - started} ms`);
  });

  it("wakes early when aborted, and at once when already aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = realClock.sleep(20_000, controller.signal);
    setTimeout(() => controller.abort(), 10);
    await sleeping;
    assert.ok(Date.now() - started < 5_000);
    const again = Date.now();
    await realClock.sleep(20_000, controller.signal);
    assert.ok(Date.now() - again < 1_000);
  });
});

describe("ManualClock", () => {
  it("fires timers and sleeps in time order as time passes their deadlines, and never before", async () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.timer(300, () => fired.push(`b@${clock.now()}`));
    clock.timer(100, () => fired.push(`a@${clock.now()}`));
    void clock.sleep(200).then(() => fired.push(`sleep@${clock.now()}`));
    const cancel = clock.timer(150, () => fired.push("cancelled"));
    cancel();
    await clock.advance(99);
    assert.deepEqual(fired, []);
    await clock.advance(201);
    assert.deepEqual(fired, ["a@100", "sleep@200", "b@300"]);
    assert.equal(clock.now(), 300);
    assert.equal(clock.waiting, 0);
  });

  it("runs timers that fired timers set, within the same advance", async () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const tick = (): void => {
      at.push(clock.now());
      if (at.length < 4) clock.timer(10, tick);
    };
    clock.timer(10, tick);
    await clock.advance(1_000);
    assert.deepEqual(at, [10, 20, 30, 40]);
  });

  it("jumps: timers that fell due fire after the jump, seeing the time after it", async () => {
    const clock = new ManualClock(0);
    const seen: number[] = [];
    clock.timer(100, () => seen.push(clock.now()));
    clock.timer(200, () => seen.push(clock.now()));
    await clock.jump(500);
    assert.deepEqual(seen, [500, 500]);
  });

  it("wakes an aborted sleep at once and drops its timer", async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    let woke = false;
    void clock.sleep(10_000, controller.signal).then(() => (woke = true));
    controller.abort();
    await clock.advance(0);
    assert.equal(woke, true);
    assert.equal(clock.waiting, 0);
  });
});
