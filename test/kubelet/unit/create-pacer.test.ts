import { strict as assert } from "node:assert";
import { ACI_DEFAULT_WINDOWS, CreatePacer, describeWindow, parseWindows, quotaFromUsages, type Reservation, SlidingWindows } from "../../../kubelet/src/aci/create-pacer";
import { ManualClock } from "../../fixtures/manual-clock";

/** The wait of a refused reservation, relative to `t0`, in seconds. */
function waitOf(r: Reservation, t0: number): { limit: string; expectedInS?: number; retryInS: number } {
  assert.equal(r.ok, false, "the reservation waits");
  if (r.ok) throw new Error("unreachable");
  return { limit: r.limit, ...(r.expectedAt !== undefined ? { expectedInS: (r.expectedAt - t0) / 1000 } : {}), retryInS: (r.retryAt - t0) / 1000 };
}

describe("CreatePacer (creates under ACI's windows and quotas, manual clock)", () => {
  it("defaults to ACI's documented windows and reads windows as count/duration", () => {
    assert.deepEqual(ACI_DEFAULT_WINDOWS, [{ max: 100, windowSeconds: 300 }, { max: 300, windowSeconds: 3600 }]);
    assert.deepEqual(parseWindows("100/5m, 300/1h"), ACI_DEFAULT_WINDOWS);
    assert.deepEqual(parseWindows("8/20s"), [{ max: 8, windowSeconds: 20 }]);
    assert.match(parseWindows("100 per 5m") as string, /is not <count>\/<duration>/);
    assert.match(parseWindows("0/5m") as string, /is not/);
    assert.match(parseWindows("") as string, /no window given/);
    assert.equal(describeWindow({ max: 100, windowSeconds: 300 }, "container group creates"), "100 container group creates per 5 minutes");
    assert.equal(describeWindow({ max: 300, windowSeconds: 3600 }, "creates"), "300 creates per hour");
    assert.equal(describeWindow({ max: 8, windowSeconds: 20 }, "creates"), "8 creates per 20 seconds");
  });

  it("gives each waiting pod the slot it will get, under the window that holds it back", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ windows: [{ max: 3, windowSeconds: 10 }, { max: 5, windowSeconds: 60 }], marginMs: 0, clock });
    const pods = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    const first = pods.map((uid) => pacer.reserve(uid, 1));
    assert.deepEqual(first.slice(0, 3).map((r) => r.ok), [true, true, true]);
    // d and e fit the minute once the first three leave the 10 s window; f..h wait for the minute;
    // i then waits for the 10 s window again.
    assert.deepEqual(first.slice(3).map((r) => waitOf(r, t0)), [
      { limit: "3 container group creates per 10 seconds", expectedInS: 10, retryInS: 10 },
      { limit: "3 container group creates per 10 seconds", expectedInS: 10, retryInS: 10 },
      { limit: "5 container group creates per minute", expectedInS: 60, retryInS: 60 },
      { limit: "5 container group creates per minute", expectedInS: 60, retryInS: 60 },
      { limit: "5 container group creates per minute", expectedInS: 60, retryInS: 60 },
      { limit: "3 container group creates per 10 seconds", expectedInS: 70, retryInS: 70 },
    ]);
    assert.equal(pacer.waitingCount, 6);

    await clock.advance(9_999);
    assert.equal(pacer.reserve("d", 1).ok, false, "not a millisecond early");
    await clock.advance(1);
    assert.deepEqual([pacer.reserve("d", 1).ok, pacer.reserve("e", 1).ok], [true, true]);
    assert.deepEqual(waitOf(pacer.reserve("f", 1), t0), { limit: "5 container group creates per minute", expectedInS: 60, retryInS: 60 });
    await clock.advance(50_000);
    assert.deepEqual(["f", "g", "h", "i"].map((uid) => pacer.reserve(uid, 1).ok), [true, true, true, false]);
    assert.equal(pacer.waitingCount, 1);
  });

  it("serves waiting pods in the order they first asked", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ windows: [{ max: 1, windowSeconds: 10 }], marginMs: 0, clock });
    assert.equal(pacer.reserve("first", 1).ok, true);
    assert.equal(waitOf(pacer.reserve("second", 1), t0).expectedInS, 10);
    assert.equal(waitOf(pacer.reserve("third", 1), t0).expectedInS, 20);
    await clock.advance(10_000);
    // The third asks first when the slot frees: it is still the second's.
    assert.equal(waitOf(pacer.reserve("third", 1), t0).expectedInS, 20);
    assert.equal(pacer.reserve("second", 1).ok, true);
    // A pod that no longer waits gives up its place.
    assert.equal(waitOf(pacer.reserve("fourth", 1), t0).expectedInS, 30);
    pacer.forget("third");
    assert.equal(waitOf(pacer.reserve("fourth", 1), t0).expectedInS, 20);
  });

  it("takes a slot only once ACI's count, which starts when a create arrives, has it free too", () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ windows: [{ max: 1, windowSeconds: 10 }], marginMs: 2_000, clock });
    assert.equal(pacer.reserve("a", 1).ok, true);
    assert.equal(waitOf(pacer.reserve("b", 1), t0).expectedInS, 12);
  });

  it("slows the whole window, not one pod, when ACI answers 429 from it", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ windows: [{ max: 100, windowSeconds: 300 }], marginMs: 0, clock });
    assert.equal(pacer.reserve("a", 1).ok, true);
    pacer.windowFull(120_000);
    assert.equal(pacer.throttled, 1);
    for (const uid of ["b", "c", "d"]) {
      assert.deepEqual(waitOf(pacer.reserve(uid, 1), t0), { limit: "Azure Container Instances' create window (it answered 429)", expectedInS: 120, retryInS: 120 });
    }
    await clock.advance(120_000);
    assert.deepEqual(["b", "c", "d"].map((uid) => pacer.reserve(uid, 1).ok), [true, true, true], "after Retry-After every pod goes, none with a backoff of its own");
  });

  it("can be asked what a pod would wait for without taking a slot, the pod keeping its place in line", () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ windows: [{ max: 1, windowSeconds: 10 }], marginMs: 0, clock });
    assert.equal(pacer.peek("a"), undefined);
    assert.equal(pacer.peek("a"), undefined, "peeking took no slot");
    assert.equal(pacer.reserve("a", 1).ok, true);
    assert.equal((pacer.peek("b")!.expectedAt! - t0) / 1000, 10);
    assert.equal((pacer.peek("c")!.expectedAt! - t0) / 1000, 20, "c is behind b, who peeked first");
  });

  it("frees the slot of a create that was not sent", () => {
    const clock = new ManualClock();
    const pacer = new CreatePacer({ windows: [{ max: 1, windowSeconds: 60 }], marginMs: 0, clock });
    const taken = pacer.reserve("a", 1);
    assert.ok(taken.ok);
    assert.equal(pacer.reserve("b", 1).ok, false);
    pacer.cancel(taken);
    assert.equal(pacer.reserve("b", 1).ok, true);
  });

  it("gives back the window slot of a create ACI answered with a server error, which created nothing", () => {
    const clock = new ManualClock();
    const pacer = new CreatePacer({ windows: [{ max: 2, windowSeconds: 300 }], marginMs: 0, clock });
    const failed = pacer.reserve("a", 1);
    const answered = pacer.reserve("b", 1);
    assert.ok(failed.ok && answered.ok);
    pacer.failed(failed);
    pacer.answered(answered);
    assert.equal(pacer.reserve("a", 1).ok, true, "the retry of the failed create takes the freed slot");
    assert.equal(pacer.reserve("c", 1).ok, false, "an answered create keeps its slot for the window's length");
  });

  it("counts the region's groups and cores as usages reports them, plus the creates sent since", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const pacer = new CreatePacer({ marginMs: 0, quotaRecheckMs: 5_000, clock });
    const usages = (groups: number, cores: number) => quotaFromUsages([
      { name: { value: "ContainerGroups" }, currentValue: groups, limit: 3, unit: "Count" },
      { name: { value: "StandardCores" }, currentValue: cores, limit: 4, unit: "Count" },
    ], clock.now());
    pacer.setUsage(usages(1, 1));
    const a = pacer.reserve("a", 1);
    const b = pacer.reserve("b", 1);
    assert.ok(a.ok && b.ok);
    assert.deepEqual(waitOf(pacer.reserve("c", 1), t0), { limit: "the region's quota of 3 container groups (3 exist; groups count until they are deleted)", retryInS: 5 });
    await clock.advance(1_000);
    // A reading that began before ACI answered a create may not count it: the create still counts here.
    pacer.answered(a);
    pacer.setUsage(usages(1, 1));
    assert.equal(pacer.reserve("c", 1).ok, false, "a was answered as that reading began");
    pacer.answered(b);
    await clock.advance(4_000);
    // A reading after both answers counts them itself; a finished group still counts until it is deleted.
    pacer.setUsage(usages(3, 3));
    assert.equal(pacer.reserve("c", 1).ok, false);
    pacer.setUsage(usages(2, 3.5));
    assert.deepEqual(waitOf(pacer.reserve("c", 1), t0), { limit: "the region's quota of 4 standard cores (3.5 in use, 1 asked)", retryInS: 10 });
    assert.equal(pacer.reserve("small", 0.5).ok, true, "a group that fits the cores left goes");
  });

  it("paces deletes in their workers: a delete waits for its slot", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const windows = new SlidingWindows([{ max: 2, windowSeconds: 10 }]);
    const done: number[] = [];
    for (let i = 0; i < 5; i++) void windows.acquire(clock).then(() => done.push(clock.now() - t0));
    await clock.advance(0);
    assert.deepEqual(done, [0, 0]);
    await clock.advance(10_000);
    assert.deepEqual(done, [0, 0, 10_000, 10_000]);
    await clock.advance(10_000);
    assert.deepEqual(done, [0, 0, 10_000, 10_000, 20_000]);
  });
});
