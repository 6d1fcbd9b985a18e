import { strict as assert } from "node:assert";
import { createLogger, silentLogger } from "../../../kubelet/src/log";
import type { LogLevel } from "../../../kubelet/src/config";

/** A logger whose lines are collected and parsed. */
function capture(level?: LogLevel): { lines: string[]; records: () => Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger(level, (line) => lines.push(line));
  return { lines, log, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("createLogger", () => {
  it("writes one JSON object per line with time, level, message and fields", () => {
    const { lines, records, log } = capture("info");
    const before = Date.now();
    log.info("pod created", { pod: "default/web", uid: "u-1" });
    assert.equal(lines.length, 1);
    assert.ok(!lines[0].includes("\n"), "a record is a single line");
    const [record] = records();
    assert.deepEqual({ ...record, time: undefined }, { time: undefined, level: "info", msg: "pod created", pod: "default/web", uid: "u-1" });
    const at = Date.parse(String(record.time));
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000, `time ${String(record.time)}`);
    assert.match(String(record.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("keeps a message with newlines on one line", () => {
    const { lines, records, log } = capture();
    log.warn("first\nsecond");
    assert.equal(lines.length, 1);
    assert.equal(records()[0].msg, "first\nsecond");
  });

  it("drops records below its level and keeps those at or above", () => {
    const { records, log } = capture("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    assert.deepEqual(records().map((r) => [r.level, r.msg]), [["warn", "w"], ["error", "e"]]);
  });

  it("logs info and above by default, and everything at debug", () => {
    const info = capture();
    info.log.debug("hidden");
    info.log.info("shown");
    assert.deepEqual(info.records().map((r) => r.msg), ["shown"]);
    const debug = capture("debug");
    debug.log.debug("shown");
    assert.deepEqual(debug.records().map((r) => r.level), ["debug"]);
  });

  it("`with` adds fields to every record of the child, and the call's fields win", () => {
    const { records, log } = capture();
    const pods = log.with({ component: "pods", node: "burstlet" });
    const pod = pods.with({ pod: "ns/p" });
    pod.info("reconciled", { node: "override" });
    log.info("plain");
    const [child, parent] = records();
    assert.deepEqual([child.component, child.pod, child.node], ["pods", "ns/p", "override"]);
    assert.equal(parent.component, undefined, "the parent is unchanged");
  });

  it("`with` keeps the parent's level", () => {
    const { records, log } = capture("error");
    log.with({ a: 1 }).warn("dropped");
    log.with({ a: 1 }).error("kept");
    assert.deepEqual(records().map((r) => r.msg), ["kept"]);
  });

  it("renders errors as their name and message, at any depth, never their stack", () => {
    const { lines, records, log } = capture();
    class QuotaError extends Error {
      override readonly name = "QuotaError";
    }
    log.error("create failed", { error: new QuotaError("100 container groups reached"), detail: { cause: new TypeError("bad") } });
    const [record] = records();
    assert.deepEqual(record.error, { name: "QuotaError", message: "100 container groups reached" });
    assert.deepEqual(record.detail, { cause: { name: "TypeError", message: "bad" } });
    assert.ok(!lines[0].includes("at Context"), "no stack trace");
  });

  it("does not let fields disguise a record's time, level or message", () => {
    const { records, log } = capture();
    log.with({ msg: "base" }).info("real", { level: "error", time: 12 });
    const [record] = records();
    assert.deepEqual([record.level, record.msg], ["info", "real"]);
    assert.match(String(record.time), /^\d{4}-/);
  });
});

describe("silentLogger", () => {
  it("writes nothing at any level, and neither do its children", () => {
    const written: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = (chunk: string | Uint8Array) => (written.push(String(chunk)), true);
    try {
      silentLogger.error("nothing");
      silentLogger.with({ a: 1 }).error("nothing either");
    } finally {
      process.stdout.write = original;
    }
    assert.deepEqual(written, []);
  });
});
