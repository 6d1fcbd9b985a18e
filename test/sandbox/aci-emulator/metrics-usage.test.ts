import assert from "node:assert/strict";
import { programFor } from "../../../sandbox/aci-emulator/behaviour";
import { AZURE_METRIC_TIMING, level, series, type UsageSource } from "../../../sandbox/aci-emulator/monitor/usage";

const MINUTE = 60_000;
const t0 = Date.parse("2026-03-01T10:00:00Z");
const busy: UsageSource = { name: "g/busy", program: programFor(["yes"]), cpuCores: 2, memoryBytes: 1e9, runs: [{ from: t0 + 10_000 }] };

describe("ACI emulator: recorded usage", () => {
  it("publishes a one-minute bucket a minute after it ends, and nothing for minutes the container did not run", () => {
    const now = t0 + 3 * MINUTE + 30_000;
    const points = series("CpuUsage", busy, { from: t0 - MINUTE, to: now, grainMs: MINUTE }, AZURE_METRIC_TIMING, now);
    assert.deepEqual(points.map((p) => p.timeStamp), [-1, 0, 1, 2, 3].map((i) => t0 + i * MINUTE));
    // Before it started: nothing. 10:00 and 10:01 ended more than a minute ago; 10:02 and 10:03 not yet.
    assert.deepEqual(points.map((p) => p.value !== undefined), [false, true, true, false, false]);
    for (const p of points.filter((x) => x.value !== undefined)) assert.ok(Math.abs(p.value! - 2000) <= 40, `busy at its 2-core limit: ${p.value}`);
  });

  it("stops recording when the container stops", () => {
    const stopped: UsageSource = { ...busy, runs: [{ from: t0, to: t0 + MINUTE }] };
    const now = t0 + 10 * MINUTE;
    const points = series("MemoryUsage", stopped, { from: t0, to: t0 + 3 * MINUTE, grainMs: MINUTE }, AZURE_METRIC_TIMING, now);
    assert.deepEqual(points.map((p) => p.value !== undefined), [true, false, false]);
  });

  it("keeps memory within the container's limit and idles at a couple of millicores", () => {
    const idle: UsageSource = { ...busy, program: programFor(["sleep", "infinity"]), memoryBytes: 4 * 2 ** 20 };
    assert.equal(level("CpuUsage", idle), 2);
    assert.equal(level("MemoryUsage", idle), 4 * 2 ** 20);
    assert.equal(level("CpuUsage", busy), 2000);
  });
});
