import { strict as assert } from "node:assert";
import fc from "fast-check";
import { LogFollower, parseStampedLines, parseTimestampNs, type StampedLine } from "../../../kubelet/src/api/log-follow";

const line = (stamp: string, text: string): StampedLine => ({ stamp, ns: parseTimestampNs(stamp)!, text });
const texts = (lines: readonly StampedLine[]): string[] => lines.map((l) => l.text);

describe("following a log from snapshots", () => {
  it("parses RFC 3339 timestamps to nanoseconds, at any precision and offset", () => {
    assert.equal(parseTimestampNs("2026-01-01T00:00:00Z"), 1_767_225_600_000_000_000n);
    assert.equal(parseTimestampNs("2026-01-01T00:00:00.000000001Z"), 1_767_225_600_000_000_001n);
    assert.equal(parseTimestampNs("2026-01-01T00:00:00.5Z"), 1_767_225_600_500_000_000n);
    assert.equal(parseTimestampNs("2026-01-01T01:00:00+01:00"), 1_767_225_600_000_000_000n);
    assert.equal(parseTimestampNs("hello"), undefined);
  });

  it("splits a snapshot; a line without a timestamp continues the previous one", () => {
    const lines = parseStampedLines("2026-01-01T00:00:00Z a\ncontinued\n2026-01-01T00:00:01Z b\n");
    assert.deepEqual(lines.map((l) => [l.stamp, l.text]), [["2026-01-01T00:00:00Z", "a"], ["2026-01-01T00:00:00Z", "continued"], ["2026-01-01T00:00:01Z", "b"]]);
  });

  it("emits only lines not emitted before", () => {
    const f = new LogFollower();
    const s1 = [line("2026-01-01T00:00:01Z", "one")];
    const s2 = [...s1, line("2026-01-01T00:00:02Z", "two")];
    assert.deepEqual(texts(f.next(s1)), ["one"]);
    assert.deepEqual(texts(f.next(s1)), []);
    assert.deepEqual(texts(f.next(s2)), ["two"]);
    assert.deepEqual(texts(f.next(s2)), []);
  });

  it("counts identical lines written in the same instant, across polls", () => {
    const f = new LogFollower();
    const t = "2026-01-01T00:00:01Z";
    assert.deepEqual(texts(f.next([line(t, "x")])), ["x"]);
    assert.deepEqual(texts(f.next([line(t, "x"), line(t, "x")])), ["x"]);
    assert.deepEqual(texts(f.next([line(t, "x"), line(t, "y"), line(t, "x")])), ["y"]);
    assert.deepEqual(texts(f.next([line(t, "x"), line(t, "y"), line(t, "x"), line(t, "x")])), ["x"]);
    assert.deepEqual(texts(f.next([line(t, "x"), line(t, "y"), line(t, "x"), line(t, "x"), line("2026-01-01T00:00:02Z", "z")])), ["z"]);
  });

  it("starts after an initial answer and notices when a cut snapshot may have skipped lines", () => {
    const f = new LogFollower([line("2026-01-01T00:00:01Z", "shown")]);
    const later = [line("2026-01-01T00:00:02Z", "a"), line("2026-01-01T00:00:03Z", "b")];
    assert.equal(f.mayHaveGap(later, 2), true, "no overlap with what was sent, and the cut is full");
    assert.equal(f.mayHaveGap([line("2026-01-01T00:00:01Z", "shown"), ...later], 3), false);
    assert.deepEqual(texts(f.next([line("2026-01-01T00:00:01Z", "shown"), ...later])), ["a", "b"]);
  });

  it("emits every line exactly once, whatever the polls see (property)", () => {
    // A log of lines with non-decreasing times, many sharing an instant and a text; polls see growing prefixes.
    const arbLog = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom("a", "b", "a b")), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(arbLog, fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), (steps, cuts) => {
        let ms = Date.UTC(2026, 0, 1);
        const log = steps.map(([dt, text]) => line(new Date((ms += dt)).toISOString(), text));
        const f = new LogFollower();
        const out: StampedLine[] = [];
        for (const cut of [...cuts.map((c) => c % (log.length + 1)).sort((x, y) => x - y), log.length]) out.push(...f.next(log.slice(0, cut)));
        assert.deepEqual(out, log);
      }),
    );
  });
});
