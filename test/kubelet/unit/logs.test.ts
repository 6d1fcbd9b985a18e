import { strict as assert } from "node:assert";
import fc from "fast-check";
import { filterLogs, parseStampedLines, parseTimestampNs, splitLines, truncateUtf8 } from "../../../kubelet/src/aci/logs";

const now = new Date("2025-03-01T12:00:00Z");
/** A timestamped snapshot, as ACI returns it with `timestamps=true`. */
const stamped = [
  "2025-03-01T11:58:00.000000000Z starting",
  "2025-03-01T11:59:00.500000000Z processing 1",
  "2025-03-01T11:59:30.000000000Z processing 2",
  "2025-03-01T11:59:59.000000000Z done",
  "",
].join("\n");
const plain = "a\nb\nc\nd\n";

describe("parseStampedLines (the one parser of timestamped lines)", () => {
  it("parses RFC 3339 timestamps to nanoseconds, at any precision and offset", () => {
    assert.equal(parseTimestampNs("2026-01-01T00:00:00Z"), 1_767_225_600_000_000_000n);
    assert.equal(parseTimestampNs("2026-01-01T00:00:00.000000001Z"), 1_767_225_600_000_000_001n);
    assert.equal(parseTimestampNs("2026-01-01T00:00:00.5Z"), 1_767_225_600_500_000_000n);
    assert.equal(parseTimestampNs("2026-01-01T01:00:00+01:00"), 1_767_225_600_000_000_000n);
    assert.equal(parseTimestampNs("hello"), undefined);
  });

  it("splits lines, without an empty last line for the trailing newline", () => {
    assert.deepEqual(splitLines(plain), ["a", "b", "c", "d"]);
    assert.deepEqual(splitLines(""), []);
    assert.deepEqual(splitLines("x\n\ny"), ["x", "", "y"]);
  });

  it("reads the time in front of each timestamped line, keeping the stamp as written", () => {
    const lines = parseStampedLines(stamped);
    assert.equal(lines.length, 4);
    assert.deepEqual([lines[1].stamp, lines[1].ns, lines[1].text], ["2025-03-01T11:59:00.500000000Z", BigInt(Date.parse("2025-03-01T11:59:00.500Z")) * 1_000_000n, "processing 1"]);
  });

  it("keeps a line whose prefix is no time whole; it continues the previous line's time", () => {
    const lines = parseStampedLines("2026-01-01T00:00:00Z a\ncontinued\nnot-a-time hello\n2026-01-01T00:00:01Z b\n");
    assert.deepEqual(lines.map((l) => [l.stamp, l.text]), [["2026-01-01T00:00:00Z", "a"], ["2026-01-01T00:00:00Z", "continued"], ["2026-01-01T00:00:00Z", "not-a-time hello"], ["2026-01-01T00:00:01Z", "b"]]);
    assert.deepEqual(parseStampedLines("nospace\n").map((l) => [l.ns, l.text]), [[0n, "nospace"]]);
  });
});

describe("truncateUtf8", () => {
  it("is the longest prefix within the limit that splits no character (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 30 }), fc.nat({ max: 130 }), (text, limit) => {
        const out = truncateUtf8(text, limit);
        const bytes = Buffer.byteLength(out);
        assert.ok(text.startsWith(out));
        assert.ok(bytes <= limit);
        const rest = Buffer.from(text).subarray(bytes);
        // The next character, if any, did not fit.
        if (rest.length > 0) assert.ok(bytes + Buffer.byteLength(String.fromCodePoint(text.slice(out.length).codePointAt(0)!)) > limit);
      }),
    );
  });
});

describe("filterLogs", () => {
  it("returns everything by default, newline-terminated", () => {
    assert.equal(filterLogs(plain, {}, now), plain);
    assert.equal(filterLogs("a\nb", {}, now), "a\nb\n");
    assert.equal(filterLogs("", {}, now), "");
  });

  it("strips the timestamps it needed for filtering unless they were asked for", () => {
    assert.equal(filterLogs(stamped, { sinceSeconds: 3600 }, now), "starting\nprocessing 1\nprocessing 2\ndone\n");
  });

  it("keeps the last `tailLines` lines, none for 0, all when there are fewer", () => {
    assert.equal(filterLogs(plain, { tailLines: 2 }, now), "c\nd\n");
    assert.equal(filterLogs(plain, { tailLines: 0 }, now), "");
    assert.equal(filterLogs(plain, { tailLines: 10 }, now), plain);
  });

  it("prefixes each line with its RFC 3339 time as ACI wrote it (full precision) when asked", () => {
    const out = filterLogs(stamped, { timestamps: true, tailLines: 2 }, now).split("\n");
    assert.deepEqual(out, ["2025-03-01T11:59:30.000000000Z processing 2", "2025-03-01T11:59:59.000000000Z done", ""]);
  });

  it("compares times to the nanosecond", () => {
    const close = "2025-03-01T11:59:30.000000001Z late\n2025-03-01T11:59:29.999999999Z early\n";
    assert.equal(filterLogs(close, { sinceTime: new Date("2025-03-01T11:59:30Z") }, now), "late\n");
  });

  it("keeps lines written within the last `sinceSeconds`", () => {
    assert.equal(filterLogs(stamped, { sinceSeconds: 60 }, now), "processing 1\nprocessing 2\ndone\n");
    assert.equal(filterLogs(stamped, { sinceSeconds: 30 }, now), "processing 2\ndone\n", "a line exactly at the bound is kept");
    assert.equal(filterLogs(stamped, { sinceSeconds: 0 }, now), "");
  });

  it("keeps lines written at or after `sinceTime`", () => {
    assert.equal(filterLogs(stamped, { sinceTime: new Date("2025-03-01T11:59:30Z") }, now), "processing 2\ndone\n");
    assert.equal(filterLogs(stamped, { sinceTime: new Date("2025-03-01T13:00:00Z") }, now), "");
  });

  it("applies since before tail: the last lines among the recent ones", () => {
    assert.equal(filterLogs(stamped, { sinceSeconds: 120, tailLines: 1 }, now), "done\n");
    assert.equal(filterLogs(stamped, { sinceSeconds: 45, tailLines: 5 }, now), "processing 2\ndone\n");
  });

  it("cuts the output at `limitBytes`", () => {
    assert.equal(filterLogs(plain, { limitBytes: 3 }, now), "a\nb");
    assert.equal(filterLogs(plain, { limitBytes: 100 }, now), plain);
    assert.equal(filterLogs(plain, { limitBytes: 0 }, now), "");
  });

  it("never returns more than `limitBytes` bytes, even when the cut falls inside a character", () => {
    const text = "ü€😀\n";
    for (let limit = 0; limit <= Buffer.byteLength(text); limit++) {
      const out = filterLogs(text, { limitBytes: limit }, now);
      assert.ok(Buffer.byteLength(out) <= limit, `limit ${limit}: ${Buffer.byteLength(out)} bytes (${JSON.stringify(out)})`);
      assert.ok(!out.includes("\uFFFD"), `limit ${limit}: a broken character (${JSON.stringify(out)})`);
      assert.ok(text.startsWith(out), `limit ${limit}: ${JSON.stringify(out)} is not a prefix`);
    }
  });
});
