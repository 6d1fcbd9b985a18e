import { strict as assert } from "node:assert";
import { eventually } from "../../fixtures/eventually";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { StatusTracker, type StatusTrackerOptions } from "../../../kubelet/src/aci/status-tracker";
import { NotFoundError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { PodEvent } from "../../../kubelet/src/provider/provider";
import type { StatusNotice } from "../../../kubelet/src/aci/status-tracker";

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = (done: () => boolean, what: string, ms = 5_000): Promise<boolean> => eventually(done, { timeoutMs: ms, intervalMs: 2, what });

const pod = (uid: string): V1Pod => ({ metadata: { namespace: "ns", name: `pod-${uid}`, uid } });
const event = (reason: string): PodEvent => ({ reason, message: reason, type: "Normal" });

/** What the fake backend answers for a pod: its status, and its events with their keys. */
interface Answer {
  status: V1PodStatus;
  events?: Array<[string, PodEvent]>;
}

describe("StatusTracker", () => {
  let controller: AbortController;
  let running: Promise<void> | undefined;
  let reads: Map<string, number>;
  let answers: Map<string, Answer | Error>;
  let pushed: StatusNotice[];

  const tracker = (options: Partial<StatusTrackerOptions> = {}): StatusTracker => {
    const t = new StatusTracker({
      log: silentLogger,
      activeMs: 20,
      steadyMs: 250,
      recentMs: 60,
      tickMs: 5,
      read: (p) => {
        const uid = p.metadata!.uid!;
        reads.set(uid, (reads.get(uid) ?? 0) + 1);
        const answer = answers.get(uid) ?? { status: { phase: "Pending" } };
        if (answer instanceof Error) return Promise.reject(answer);
        const events = answer.events ?? [];
        return Promise.resolve({ namespace: "ns", name: p.metadata!.name!, uid, status: answer.status, events: events.map(([, e]) => e), eventKeys: events.map(([k]) => k) });
      },
      ...options,
    });
    t.onChange((update) => pushed.push(update));
    return t;
  };
  const start = (t: StatusTracker): void => {
    running = t.run(controller.signal);
  };

  beforeEach(() => {
    controller = new AbortController();
    running = undefined;
    reads = new Map();
    answers = new Map();
    pushed = [];
  });
  afterEach(async () => {
    controller.abort();
    await running;
  });

  it("reads a newly tracked pod at once and pushes its status", async () => {
    const t = tracker();
    start(t);
    answers.set("a", { status: { phase: "Pending", reason: "ContainerCreating" } });
    const tracked = Date.now();
    t.track(pod("a"));
    await until(() => pushed.length === 1, "the first push");
    assert.ok(Date.now() - tracked < 1_000);
    assert.deepEqual([pushed[0].uid, pushed[0].status.phase], ["a", "Pending"]);
  });

  it("reads starting pods far more often than steady running ones", async () => {
    const t = tracker();
    answers.set("starting", { status: { phase: "Pending" } });
    answers.set("steady", { status: { phase: "Running" } });
    t.track(pod("starting"));
    t.track(pod("steady"));
    start(t);
    await pause(150); // the running pod's first change is "recent" for 60 ms
    const before = { starting: reads.get("starting") ?? 0, steady: reads.get("steady") ?? 0 };
    await pause(600);
    const starting = (reads.get("starting") ?? 0) - before.starting;
    const steady = (reads.get("steady") ?? 0) - before.steady;
    assert.ok(steady <= 4, `steady pod read ${steady} times in 600 ms with a 250 ms interval`);
    assert.ok(starting >= 8 && starting > 3 * steady, `starting ${starting} reads, steady ${steady}`);
  });

  it("keeps reading a steady pod, so its status is never older than the steady interval", async () => {
    const t = tracker();
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await pause(200);
    const before = reads.get("a") ?? 0;
    await pause(700);
    assert.ok((reads.get("a") ?? 0) - before >= 1, "read again within the steady interval");
    assert.ok(t.maxStalenessSeconds() < 0.75, `staleness ${t.maxStalenessSeconds()} s`);
  });

  it("pushes only when the status changed or new events arrived, with every event not acknowledged yet", async () => {
    const t = tracker();
    answers.set("a", { status: { phase: "Pending" }, events: [["pull", event("Pulling")]] });
    t.track(pod("a"));
    start(t);
    await until(() => (reads.get("a") ?? 0) >= 4, "several reads");
    assert.equal(pushed.length, 1, "an unchanged status is not pushed again");
    assert.deepEqual(pushed[0].events.map((e) => [e.key, e.reason]), [["pull", "Pulling"]]);

    answers.set("a", { status: { phase: "Pending" }, events: [["pull", event("Pulling")], ["pulled", event("Pulled")]] });
    await until(() => pushed.length === 2, "the new event");
    assert.deepEqual(pushed[1].events.map((e) => e.reason), ["Pulling", "Pulled"], "an event not acknowledged is pushed again, so none is lost");
    t.acknowledge("a", ["pull", "pulled"]);

    answers.set("a", { status: { phase: "Running", startTime: new Date() }, events: [["pull", event("Pulling")], ["pulled", event("Pulled")]] });
    await until(() => pushed.length === 3, "the status change");
    assert.deepEqual([pushed[2].status.phase, pushed[2].events.length], ["Running", 0], "acknowledged events are not pushed again");
    const reads0 = reads.get("a")!;
    await until(() => reads.get("a")! >= reads0 + 2, "more reads");
    assert.equal(pushed.length, 3);
  });

  it("stops reading a pod once it has finished, after pushing its final status", async () => {
    const t = tracker();
    answers.set("done", { status: { phase: "Succeeded" } });
    answers.set("failed", { status: { phase: "Failed", reason: "Error" } });
    t.track(pod("done"));
    t.track(pod("failed"));
    start(t);
    await until(() => pushed.length === 2, "both final statuses");
    assert.equal(t.size, 0);
    await pause(100);
    assert.deepEqual([reads.get("done"), reads.get("failed")], [1, 1]);
  });

  it("stops reading an untracked pod and drops an answer that arrives after untrack", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const t = tracker({
      read: async (p) => {
        reads.set(p.metadata!.uid!, (reads.get(p.metadata!.uid!) ?? 0) + 1);
        await held;
        return { namespace: "ns", name: "x", uid: p.metadata!.uid!, status: { phase: "Running" }, events: [], eventKeys: [] };
      },
    });
    t.track(pod("a"));
    start(t);
    await until(() => reads.get("a") === 1, "the read");
    t.untrack("a");
    release();
    await pause(80);
    assert.deepEqual(pushed, []);
    assert.equal(reads.get("a"), 1);
  });

  it("does not let a stale read of an untracked pod end the new tracking of the same pod", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let calls = 0;
    const t = tracker({
      read: async (p) => {
        calls++;
        const call = calls;
        if (call === 1) await held;
        // The old read finds the pod finished; the new tracking's reads find it still running.
        const phase = call === 1 ? "Succeeded" : "Running";
        return { namespace: "ns", name: "x", uid: p.metadata!.uid!, status: { phase }, events: [], eventKeys: [] };
      },
    });
    t.track(pod("a"));
    start(t);
    await until(() => calls === 1, "the first read");
    t.untrack("a");
    t.track(pod("a"));
    await until(() => pushed.length === 1, "the new tracking's push");
    release();
    await pause(50);
    assert.equal(t.size, 1, "the pod is still followed");
  });

  it("does not read a new pod while its listed state is quiet, and reads it once provisioning ends", async () => {
    const listed = new Map<string, string>([["a", "Pending"]]);
    let listings = 0;
    const t = tracker({
      listStates: () => {
        listings++;
        return Promise.resolve(listed);
      },
      quietStates: ["Pending", "Creating"],
      listEveryMs: 10,
      startingMaxMs: 5_000,
    });
    t.track(pod("a"));
    start(t);
    await until(() => listings >= 5, "several listings");
    listed.set("a", "Creating");
    await until(() => listings >= 10, "more listings");
    assert.equal(reads.get("a") ?? 0, 0, "nothing worth a read while the group is accepted, then provisioned");
    listed.set("a", "Succeeded");
    const moved = Date.now();
    await until(() => reads.get("a") === 1, "the read after the move");
    assert.ok(Date.now() - moved < 1_000);
  });

  it("lists steady pods too, and reads at once one whose group is no longer listed", async () => {
    const listed = new Map<string, string>([["a", "Succeeded"]]);
    const lost: string[] = [];
    const t = tracker({ listStates: () => Promise.resolve(listed), lostListMs: 50, steadyMs: 60_000, onLost: (p) => lost.push(p.metadata!.uid!) });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await until(() => pushed.length === 1, "the first read");
    const readsBefore = reads.get("a")!;
    listed.delete("a");
    answers.set("a", new NotFoundError("gone"));
    const gone = Date.now();
    await until(() => lost.length === 1, "the loss found by the read the listing asked for");
    assert.ok(Date.now() - gone < 1_000, "long before the steady interval of 60 s");
    assert.equal(reads.get("a"), readsBefore + 1);
  });

  it("reads a pod that may finish on its own a few extra times while it is young, then at the steady interval", async () => {
    const never: V1Pod = { ...pod("job"), spec: { restartPolicy: "Never", containers: [] } };
    const always: V1Pod = { ...pod("service"), spec: { restartPolicy: "Always", containers: [] } };
    const t = tracker({ youngFirstMs: 20, recentMs: 1, steadyMs: 400 });
    answers.set("job", { status: { phase: "Pending" } });
    answers.set("service", { status: { phase: "Pending" } });
    t.track(never);
    t.track(always);
    start(t);
    await until(() => reads.get("job") === 1 && reads.get("service") === 1, "the first reads");
    answers.set("job", { status: { phase: "Running" } });
    answers.set("service", { status: { phase: "Running" } });
    await until(() => pushed.filter((u) => u.status.phase === "Running").length === 2, "both Running");
    const before = { job: reads.get("job")!, service: reads.get("service")! };
    await pause(300);
    const job = reads.get("job")! - before.job;
    const service = reads.get("service")! - before.service;
    // Young: read after 20, 40, 80 and 160 ms (300 ms in all); steady: every 400 ms.
    assert.ok(job >= 3, `the Job's pod was read ${job} times in its first 300 ms of running`);
    assert.equal(service, 0, "the service's pod waits for its steady read");

    answers.set("job", { status: { phase: "Succeeded" } });
    await until(() => pushed.some((u) => u.uid === "job" && u.status.phase === "Succeeded"), "the Job pod's end");
  });

  it("skips a young pod's optional reads when the read budget has nothing to spare", async () => {
    const never: V1Pod = { ...pod("job"), spec: { restartPolicy: "Never", containers: [] } };
    const t = tracker({ youngFirstMs: 20, recentMs: 1, steadyMs: 400, spareReads: () => false });
    answers.set("job", { status: { phase: "Running" } });
    t.track(never);
    start(t);
    await until(() => reads.get("job") === 1, "the first read");
    const firstRead = Date.now();
    await pause(300);
    assert.equal(reads.get("job"), 1, "no optional reads without spare budget");
    await until(() => reads.get("job")! >= 2, "the steady read", 2_000);
    assert.ok(Date.now() - firstRead < 600, `read again ${Date.now() - firstRead} ms after the first: skipped reads must not push the steady one out`);
  });

  it("spends on young pods only what steady reads leave of their rate", async () => {
    const t = tracker({ youngFirstMs: 10, recentMs: 1, steadyMs: 100_000, steadyReadsPerSecond: 2 });
    for (let i = 0; i < 20; i++) {
      answers.set(`job${i}`, { status: { phase: "Running" } });
      t.track({ ...pod(`job${i}`), spec: { restartPolicy: "OnFailure", containers: [] } });
    }
    start(t);
    await until(() => reads.size === 20, "every pod's first read");
    const first = [...reads.values()].reduce((a, b) => a + b, 0);
    await pause(500);
    const optional = [...reads.values()].reduce((a, b) => a + b, 0) - first;
    // Unbounded, 20 young pods would be read ~5 times each in 500 ms; the rate left is 2 − 20/100 =
    // 1.8/s, with ten seconds of it (18 reads) to spend at once.
    assert.ok(optional >= 5 && optional <= 20, `${optional} optional reads in 500 ms`);
  });

  it("reads starting pods first when reads compete", async () => {
    const order: string[] = [];
    const t = tracker({
      maxInFlight: 1,
      activeMs: 10,
      recentMs: 1,
      steadyMs: 10,
      read: async (p) => {
        const uid = p.metadata!.uid!;
        order.push(uid);
        await pause(5);
        const phase = uid.startsWith("run") ? "Running" : "Pending";
        return { namespace: "ns", name: uid, uid, status: { phase }, events: [], eventKeys: [] };
      },
    });
    for (let i = 0; i < 5; i++) t.track(pod(`run${i}`));
    start(t);
    await until(() => order.length >= 5, "the running pods' first reads");
    t.track(pod("new"));
    const at = order.length;
    await until(() => order.includes("new"), "the new pod's read");
    assert.ok(order.indexOf("new") - at <= 1, `the starting pod waited behind ${order.indexOf("new") - at} steady reads`);
  });

  it("keeps at most `maxInFlight` reads in flight", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const t = tracker({
      maxInFlight: 3,
      read: async (p) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await pause(30);
        inFlight--;
        reads.set(p.metadata!.uid!, (reads.get(p.metadata!.uid!) ?? 0) + 1);
        return { namespace: "ns", name: "x", uid: p.metadata!.uid!, status: { phase: "Pending" }, events: [], eventKeys: [] };
      },
    });
    for (let i = 0; i < 10; i++) t.track(pod(`p${i}`));
    start(t);
    await until(() => reads.size === 10, "every pod read once");
    assert.equal(maxInFlight, 3);
  });

  it("retries failed reads and reports how stale the oldest status is", async () => {
    const t = tracker();
    answers.set("a", new Error("ARM 503"));
    t.track(pod("a"));
    const tracked = Date.now();
    start(t);
    await until(() => (reads.get("a") ?? 0) >= 3, "retries");
    assert.deepEqual(pushed, []);
    const stale = t.maxStalenessSeconds();
    assert.ok(stale >= (Date.now() - tracked - 50) / 1000 - 0.05, `staleness ${stale} s does not grow while reads fail`);
    assert.ok(Math.abs(t.maxStalenessSeconds(tracked + 10_000) - 10) < 0.5, "measured from the last good read");
    answers.set("a", { status: { phase: "Pending" } });
    await until(() => pushed.length === 1, "the push after recovery");
    assert.ok(t.maxStalenessSeconds() < 0.5);
  });

  it("backs failed reads off exponentially up to its cap, and reads them at once when the backend is back", async () => {
    const t = tracker({ activeMs: 20, failedMaxMs: 80 });
    answers.set("a", new Error("ARM 503"));
    t.track(pod("a"));
    start(t);
    await until(() => (reads.get("a") ?? 0) >= 4, "four failed reads (20, 40, 80 ms apart)");
    const before = reads.get("a")!;
    await pause(400);
    const during = reads.get("a")! - before;
    // Capped at 80 ms: about five reads in 400 ms, not the twenty a fixed 20 ms retry would make.
    assert.ok(during >= 2 && during <= 7, `${during} reads in 400 ms`);
    t.resume();
    answers.set("a", { status: { phase: "Running" } });
    await until(() => pushed.length === 1, "read right after resume", 60);
  });

  it("tells once that nothing backs a pod any more, and stops reading it", async () => {
    const lost: string[] = [];
    const t = tracker({ onLost: (p) => lost.push(p.metadata!.uid!) });
    answers.set("a", { status: { phase: "Running" } });
    t.track(pod("a"));
    start(t);
    await until(() => pushed.length === 1, "the first read");
    answers.set("a", new NotFoundError("group gone"));
    await until(() => lost.length === 1, "the loss reported");
    const reads1 = reads.get("a");
    await pause(100);
    assert.deepEqual(lost, ["a"]);
    assert.equal(reads.get("a"), reads1);
    assert.equal(t.size, 0);
  });

  it("reports no staleness when it follows no pod", () => {
    assert.equal(tracker().maxStalenessSeconds(), 0);
  });
});
