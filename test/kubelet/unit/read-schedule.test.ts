import { strict as assert } from "node:assert";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { cohortOf, GoldenShares, LeftoverRate, mayFinish, nextExitRead, RunTimes, runningSince, runTimeOf, steadyIntervalMs } from "../../../kubelet/src/aci/read-schedule";

const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number): Date => new Date(T0 + ms);
const owned = (uid: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { name: "p", labels, ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "j", uid, controller: true }] },
});

describe("read schedule", () => {
  describe("cohortOf", () => {
    it("groups pods by their controller and template, and leaves pods without a controller alone", () => {
      assert.equal(cohortOf(owned("job-1")), "job-1/");
      assert.equal(cohortOf(owned("rs-1", { "pod-template-hash": "abc" })), "rs-1/abc");
      assert.equal(cohortOf(owned("ss-1", { "controller-revision-hash": "r2" })), "ss-1/r2");
      assert.equal(cohortOf({ metadata: { name: "p", ownerReferences: [{ apiVersion: "v1", kind: "Thing", name: "t", uid: "u", controller: false }] } }), undefined);
      assert.equal(cohortOf({ metadata: { name: "p" } }), undefined);
    });
  });

  it("mayFinish: pods whose restart policy lets them end (Never, OnFailure), not services", () => {
    assert.deepEqual(["Never", "OnFailure", "Always", undefined].map((restartPolicy) => mayFinish({ spec: { restartPolicy, containers: [] } })), [true, true, false, false]);
  });

  describe("runningSince and runTimeOf", () => {
    const finished: V1PodStatus = {
      phase: "Succeeded",
      containerStatuses: [
        { name: "a", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, startedAt: at(1_000), finishedAt: at(9_000) } } },
        { name: "b", image: "i", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 0, startedAt: at(1_500), finishedAt: at(12_000) } } },
      ],
    };

    it("takes a run from the first container's start to the last one's finish", () => {
      assert.equal(runningSince(finished), T0 + 1_000);
      assert.equal(runTimeOf(finished), 11_000);
    });

    it("knows no run time while a container runs, and no start before one started", () => {
      const running: V1PodStatus = { phase: "Running", containerStatuses: [{ ...finished.containerStatuses![0] }, { name: "b", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: at(2_000) } } }] };
      assert.equal(runTimeOf(running), undefined);
      assert.equal(runningSince(running), T0 + 1_000);
      assert.equal(runningSince({ phase: "Pending", containerStatuses: [{ name: "a", image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } }] }), undefined);
      assert.equal(runningSince(undefined), undefined);
    });
  });

  describe("RunTimes", () => {
    it("keeps each cohort's run times in order, the most recent 256 of the most recent 512 cohorts", () => {
      const times = new RunTimes();
      for (const ms of [300, 100, 200]) times.add("a", ms);
      assert.deepEqual(times.of("a"), [100, 200, 300]);
      assert.deepEqual(times.of("b"), []);
      assert.equal(times.has("a"), true);
      assert.equal(times.has(undefined), false);
      for (let i = 0; i < 300; i++) times.add("a", 1_000 + i);
      assert.equal(times.of("a").length, 256);
      assert.equal(times.of("a")[0], 1_044, "the oldest run times went first");
      for (let i = 0; i < 512; i++) times.add(`c${i}`, 1);
      assert.equal(times.has("a"), false, "the cohort that finished longest ago went first");
      assert.equal(times.has("c0"), true);
    });
  });

  describe("nextExitRead", () => {
    const o = { firstMs: 1_000, minGapMs: 250 };

    it("before any sibling finished, reads at 1, 2, 4 … times firstMs of running", () => {
      const reads: number[] = [];
      let last = 0;
      for (let i = 0; i < 6; i++) reads.push((last = nextExitRead(0, last, [], o)));
      assert.deepEqual(reads, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000]);
      assert.equal(nextExitRead(5_000, 5_000 + 2_500, [], o), 5_000 + 4_000, "by how long the pod has run, not since when it is read");
    });

    it("reads at the quantiles of the siblings' run times it has not reached, then at gaps doubling from minGapMs", () => {
      const runTimes = Array.from({ length: 100 }, (_, i) => 10_000 + i * 100); // 10.0 … 19.9 s
      const reads: number[] = [];
      let last = 500;
      for (let i = 0; i < 10; i++) reads.push((last = nextExitRead(0, last, runTimes, o)));
      // Minimum, 10th, 25th, 50th, 75th and 90th percentiles and maximum, then 250, 500, 1 000 ms past the longest.
      assert.deepEqual(reads, [10_000, 11_000, 12_500, 15_000, 17_500, 19_000, 19_900, 20_150, 20_650, 21_650]);
    });

    it("reads a pod of a cohort that ran alike once, at that run time, and soon after if it is still running", () => {
      assert.equal(nextExitRead(3_000, 4_000, [20_000, 20_000, 20_010], o), 23_000);
      assert.equal(nextExitRead(3_000, 23_000, [20_000, 20_000, 20_010], o), 23_250, "the longest is 10 ms on, but reads of one pod are 250 ms apart at least");
      assert.equal(nextExitRead(3_000, 23_250, [20_000, 20_000, 20_010], o), 23_500);
      assert.equal(nextExitRead(3_000, 23_500, [20_000, 20_000, 20_010], o), 23_760, "250, 750, 1 750 … ms past the longest");
    });

    it("reads a pod that ran past its siblings' run times since it was last read when they are learnt: the read is due already", () => {
      assert.equal(nextExitRead(0, 15_000, [20_000], o), 20_000);
      assert.equal(nextExitRead(0, 30_000, [20_000], o), 35_750, "found running long past them: gaps doubling on");
    });
  });

  describe("LeftoverRate", () => {
    it("holds ten seconds of what steady reads leave (room for one read at least), refilled at that rate", () => {
      const rate = new LeftoverRate(0);
      const taken = (now: number, perSecond: number, n: number): number => Array.from({ length: n }, () => rate.take(now, perSecond)).filter(Boolean).length;
      assert.equal(taken(0, 2, 30), 20, "2 reads/s left: 20 at once");
      assert.equal(taken(500, 2, 5), 1, "one more after half a second");
      assert.equal(taken(10_000, 0, 5), 0, "nothing left, nothing saved");
      assert.equal(taken(20_000, -3, 5), 0, "steady reads above the rate leave nothing");
      assert.equal(taken(20_100, 1, 5), 0, "a tenth of a read");
      assert.equal(taken(21_000, 1, 5), 1, "a whole one a second later: the bucket holds one read at least");
    });
  });

  describe("GoldenShares", () => {
    it("spreads any number of shares evenly over (0, 1): every tenth of it gets one of ten", () => {
      const shares = new GoldenShares();
      const tenths = Array.from({ length: 10 }, () => Math.floor(shares.next() * 10)).sort((a, b) => a - b);
      assert.deepEqual(tenths, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    });
  });

  describe("steadyIntervalMs", () => {
    const o = { steadyMs: 25_000, steadyReadsPerSecond: 15, freshFloorMs: 2_000 };

    it("shortens the steady interval towards the fresh rate for small fleets, never below the floor", () => {
      const fresh = { ...o, freshReadsPerSecond: 10 };
      assert.equal(steadyIntervalMs(100, fresh), 10_000, "100 pods at 10 reads/s");
      assert.equal(steadyIntervalMs(10, fresh), 2_000, "the floor");
      assert.equal(steadyIntervalMs(250, fresh), 25_000, "fresh would be slower than the steady interval: the steady one holds");
    });

    it("keeps the bound of large fleets: stretched by steadyReadsPerSecond, never longer for freshness", () => {
      assert.equal(steadyIntervalMs(1_000, { ...o, freshReadsPerSecond: 10 }), (1_000 / 15) * 1_000);
      assert.equal(steadyIntervalMs(1_000, o), (1_000 / 15) * 1_000);
      assert.equal(steadyIntervalMs(100, o), 25_000, "without a fresh rate, the steady interval as before");
    });
  });
});
