import { strict as assert } from "node:assert";
import { durationMs, isoDuration } from "../../../kubelet/src/util/iso-duration";

describe("ISO 8601 durations of time grains", () => {
  it("reads hours, minutes and seconds, and nothing else", () => {
    assert.deepEqual(["PT1M", "PT5S", "PT1H", "PT1H30M", "PT0.5S", "pt1m"].map(durationMs), [60_000, 5_000, 3_600_000, 5_400_000, 500, 60_000]);
    for (const other of ["P1D", "FULL", "PT", "", undefined, "1M"]) assert.equal(durationMs(other), undefined, String(other));
  });

  it("writes whole hours, minutes or seconds, and round-trips", () => {
    assert.deepEqual([3600, 60, 300, 5, 90].map(isoDuration), ["PT1H", "PT1M", "PT5M", "PT5S", "PT90S"]);
    for (const s of [1, 5, 60, 90, 3600]) assert.equal(durationMs(isoDuration(s)), s * 1000);
  });
});
