import { strict as assert } from "node:assert";
import { filterLogs, parseLogLines } from "../../../kubelet/src/aci/logs";

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

describe("parseLogLines", () => {
  it("splits lines, without an empty last line for the trailing newline", () => {
    assert.deepEqual(parseLogLines(plain, false), [{ text: "a" }, { text: "b" }, { text: "c" }, { text: "d" }]);
    assert.deepEqual(parseLogLines("", false), []);
    assert.deepEqual(parseLogLines("x\n\ny", false).map((l) => l.text), ["x", "", "y"]);
  });

  it("reads the time in front of each timestamped line", () => {
    const lines = parseLogLines(stamped, true);
    assert.equal(lines.length, 4);
    assert.equal(lines[1].text, "processing 1");
    assert.equal(lines[1].at?.toISOString(), "2025-03-01T11:59:00.500Z");
  });

  it("keeps a line whose prefix is no time whole, without a time", () => {
    assert.deepEqual(parseLogLines("not-a-time hello\nnospace\n", true), [{ text: "not-a-time hello" }, { text: "nospace" }]);
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

  it("prefixes each line with its RFC 3339 time when asked", () => {
    const out = filterLogs(stamped, { timestamps: true, tailLines: 2 }, now).split("\n");
    assert.deepEqual(out, ["2025-03-01T11:59:30.000Z processing 2", "2025-03-01T11:59:59.000Z done", ""]);
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
