import assert from "node:assert/strict";
import { isImageAccessible, programFor, pullFails, scriptProgram, seededRandom } from "../../../sandbox/aci-emulator/behaviour";
import { Faults } from "../../../sandbox/aci-emulator/faults";
import { CallLog } from "../../../sandbox/aci-emulator/record";
import { jsonNetPath } from "../../../sandbox/aci-emulator/spec";
import { TokenBucket, WindowCounter, windowLabel } from "../../../sandbox/aci-emulator/throttle";
import { totalRequests, validateGroupName } from "../../../sandbox/aci-emulator/validation";
import { normalizeLocation, restartPolicyOf } from "../../../sandbox/aci-emulator/wire";

describe("ACI emulator: pure parts", () => {
  describe("behaviour convention", () => {
    it("runs forever without a command or with an unknown program", () => {
      assert.deepEqual(programFor(undefined), [{ kind: "forever" }]);
      assert.deepEqual(programFor(["nginx", "-g", "daemon off;"]), [{ kind: "forever" }]);
      assert.deepEqual(programFor(["sh", "-c", "sleep infinity"]), [{ kind: "forever" }]);
    });

    it("understands sleep, echo, exit, true and false, in exec form and in scripts", () => {
      assert.deepEqual(programFor(["sleep", "2.5"]), [{ kind: "sleep", seconds: 2.5 }, { kind: "exit", code: 0 }]);
      assert.deepEqual(programFor(["echo", "a", "b"]), [{ kind: "log", line: "a b" }, { kind: "exit", code: 0 }]);
      assert.deepEqual(programFor(["false"]), [{ kind: "exit", code: 1 }]);
      assert.deepEqual(scriptProgram(`echo "x; y" && sleep 1\nexit 7; echo never`), [
        { kind: "log", line: "x; y" },
        { kind: "sleep", seconds: 1 },
        { kind: "exit", code: 7 },
      ]);
      assert.deepEqual(programFor(["/bin/bash", "-c", "true; echo 'done'"]), [{ kind: "log", line: "done" }, { kind: "exit", code: 0 }]);
    });

    it("classifies images", () => {
      assert.equal(isImageAccessible("nginx:1.27"), true);
      assert.equal(isImageAccessible("example/doesnotexist"), false);
      assert.equal(isImageAccessible("INVALID/image"), false);
      assert.equal(pullFails("private.example/unpullable:1"), true);
    });

    it("draws the same numbers from the same seed", () => {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = [a(), a(), a()];
      assert.deepEqual(xs, [b(), b(), b()]);
      assert.ok(xs.every((x) => x >= 0 && x < 1));
    });
  });

  describe("throttling", () => {
    it("a token bucket admits its burst, then says when a token is back", () => {
      let now = 0;
      const bucket = new TokenBucket({ burst: 2, perSecond: 0.5 }, () => now);
      assert.deepEqual(bucket.take(), { ok: true, remaining: 1 });
      assert.deepEqual(bucket.take(), { ok: true, remaining: 0 });
      assert.deepEqual(bucket.take(), { ok: false, retryAfterSeconds: 2 });
      now = 2000;
      assert.equal(bucket.take().ok, true);
    });

    it("a sliding window admits `max` per window and frees up as operations age", () => {
      let now = 0;
      const w = new WindowCounter([{ max: 2, windowSeconds: 10 }, { max: 3, windowSeconds: 60 }], () => now);
      assert.equal(w.take().ok, true);
      now = 1000;
      assert.equal(w.take().ok, true);
      const refused = w.take();
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.retryAfterSeconds, 9);
      now = 10_001;
      assert.equal(w.take().ok, true, "the 10 s window freed up");
      now = 20_000;
      const hourly = w.take();
      assert.equal(hourly.ok, false, "the 60 s window is full");
      assert.equal(windowLabel({ max: 1, windowSeconds: 3600 }), "01:00:00");
    });
  });

  describe("faults", () => {
    it("fails the next N requests, then serves; validates settings", () => {
      const f = new Faults(seededRandom(1));
      f.set({ failNextRequests: 1, latencyByOperation: { X: 5 } });
      assert.deepEqual(f.decide("X"), { kind: "error", status: 500, delayMs: 5 });
      assert.deepEqual(f.decide("Y"), { kind: "serve", delayMs: 0 });
      assert.throws(() => f.set({ dropRate: 1.5 }), /dropRate/);
      f.outage(1000, { mode: "drop" });
      assert.equal(f.decide("Y").kind, "drop");
      f.clear();
      assert.equal(f.decide("Y").kind, "serve");
    });

    it("consumes drop-next-create-response one at a time", () => {
      const f = new Faults(seededRandom(1));
      f.set({ dropNextCreateResponses: 1 });
      assert.equal(f.takeCreateResponseDrop(), true);
      assert.equal(f.takeCreateResponseDrop(), false);
    });
  });

  describe("record", () => {
    it("counts every call even when the call list is capped", () => {
      const log = new CallLog({ calls: 2 });
      for (let i = 0; i < 100; i++) log.addCall({ operation: "Op", method: "GET", path: "/", status: i % 2 ? 200 : 429, durationMs: 1, at: i });
      assert.equal(log.calls.length, 2);
      assert.deepEqual(log.calls.map((c) => c.at), [98, 99]);
      assert.equal(log.count("Op"), 100);
      assert.equal(log.count("Op", 429), 50);
      log.clear();
      assert.equal(log.counts().total, 0);
    });
  });

  describe("validation helpers", () => {
    it("writes JSON.NET paths", () => {
      assert.equal(jsonNetPath("/properties/containers/0/properties/image"), "properties.containers[0].properties.image");
      assert.equal(jsonNetPath(""), "");
    });

    it("checks group names and sums requests", () => {
      assert.doesNotThrow(() => validateGroupName("ns-pod-1"));
      assert.throws(() => validateGroupName("ends-"), { code: "InvalidResourceName" });
      const body = { location: "x", properties: { osType: "Linux", containers: [0.3, 0.45].map((cpu) => ({ name: "c", properties: { image: "i", resources: { requests: { cpu, memoryInGB: 0.1 } } } })) } };
      assert.deepEqual(totalRequests(body), { cpu: 0.75, memoryInGB: 0.2 });
    });

    it("normalises locations and defaults the restart policy", () => {
      assert.equal(normalizeLocation("West Europe"), "westeurope");
      assert.equal(restartPolicyOf({ containers: [], osType: "Linux" }), "Always");
    });
  });
});
