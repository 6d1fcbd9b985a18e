import { strict as assert } from "node:assert";
import { UsageBook } from "../../../kubelet/src/usage/usage-book";

const MINUTE = 60_000;
const start = new Date("2026-03-01T10:00:00Z");
const t0 = start.getTime();
const bucket = (i: number, cpuMillicores: number | undefined, memoryBytes = 2 ** 20) => ({ at: t0 + i * MINUTE, grainMs: MINUTE, cpuMillicores, memoryBytes });

describe("UsageBook", () => {
  it("turns per-minute average millicores into cumulative core-seconds, timed by the newest bucket", () => {
    const book = new UsageBook();
    book.record("p", "c", start, [bucket(0, 1000), bucket(1, 500)]);
    const u = book.container("p", "c")!;
    assert.equal(u.cpuSeconds, 90);
    assert.equal(u.cpuCores, 0.5);
    assert.equal(u.at.getTime(), t0 + 2 * MINUTE);
  });

  it("counts each bucket once, however often and in whatever order it is seen, so the counter never decreases", () => {
    const book = new UsageBook();
    const seen: number[] = [];
    const answers = [[bucket(0, 200)], [bucket(1, 400), bucket(0, 200)], [bucket(0, 200), bucket(1, 400)], [bucket(2, 100), bucket(1, 9999)]];
    for (const samples of answers) {
      book.record("p", "c", start, samples);
      seen.push(book.container("p", "c")!.cpuSeconds);
    }
    assert.deepEqual(seen, [12, 36, 36, 42]);
  });

  it("skips buckets without data and buckets that ended before the container started", () => {
    const book = new UsageBook();
    book.record("p", "c", new Date(t0 + MINUTE), [bucket(0, 1000), bucket(1, undefined), bucket(2, 100)]);
    assert.equal(book.container("p", "c")!.cpuSeconds, 6);
  });

  it("counts the bucket a container started in from its start only, so a fresh container's counter over its age is its rate", () => {
    // Five-second buckets at 500m; the container starts 2.5 s into the first. metrics-server divides
    // a fresh container's counter by the time since its start: that must come out at 500m.
    const grainMs = 5_000;
    const startedAt = new Date(t0 + 2_500);
    const book = new UsageBook();
    book.record("p", "c", startedAt, [0, 1, 2].map((i) => ({ at: t0 + i * grainMs, grainMs, cpuMillicores: 500, memoryBytes: 2 ** 20 })));
    const u = book.container("p", "c")!;
    assert.equal(u.cpuSeconds, 6.25);
    assert.equal(u.cpuSeconds / ((u.at.getTime() - startedAt.getTime()) / 1000), 0.5);
    assert.deepEqual(book.node(), { cpuSeconds: 6.25, memoryBytes: 2 ** 20, at: new Date(t0 + 3 * grainMs) });
  });

  it("knows nothing of a container until it has both CPU and memory", () => {
    const book = new UsageBook();
    book.record("p", "c", start, [bucket(0, undefined)]);
    assert.equal(book.container("p", "c"), undefined);
    book.record("p", "c", start, [{ at: t0, grainMs: MINUTE, cpuMillicores: 5 }]);
    assert.equal(book.container("p", "c"), undefined, "no memory yet");
    assert.equal(book.pod("p", ["c"]), undefined);
  });

  it("starts a restarted container (new start time) from zero, as the kubelet's counters do", () => {
    const book = new UsageBook();
    book.record("p", "c", start, [bucket(0, 1000), bucket(1, 1000)]);
    const restarted = new Date(t0 + 2 * MINUTE);
    book.record("p", "c", restarted, [bucket(1, 1000), bucket(2, 500)]);
    const u = book.container("p", "c")!;
    assert.equal(u.cpuSeconds, 30);
    assert.equal(u.startedAt.getTime(), restarted.getTime());
  });

  it("keeps the node's counter growing when pods go away, and its memory to the pods still kept", () => {
    const book = new UsageBook();
    book.record("a", "c", start, [bucket(0, 1000, 100)]);
    book.record("b", "c", start, [bucket(0, 500, 50)]);
    assert.deepEqual(book.node(), { cpuSeconds: 90, memoryBytes: 150, at: new Date(t0 + MINUTE) });
    book.retain(new Set(["b"]));
    book.record("b", "c", start, [bucket(1, 500, 60)]);
    assert.deepEqual(book.node(), { cpuSeconds: 120, memoryBytes: 60, at: new Date(t0 + 2 * MINUTE) });
    assert.equal(book.container("a", "c"), undefined);
  });

  it("answers a pod only when all its containers are known", () => {
    const book = new UsageBook();
    book.record("p", "a", start, [bucket(0, 10)]);
    assert.equal(book.pod("p", ["a", "b"]), undefined);
    book.record("p", "b", start, [bucket(0, 20)]);
    assert.deepEqual([...book.pod("p", ["a", "b"])!.keys()], ["a", "b"]);
    assert.equal(book.pod("p", []), undefined);
  });
});
