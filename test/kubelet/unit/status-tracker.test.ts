import { strict as assert } from "node:assert";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { StatusTracker, type StatusTrackerOptions } from "../../../kubelet/src/aci/status-tracker";
import { NotFoundError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { PodEvent } from "../../../kubelet/src/provider/provider";
import type { StatusNotice } from "../../../kubelet/src/aci/status-tracker";
import { ManualClock } from "../../fixtures/manual-clock";

const pod = (uid: string): V1Pod => ({ metadata: { namespace: "ns", name: `pod-${uid}`, uid } });
const job = (uid: string, restartPolicy = "Never"): V1Pod => ({ ...pod(uid), spec: { restartPolicy, containers: [] } });
const event = (reason: string): PodEvent => ({ reason, message: reason, type: "Normal" });

/** What the fake backend answers for a pod: its status, and its events with their keys. */
interface Answer {
  status: V1PodStatus;
  events?: Array<[string, PodEvent]>;
}

/**
 * Times below are milliseconds since the test began. The clock starts at a wall-clock-like time, not
 * at 0: the tracker treats time 0 as "long ago" (a pod that turned Running is not "recently changed").
 */
describe("StatusTracker", () => {
  let clock: ManualClock;
  let t0: number;
  let controller: AbortController;
  let running: Promise<void> | undefined;
  /** When each pod was read (read started), by UID. */
  let readsAt: Map<string, number[]>;
  let answers: Map<string, Answer | Error>;
  /** How long the fake backend takes to answer (on the manual clock). */
  let readMs: number;
  let pushed: Array<StatusNotice & { at: number }>;

  const now = (): number => clock.now() - t0;
  const at = (uid: string): number[] => readsAt.get(uid) ?? [];
  /** Moves the clock to `ms` since the test began. */
  const advanceTo = (ms: number): Promise<void> => clock.advance(ms - now());

  const tracker = (options: Partial<StatusTrackerOptions> = {}): StatusTracker => {
    const t = new StatusTracker({
      log: silentLogger,
      activeMs: 20,
      steadyMs: 250,
      recentMs: 60,
      tickMs: 5,
      clock,
      read: async (p) => {
        const uid = p.metadata!.uid!;
        readsAt.set(uid, [...at(uid), now()]);
        if (readMs > 0) await clock.sleep(readMs);
        const answer = answers.get(uid) ?? { status: { phase: "Pending" } };
        if (answer instanceof Error) throw answer;
        const events = answer.events ?? [];
        return { namespace: "ns", name: p.metadata!.name!, uid, status: answer.status, events: events.map(([, e]) => e), eventKeys: events.map(([k]) => k) };
      },
      ...options,
    });
    t.onChange((update) => pushed.push({ ...update, at: now() }));
    return t;
  };
  const start = (t: StatusTracker): void => {
    running = t.run(controller.signal);
  };

  beforeEach(() => {
    clock = new ManualClock();
    t0 = clock.now();
    controller = new AbortController();
    running = undefined;
    readsAt = new Map();
    answers = new Map();
    readMs = 0;
    pushed = [];
  });
  afterEach(async () => {
    controller.abort();
    await running;
  });

  it("reads a newly tracked pod at the next tick and pushes its status", async () => {
    const t = tracker();
    start(t);
    answers.set("a", { status: { phase: "Pending", reason: "ContainerCreating" } });
    await advanceTo(12);
    t.track(pod("a"));
    await advanceTo(14);
    assert.deepEqual(at("a"), []);
    await advanceTo(15);
    assert.deepEqual(at("a"), [15]);
    assert.deepEqual(pushed.map((u) => [u.at, u.uid, u.status.phase, u.status.reason]), [[15, "a", "Pending", "ContainerCreating"]]);
  });

  it("reads a starting pod every activeMs and a steady running pod every steadyMs exactly", async () => {
    const t = tracker();
    answers.set("starting", { status: { phase: "Pending" } });
    answers.set("steady", { status: { phase: "Running" } });
    t.track(pod("starting"));
    t.track(pod("steady"));
    start(t);
    await advanceTo(1_000);
    assert.deepEqual(at("starting"), Array.from({ length: 51 }, (_, i) => i * 20));
    assert.deepEqual(at("steady"), [0, 250, 500, 750, 1_000]);
  });

  it("keeps a steady pod's status never older than the steady interval", async () => {
    const t = tracker();
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    let oldest = 0;
    for (let ms = 1; ms <= 1_000; ms++) {
      await advanceTo(ms);
      oldest = Math.max(oldest, t.maxStalenessSeconds());
    }
    assert.deepEqual(at("a"), [0, 250, 500, 750, 1_000]);
    assert.equal(oldest, 0.249, "at most 249 ms old, read again at 250");
    assert.equal(t.maxStalenessSeconds(), 0);
  });

  it("stretches the steady interval so steady reads stay within steadyReadsPerSecond", async () => {
    const t = tracker({ steadyReadsPerSecond: 2, tickMs: 100 });
    const uids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    for (const uid of uids) {
      answers.set(uid, { status: { phase: "Running" } });
      t.track(pod(uid));
    }
    start(t);
    await advanceTo(12_000);
    // Ten running pods at 2 reads/s: each is read every 5 s, not every 250 ms. The i-th pod to turn
    // Running was scheduled when i+1 pods ran, hence its first interval of (i+1) × 500 ms.
    uids.forEach((uid, i) => {
      const first = (i + 1) * 500;
      assert.deepEqual(at(uid), [0, first, first + 5_000, first + 10_000].filter((ms) => ms <= 12_000), uid);
    });
    const steadyReads = uids.flatMap(at).filter((ms) => ms >= 6_000 && ms < 11_000);
    assert.equal(steadyReads.length, 10, "2 reads/s over 5 s");
    // The staleness bound is then pods / steadyReadsPerSecond = 5 s: p4, last read at 7500, is next
    // read at 12500.
    await advanceTo(12_499);
    assert.equal(t.maxStalenessSeconds(), 4.999);
    await advanceTo(12_500);
    assert.equal(t.maxStalenessSeconds(), 4.5);
  });

  it("pushes only when the status changed or new events arrived, with every event not acknowledged yet", async () => {
    const t = tracker();
    answers.set("a", { status: { phase: "Pending" }, events: [["pull", event("Pulling")]] });
    t.track(pod("a"));
    start(t);
    await advanceTo(70);
    assert.deepEqual(at("a"), [0, 20, 40, 60]);
    assert.deepEqual(pushed.map((u) => [u.at, u.events.map((e) => [e.key, e.reason])]), [[0, [["pull", "Pulling"]]]], "an unchanged status is not pushed again");

    answers.set("a", { status: { phase: "Pending" }, events: [["pull", event("Pulling")], ["pulled", event("Pulled")]] });
    await advanceTo(90);
    assert.deepEqual(pushed.slice(1).map((u) => [u.at, u.events.map((e) => e.reason)]), [[80, ["Pulling", "Pulled"]]], "an event not acknowledged is pushed again, so none is lost");
    t.acknowledge("a", ["pull", "pulled"]);

    answers.set("a", { status: { phase: "Running", startTime: new Date(clock.now()) }, events: [["pull", event("Pulling")], ["pulled", event("Pulled")]] });
    await advanceTo(600);
    assert.deepEqual(pushed.slice(2).map((u) => [u.at, u.status.phase, u.events.length]), [[100, "Running", 0]], "acknowledged events are not pushed again");
    assert.deepEqual(at("a"), [0, 20, 40, 60, 80, 100, 350, 600], "Running: read at the steady interval, with nothing to push");
  });

  it("forgets acknowledged events the backend no longer reports, and pushes one that comes back as new", async () => {
    const t = tracker();
    answers.set("a", { status: { phase: "Pending" }, events: [["pull#1", event("Pulling")]] });
    t.track(pod("a"));
    start(t);
    await advanceTo(10);
    t.acknowledge("a", ["pull#1"]);
    answers.set("a", { status: { phase: "Pending", reason: "later" }, events: [["pull#2", event("Pulling")]] });
    await advanceTo(30);
    assert.deepEqual(pushed.map((u) => u.events.map((e) => e.key)), [["pull#1"], ["pull#2"]], "a repeat with a new count is a new event");
    t.acknowledge("a", ["pull#2"]);
    answers.set("a", { status: { phase: "Pending", reason: "again" }, events: [["pull#1", event("Pulling")]] });
    await advanceTo(50);
    assert.deepEqual(pushed.slice(2).map((u) => u.events.map((e) => e.key)), [["pull#1"]], "only what the backend still reports is remembered as acknowledged");
  });

  it("stops reading a pod once it has finished, after pushing its final status", async () => {
    const t = tracker();
    answers.set("done", { status: { phase: "Succeeded" } });
    answers.set("failed", { status: { phase: "Failed", reason: "Error" } });
    t.track(pod("done"));
    t.track(pod("failed"));
    start(t);
    await advanceTo(0);
    assert.deepEqual(pushed.map((u) => [u.at, u.uid, u.status.phase]), [[0, "done", "Succeeded"], [0, "failed", "Failed"]]);
    assert.equal(t.size, 0);
    await advanceTo(1_000);
    assert.deepEqual([at("done"), at("failed")], [[0], [0]]);
  });

  it("stops reading an untracked pod and drops an answer that arrives after untrack", async () => {
    readMs = 10;
    answers.set("a", { status: { phase: "Running" } });
    const t = tracker();
    t.track(pod("a"));
    start(t);
    await advanceTo(5);
    t.untrack("a");
    await advanceTo(1_000);
    assert.deepEqual(pushed, [], "the answer at 10 is dropped");
    assert.deepEqual(at("a"), [0]);
    assert.equal(t.size, 0);
  });

  it("does not let a stale read of an untracked pod end the new tracking of the same pod", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const t = tracker({
      read: async (p) => {
        const uid = p.metadata!.uid!;
        readsAt.set(uid, [...at(uid), now()]);
        const call = ++calls;
        if (call === 1) await held;
        // The old read finds the pod finished; the new tracking's reads find it still running.
        const phase = call === 1 ? "Succeeded" : "Running";
        return { namespace: "ns", name: "x", uid, status: { phase }, events: [], eventKeys: [] };
      },
    });
    t.track(pod("a"));
    start(t);
    await advanceTo(2);
    t.untrack("a");
    t.track(pod("a"));
    await advanceTo(10);
    release();
    await advanceTo(300);
    assert.equal(t.size, 1, "the pod is still followed");
    assert.deepEqual(pushed.map((u) => [u.at, u.status.phase]), [[5, "Running"]], "the stale Succeeded is not pushed");
    assert.deepEqual(at("a"), [0, 5, 255], "the new tracking reads on its own schedule");
  });

  it("does not read a new pod while its listed state is quiet; reads it once the state moves, or after startingMaxMs", async () => {
    const listed = new Map<string, string>([["moves", "Pending"], ["quiet", "Pending"]]);
    const listings: number[] = [];
    const t = tracker({
      listStates: () => (listings.push(now()), Promise.resolve(listed)),
      quietStates: ["Pending", "Creating"],
      listEveryMs: 10,
      startingMaxMs: 500,
    });
    t.track(pod("moves"));
    t.track(pod("quiet"));
    start(t);
    await advanceTo(100);
    listed.set("moves", "Creating");
    await advanceTo(199);
    assert.deepEqual([at("moves"), at("quiet")], [[], []], "nothing worth a read while the group is accepted, then provisioned");
    listed.set("moves", "Succeeded");
    await advanceTo(600);
    assert.deepEqual(at("moves"), [200], "read at the first listing that shows the move");
    assert.deepEqual(at("quiet"), [500], "a pod whose state never moves is read after startingMaxMs");
    assert.deepEqual(listings.filter((ms) => ms <= 200), Array.from({ length: 21 }, (_, i) => i * 10), "starting pods listed every listEveryMs");
  });

  it("reads a starting pod whose listed state stays put after startingMaxMs, doubling up to the steady interval, and at once when it moves", async () => {
    const listed = new Map<string, string>([["a", "Creating"]]);
    const t = tracker({ listStates: () => Promise.resolve(listed), listEveryMs: 10, startingMaxMs: 100 });
    t.track(pod("a"));
    start(t);
    await advanceTo(895);
    listed.set("a", "Succeeded");
    await advanceTo(1_200);
    // After 100, 200, then the steady interval of 250 ms; the move is seen by the listing at 900.
    assert.deepEqual(at("a"), [0, 100, 300, 550, 800, 900, 1_150]);
  });

  it("lists steady pods too, and reads at once one whose group is no longer listed", async () => {
    const listed = new Map<string, string>([["a", "Succeeded"]]);
    const listings: number[] = [];
    const lost: string[] = [];
    const t = tracker({
      listStates: () => (listings.push(now()), Promise.resolve(listed)),
      lostListMs: 50,
      steadyMs: 60_000,
      onLost: (p) => lost.push(`${p.metadata!.uid}@${now()}`),
    });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await advanceTo(120);
    listed.delete("a");
    answers.set("a", new NotFoundError("gone"));
    await advanceTo(1_000);
    assert.deepEqual(listings, [0, 50, 100, 150], "listed every lostListMs while a pod is followed, then no more");
    assert.deepEqual(at("a"), [0, 150], "read at the listing that missed it, long before the steady interval of 60 s");
    assert.deepEqual(lost, ["a@150"]);
    assert.equal(t.size, 0);
  });

  it("does not list for lost groups while every pod is read more often than lostListMs", async () => {
    const listings: number[] = [];
    const t = tracker({ listStates: () => (listings.push(now()), Promise.resolve(new Map([["a", "Succeeded"]]))), lostListMs: 300, steadyMs: 250 });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await advanceTo(1_000);
    assert.deepEqual(listings, [0], "the first listing, while the pod was still starting; its reads every 250 ms find a lost group sooner than a listing every 300 ms");
    assert.deepEqual(at("a"), [0, 250, 500, 750, 1_000]);
  });

  it("keeps a steady pod's interval to the millisecond, between coarse ticks and however long a read takes", async () => {
    readMs = 30;
    const t = tracker({ tickMs: 100 });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await advanceTo(1_000);
    assert.deepEqual(at("a"), [0, 250, 500, 750, 1_000], "each read asked for 250 ms after the one before, not at the next 100 ms tick after it ended");
  });

  it("reads a pod that may finish on its own after 20, 40, 80 … ms of running before any sibling finished, within the steady interval", async () => {
    const t = tracker({ youngFirstMs: 20, recentMs: 1, steadyMs: 400 });
    answers.set("job", { status: { phase: "Pending" } });
    answers.set("service", { status: { phase: "Pending" } });
    t.track(job("job"));
    t.track({ ...pod("service"), spec: { restartPolicy: "Always", containers: [] } });
    start(t);
    await advanceTo(10);
    answers.set("job", { status: { phase: "Running" } });
    answers.set("service", { status: { phase: "Running" } });
    await advanceTo(1_300);
    // Seen running at 20 (its status gives no start time): read at 20, 40, 80, 160, 320 and 640 ms of
    // running. The next, at 1 280 ms of running, comes after the steady read 400 ms after 660: steady
    // at 1 060, then at 1 300 (1 280 ms of running, before the steady read at 1 460).
    assert.deepEqual(at("job"), [0, 20, 40, 60, 100, 180, 340, 660, 1_060, 1_300]);
    assert.deepEqual(at("service"), [0, 20, 420, 820, 1_220], "a service keeps the steady cadence");

    answers.set("job", { status: { phase: "Succeeded" } });
    await advanceTo(2_000);
    assert.deepEqual(pushed.filter((u) => u.uid === "job").map((u) => [u.at, u.status.phase]), [[0, "Pending"], [20, "Running"], [1_700, "Succeeded"]]);
  });

  describe("reads aimed at exits", () => {
    const ofJob = (uid: string): V1Pod => ({ ...job(uid), metadata: { ...job(uid).metadata, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid: "job-uid", controller: true }] } });
    const container = (state: NonNullable<V1PodStatus["containerStatuses"]>[number]["state"]) => [{ name: "c", image: "i", imageID: "", ready: false, restartCount: 0, state }];
    const running = (fromMs: number): V1PodStatus => ({ phase: "Running", containerStatuses: container({ running: { startedAt: new Date(t0 + fromMs) } }) });
    const succeeded = (fromMs: number, toMs: number): V1PodStatus => ({ phase: "Succeeded", containerStatuses: container({ terminated: { exitCode: 0, startedAt: new Date(t0 + fromMs), finishedAt: new Date(t0 + toMs) } }) });

    /** Pods a and b of one Job run from 0 and 100; c starts at 1 500. a ends at 700, b at 800. */
    const burst = async (t: StatusTracker): Promise<void> => {
      answers.set("a", { status: running(0) });
      answers.set("b", { status: running(100) });
      for (const uid of ["a", "b", "c"]) t.track(ofJob(uid));
      start(t);
      await advanceTo(690);
      answers.set("a", { status: succeeded(0, 700) });
      await advanceTo(790);
      answers.set("b", { status: succeeded(100, 800) });
      await advanceTo(1_495);
      answers.set("c", { status: running(1_500) });
      await advanceTo(1_600);
    };

    it("reads a Job's pods at the run time its finished pods took, once one has finished", async () => {
      const t = tracker({ steadyMs: 10_000, youngFirstMs: 500, exitGapMs: 10 });
      await burst(t);
      assert.deepEqual(at("a"), [0, 500, 1_000], "before any finished: after 500 and 1 000 ms of running");
      assert.deepEqual(at("b"), [0, 600, 1_005], "ran past a's 700 ms when a's end was learnt at 1 000: read at the next tick");
      assert.equal(at("c").at(-1), 1_500, "seen running at 1 500");
      await advanceTo(2_150);
      answers.set("c", { status: succeeded(1_500, 2_200) });
      await advanceTo(3_000);
      assert.deepEqual(at("c").filter((ms) => ms >= 1_500), [1_500, 2_200], "read when its 700 ms are up");
      assert.deepEqual(pushed.filter((u) => u.status.phase === "Succeeded").map((u) => [u.uid, u.at]), [["a", 1_000], ["b", 1_005], ["c", 2_200]]);
      assert.equal(t.size, 0);
    });

    it("waits with a read at an expected exit while the read budget has no room, rather than skipping it", async () => {
      let room = true;
      const t = tracker({ steadyMs: 10_000, youngFirstMs: 500, exitGapMs: 10, spareReads: () => room });
      await burst(t);
      answers.set("c", { status: succeeded(1_500, 2_200) });
      room = false;
      const settled: string[] = [];
      void t.exitReadsSettled().then(() => settled.push(`waited@${now()}`));
      void t.exitReadsSettled(300).then(() => settled.push(`gave up@${now()}`));
      await advanceTo(2_500);
      assert.deepEqual(at("c").filter((ms) => ms > 1_500), [], "due at 2 200, no room");
      assert.deepEqual(settled, ["waited@1600", "gave up@1600"], "nothing waited at 1 600");
      void t.exitReadsSettled().then(() => settled.push(`waited@${now()}`));
      void t.exitReadsSettled(50).then(() => settled.push(`gave up@${now()}`));
      await advanceTo(2_560);
      assert.deepEqual(settled.slice(2), ["gave up@2550"], "c's read waits for room; a caller waits at most its maxMs");
      room = true;
      await advanceTo(2_600);
      assert.deepEqual(at("c").filter((ms) => ms > 1_500), [2_565], "read at the first tick with room");
      assert.deepEqual(settled.slice(3), ["waited@2565"], "settled once it was read");
      assert.deepEqual(pushed.filter((u) => u.uid === "c").map((u) => [u.at, u.status.phase]), [[0, "Pending"], [1_500, "Running"], [2_565, "Succeeded"]]);
    });

    it("holds back work that can wait while more reads at expected exits are due within 5 s than the budget holds", async () => {
      let available = 0;
      const t = tracker({ steadyMs: 10_000, youngFirstMs: 500, exitGapMs: 10, readsAvailable: () => available });
      await burst(t);
      const settled: string[] = [];
      void t.exitReadsSettled().then(() => settled.push(`held@${now()}`));
      available = 1;
      await t.exitReadsSettled().then(() => settled.push(`room@${now()}`));
      available = 0;
      await advanceTo(1_700);
      assert.deepEqual(settled, ["room@1600"], "c's read at 2 200 is due within 5 s: with no read in the budget, work waits; with one, it goes");
      answers.set("c", { status: succeeded(1_500, 2_200) });
      await advanceTo(2_300);
      assert.deepEqual(at("c").filter((ms) => ms > 1_500), [2_200]);
      assert.deepEqual(settled, ["room@1600", "held@2200"], "released once no read at an exit is ahead");
    });

    it("keeps a service's steady cadence, and reads a Job's pod again soon after it outlived its siblings", async () => {
      const t = tracker({ steadyMs: 10_000, youngFirstMs: 500, exitGapMs: 100 });
      await burst(t);
      answers.set("svc", { status: running(1_600) });
      t.track({ ...pod("svc"), metadata: { ...ofJob("svc").metadata }, spec: { restartPolicy: "Always", containers: [] } });
      await advanceTo(4_000);
      assert.deepEqual(at("svc"), [1_605], "read at the steady interval only");
      assert.deepEqual(at("c").filter((ms) => ms >= 1_500), [1_500, 2_200, 2_300, 2_500, 2_900, 3_700], "700 ms of running, then 100, 300, 700, 1 500 ms past it");
    });
  });

  it("reads steady pods more often while that uses less than freshReadsPerSecond, never more often than freshFloorMs", async () => {
    const t = tracker({ steadyMs: 1_000, steadyReadsPerSecond: 100, freshReadsPerSecond: 5, freshFloorMs: 300 });
    answers.set("a", { status: { phase: "Running" } });
    answers.set("b", { status: { phase: "Running" } });
    t.track(pod("a"));
    t.track(pod("b"));
    start(t);
    await advanceTo(1_300);
    // Two pods at 5 reads/s: every 400 ms, not every 1 000 ms. Pod a, the first to run, was scheduled
    // when one pod ran: the floor of 300 ms.
    assert.deepEqual(at("a"), [0, 300, 700, 1_100]);
    assert.deepEqual(at("b"), [0, 400, 800, 1_200]);
    for (let i = 0; i < 8; i++) {
      answers.set(`more${i}`, { status: { phase: "Running" } });
      t.track(pod(`more${i}`));
    }
    await advanceTo(6_000);
    // Ten pods at 5 reads/s would take 2 s: the steady interval of 1 s holds.
    const last = at("more0").slice(-4);
    assert.deepEqual(last.slice(1).map((ms, i) => ms - last[i]), [1_000, 1_000, 1_000]);
  });

  it("shortens the interval again for the pods left when others are untracked, even while their reads are in flight", async () => {
    const t = tracker({ steadyMs: 1_000, steadyReadsPerSecond: 100, freshReadsPerSecond: 5, freshFloorMs: 300 });
    readMs = 10;
    for (const uid of ["a", "b", "c", "d"]) answers.set(uid, { status: { phase: "Running" } });
    t.track(pod("a"));
    t.track(pod("b"));
    start(t);
    await advanceTo(1_000);
    t.track(pod("c"));
    t.track(pod("d"));
    await advanceTo(1_008);
    assert.deepEqual([at("c").length, at("d").length], [1, 1], "their first reads are in flight");
    // Their answers (Running) come after they were untracked: they no longer count among the running.
    t.untrack("c");
    t.untrack("d");
    await advanceTo(4_000);
    const last = at("a").slice(-4);
    assert.deepEqual(last.slice(1).map((ms, i) => ms - last[i]), [400, 400, 400], "two pods at 5 reads/s: every 400 ms");
  });

  it("spreads the first steady reads of Job pods that started together over the interval, while it is shortened for freshness", async () => {
    const t = tracker({ steadyMs: 10_000, steadyReadsPerSecond: 100, freshReadsPerSecond: 10, freshFloorMs: 1_000, youngFirstMs: 100_000, recentMs: 1 });
    for (let i = 0; i < 10; i++) {
      answers.set(`job${i}`, { status: { phase: "Running" } });
      t.track(job(`job${i}`));
    }
    answers.set("svc", { status: { phase: "Running" } });
    t.track({ ...pod("svc"), spec: { restartPolicy: "Always", containers: [] } });
    start(t);
    await advanceTo(3_000);
    // Eleven pods at 10 reads/s: every 1.1 s (the first ones scheduled, with fewer running, every 1 s).
    const firsts = Array.from({ length: 10 }, (_, i) => at(`job${i}`)[1]).sort((a, b) => a - b);
    assert.equal(new Set(firsts).size, 10, `ten distinct times: ${firsts.join(", ")}`);
    assert.ok(firsts[0] <= 200 && firsts[9] >= 900, `spread over the interval: ${firsts.join(", ")}`);
    for (let i = 0; i < 10; i++) {
      const [, first, second] = at(`job${i}`);
      assert.equal(second - first, 1_100, `job${i} then at the steady interval`);
    }
    assert.equal(at("svc")[1], 1_100, "a service's first steady read is not staggered");
  });

  it("spends nothing on reads before a Job's first exit when steady reads use the whole fresh share", async () => {
    const t = tracker({ steadyMs: 10_000, steadyReadsPerSecond: 100, freshReadsPerSecond: 5, freshFloorMs: 100, youngFirstMs: 10, recentMs: 1 });
    for (let i = 0; i < 5; i++) {
      answers.set(`job${i}`, { status: { phase: "Running" } });
      t.track(job(`job${i}`));
    }
    start(t);
    await advanceTo(3_100);
    // Five pods at 5 reads/s: each read every second, which is all of the fresh share (the first
    // steady read staggered within it). What is left is one read at 10 ms of running, the least the
    // leftover bucket holds; that pod's steady reads count from it.
    assert.deepEqual(at("job0"), [0, 10, 1_010, 2_010, 3_010]);
    for (let i = 1; i < 5; i++) {
      const reads = at(`job${i}`);
      assert.ok(reads[1] > 0 && reads[1] < 1_000, `job${i} staggered: ${reads.join(", ")}`);
      assert.deepEqual(reads.slice(2).map((ms, k) => ms - reads[k + 1]), [1_000, 1_000], `job${i} then steady only: ${reads.join(", ")}`);
    }
  });

  it("skips a young pod's optional reads when the read budget has nothing to spare, without delaying its steady read", async () => {
    const t = tracker({ youngFirstMs: 20, recentMs: 1, steadyMs: 400, spareReads: () => false });
    answers.set("job", { status: { phase: "Running" } });
    t.track(job("job"));
    start(t);
    await advanceTo(900);
    assert.deepEqual(at("job"), [0, 400, 800]);
  });

  it("spends on young pods only what steady reads leave of their rate", async () => {
    const t = tracker({ youngFirstMs: 10, recentMs: 1, steadyMs: 100_000, steadyReadsPerSecond: 2, maxInFlight: 20 });
    for (let i = 0; i < 20; i++) {
      answers.set(`job${i}`, { status: { phase: "Running" } });
      t.track(job(`job${i}`, "OnFailure"));
    }
    start(t);
    await advanceTo(1_000);
    const perTime = new Map<number, number>();
    for (const ms of [...readsAt.values()].flat()) perTime.set(ms, (perTime.get(ms) ?? 0) + 1);
    // The rate left is 2 − 20/100 = 1.8 reads/s, of which ten seconds (18 reads) may go at once: 18 of
    // the 20 young pods due at 10 are read. The bucket holds a whole read again 1/1.8 s later; the
    // young pods (skipped ones too) are next due at 20, 40, 80, 160, 320 and 640 ms of running, so one more at 640.
    assert.deepEqual([...perTime].sort(([a], [b]) => a - b), [[0, 20], [10, 18], [640, 1]]);
  });

  it("reads overdue pods first, then starting pods, then recently changed ones, when reads compete", async () => {
    readMs = 5;
    const t = tracker({ maxInFlight: 1, activeMs: 10, recentMs: 100_000, steadyReadsPerSecond: 1_000 });
    const probed = (uid: string): V1Pod => ({ ...pod(uid), spec: { containers: [{ name: "c", readinessProbe: {} }] } });
    // Recently changed pods (awaiting readiness) want a read every 10 ms: more than one slot can do.
    for (let i = 0; i < 4; i++) {
      answers.set(`recent${i}`, { status: { phase: "Running" } });
      t.track(probed(`recent${i}`));
    }
    answers.set("steady", { status: { phase: "Running" } });
    t.track(pod("steady"));
    start(t);
    await advanceTo(30);
    assert.deepEqual(at("steady"), [20], "the fifth pod's first read: one slot, one read per 5 ms");
    // Its read was asked for at 20 (and ended at 25), so it is overdue at 270. A pod tracked just before waits with it then.
    const overdueAt = 270;
    await advanceTo(overdueAt - 2);
    t.track(pod("new"));
    await advanceTo(overdueAt + 10);
    const reads = [...readsAt].flatMap(([uid, times]) => times.map((ms) => ({ uid, ms })));
    const recentBefore = reads.filter((r) => r.uid.startsWith("recent") && r.ms > 30 && r.ms < overdueAt).map((r) => r.ms);
    assert.deepEqual(recentBefore.sort((a, b) => a - b), Array.from({ length: 47 }, (_, i) => 35 + i * 5), "every slot from 35 to 265 went to a recent pod");
    const order = reads.filter((r) => r.ms >= overdueAt).sort((a, b) => a.ms - b.ms).map((r) => `${r.uid.replace(/\d$/, "")}@${r.ms}`);
    assert.deepEqual(order, ["steady@270", "new@275", "recent@280"]);
  });

  it("reads none of the pods waiting for a slot that were untracked or read meanwhile", async () => {
    readMs = 10;
    const t = tracker({ maxInFlight: 1, tickMs: 1_000 });
    for (const uid of ["a", "b", "c"]) {
      answers.set(uid, { status: { phase: "Running" } });
      t.track(pod(uid));
    }
    start(t);
    await advanceTo(5);
    assert.deepEqual([at("a"), at("b"), at("c")], [[0], [], []], "one slot: b and c wait");
    t.untrack("b");
    await advanceTo(25);
    assert.deepEqual([at("a"), at("b"), at("c")], [[0], [], [10]], "c goes when a's read ends; b is never read");
  });

  it("keeps at most maxInFlight reads in flight, oldest due first", async () => {
    readMs = 30;
    let inFlight = 0;
    let most = 0;
    const starts: string[] = [];
    const t = tracker({
      maxInFlight: 3,
      read: async (p) => {
        const uid = p.metadata!.uid!;
        starts.push(`${uid}@${now()}`);
        most = Math.max(most, ++inFlight);
        await clock.sleep(readMs);
        inFlight--;
        return { namespace: "ns", name: "x", uid, status: { phase: "Pending" }, events: [], eventKeys: [] };
      },
    });
    for (let i = 0; i < 10; i++) t.track(pod(`p${i}`));
    start(t);
    await advanceTo(90);
    assert.equal(most, 3);
    // p0–p2, read first, are due again at 50; p9 has waited since 0 and goes before them at 90.
    assert.deepEqual(starts, ["p0@0", "p1@0", "p2@0", "p3@30", "p4@30", "p5@30", "p6@60", "p7@60", "p8@60", "p9@90", "p0@90", "p1@90"]);
  });

  it("retries failed reads with backoff and reports staleness from the last good read", async () => {
    const t = tracker();
    answers.set("a", new Error("ARM 503"));
    t.track(pod("a"));
    start(t);
    await advanceTo(310);
    assert.deepEqual(at("a"), [0, 20, 60, 140, 300], "retried after 20, then 40, 80, 160 ms");
    assert.equal(pushed.length, 0, "a failed read pushes nothing");
    assert.equal(t.maxStalenessSeconds(), 0.31, "no good read since it was tracked");
    assert.equal(t.maxStalenessSeconds(t0 + 10_000), 10);
    answers.set("a", { status: { phase: "Pending" } });
    await advanceTo(620);
    assert.deepEqual(pushed.map((u) => [u.at, u.status.phase]), [[620, "Pending"]]);
    assert.equal(t.maxStalenessSeconds(), 0);
  });

  it("backs failed reads off exponentially up to failedMaxMs, and reads them at once when the backend is back", async () => {
    const t = tracker({ activeMs: 20, failedMaxMs: 80 });
    answers.set("a", new Error("ARM 503"));
    answers.set("healthy", { status: { phase: "Running" } });
    t.track(pod("a"));
    t.track(pod("healthy"));
    start(t);
    await advanceTo(387);
    assert.deepEqual(at("a"), [0, 20, 60, 140, 220, 300, 380], "20, 40, then 80 ms apart");
    t.resume();
    answers.set("a", { status: { phase: "Running" } });
    await advanceTo(390);
    assert.deepEqual(pushed.filter((u) => u.uid === "a").map((u) => u.at), [390], "read at the first tick after resume, not at 460");
    assert.deepEqual(at("healthy"), [0, 250], "a pod whose reads did not fail keeps its schedule");
  });

  it("tells once that nothing backs a pod any more, and stops reading it", async () => {
    const lost: string[] = [];
    const t = tracker({ onLost: (p) => lost.push(`${p.metadata!.uid}@${now()}`) });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await advanceTo(100);
    answers.set("a", new NotFoundError("group gone"));
    await advanceTo(1_000);
    assert.deepEqual(lost, ["a@250"]);
    assert.deepEqual(at("a"), [0, 250]);
    assert.equal(t.size, 0);
  });

  it("reports no staleness when it follows no pod", () => {
    assert.equal(tracker().maxStalenessSeconds(), 0);
  });
});
