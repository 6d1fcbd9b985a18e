import { strict as assert } from "node:assert";
import fc from "fast-check";
import { FollowView, LogFollower } from "../../../kubelet/src/api/log-follow";
import { FOLLOW_TAIL } from "../../../kubelet/src/api/log-poller";
import { parseTimestampNs, renderLines, type StampedLine, truncateUtf8 } from "../../../kubelet/src/aci/logs";

const line = (stamp: string, text: string): StampedLine => ({ stamp, ns: parseTimestampNs(stamp)!, text });
const texts = (lines: readonly StampedLine[]): string[] => lines.map((l) => l.text);

describe("following a log from snapshots", () => {
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

describe("one follower's view of shared snapshots", () => {
  const log = [line("2026-01-01T00:00:01Z", "one"), line("2026-01-01T00:00:02Z", "two"), line("2026-01-01T00:00:03Z", "three")];
  const now = Date.UTC(2026, 0, 1, 0, 0, 10);

  it("needs a whole log for its first answer, then takes only new lines", () => {
    const view = new FollowView({}, now);
    assert.equal(view.take(log.slice(1), false, 2), undefined, "a cut snapshot cannot be the first answer");
    assert.equal(view.started, false);
    assert.equal(view.take(log.slice(0, 2), true, 2), "one\ntwo\n");
    assert.equal(view.take(log.slice(1), false, 2), "three\n");
    assert.equal(view.take(log, true, 2), "", "nothing new");
  });

  it("waits for a whole log when a cut snapshot may have skipped lines", () => {
    const view = new FollowView({}, now);
    view.take(log.slice(0, 1), true, 2);
    const later = [line("2026-01-01T00:00:04Z", "four"), line("2026-01-01T00:00:05Z", "five")];
    assert.equal(view.take([...log.slice(1), ...later].slice(-2), false, 2), undefined);
    assert.equal(view.take([...log, ...later], true, 2), "two\nthree\nfour\nfive\n");
  });

  it("applies its own timestamps, tailLines and sinceSeconds", () => {
    assert.equal(new FollowView({ timestamps: true, tailLines: 1 }, now).take(log, true, 2), "2026-01-01T00:00:03Z three\n");
    assert.equal(new FollowView({ tailLines: 0 }, now).take(log, true, 2), "");
    const recent = new FollowView({ sinceSeconds: 8 }, now);
    assert.equal(recent.take(log, true, 2), "two\nthree\n");
  });

  it("writes exactly the limitBytes-long prefix of the stream, never splitting a character, whatever the polls see (property)", () => {
    const arbLine = fc.string({ unit: "grapheme", maxLength: 6 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), arbLine), { minLength: 1, maxLength: 25 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 120 }),
        fc.boolean(),
        (steps, cuts, limitBytes, timestamps) => {
          let ms = Date.UTC(2026, 0, 1);
          const full = steps.map(([dt, text]) => line(new Date((ms += dt)).toISOString(), text));
          const view = new FollowView({ limitBytes, timestamps }, now);
          let out = "";
          const polls = [...cuts.map((c) => c % (full.length + 1)).sort((x, y) => x - y), full.length];
          for (const [i, cut] of polls.entries()) {
            if (view.exhausted) break;
            const text = view.take(full.slice(0, cut), true, FOLLOW_TAIL);
            assert.notEqual(text, undefined, `poll ${i}`);
            out += text;
          }
          const whole = renderLines(full, timestamps);
          assert.equal(out, truncateUtf8(whole, limitBytes));
          assert.ok(Buffer.byteLength(out) <= limitBytes);
          assert.equal(view.exhausted, Buffer.byteLength(whole) >= limitBytes, "the stream ends once limitBytes is used up, and only then");
        },
      ),
    );
  });
});

