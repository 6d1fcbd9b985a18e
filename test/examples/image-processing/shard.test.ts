import assert from "node:assert/strict";
import fc from "fast-check";
import { shardFiles, shardFromEnv } from "../../../examples/image-processing/worker/src/shard";

describe("image-processing worker: shards", () => {
  it("splits files into disjoint shards that together cover every file once", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (files, count) => {
        const shards = Array.from({ length: count }, (_, index) => shardFiles(files, { index, count }));
        assert.deepEqual(shards.flat().sort(), [...files].sort());
        const sizes = shards.map((s) => s.length);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, "shards are balanced");
      }),
    );
  });

  it("does not depend on the order the share lists files in", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string(), { maxLength: 50 }), fc.integer({ min: 1, max: 8 }), (files, count) => {
        const reversed = [...files].reverse();
        for (let index = 0; index < count; index++) assert.deepEqual(shardFiles(files, { index, count }), shardFiles(reversed, { index, count }));
      }),
    );
  });

  it("gives pod 1 of 3 every third file from the second", () => {
    assert.deepEqual(shardFiles(["e.jpg", "a.jpg", "c.jpg", "b.jpg", "d.jpg", "f.jpg", "g.jpg"], { index: 1, count: 3 }), ["b.jpg", "e.jpg"]);
  });

  it("reads JOB_COMPLETION_INDEX and SHARD_COUNT, with messages that name them", () => {
    assert.deepEqual(shardFromEnv({ JOB_COMPLETION_INDEX: "4", SHARD_COUNT: "10" }), { index: 4, count: 10 });
    assert.throws(() => shardFromEnv({ SHARD_COUNT: "10" }), /JOB_COMPLETION_INDEX is not set/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "x", SHARD_COUNT: "10" }), /JOB_COMPLETION_INDEX must be an integer, got "x"/);
    assert.throws(() => shardFromEnv({ JOB_COMPLETION_INDEX: "10", SHARD_COUNT: "10" }), /shard index must be an integer from 0 to 9, got 10/);
  });
});
