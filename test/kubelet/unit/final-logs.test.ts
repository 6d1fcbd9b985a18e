import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { readFinalLogs, servedFinalLog } from "../../../kubelet/src/aci/final-log-reads";
import { ACI_LOG_BYTES, FinalLogStore, lastBytes } from "../../../kubelet/src/aci/final-logs";
import { NotFoundError, TransientError } from "../../../kubelet/src/errors";
import { ManualClock } from "../../fixtures/manual-clock";

const stamped = (lines: Array<[string, string]>): string => lines.map(([t, text]) => `${t} ${text}\n`).join("");
const log = (kb: number): string => `${"x".repeat(kb * 1024 - 1)}\n`;

describe("FinalLogStore (final logs of finished pods, bounded, manual clock)", () => {
  it("keeps each container's log, and knows a pod it never kept from one it evicted", () => {
    const clock = new ManualClock();
    const store = new FinalLogStore({ totalBytes: 10 * 1024, clock });
    store.keep("a", new Map<string, string | { unavailable: string }>([["main", log(4)], ["init", { unavailable: "never ran" }]]));
    assert.equal(store.bytes, 4 * 1024);
    assert.deepEqual(store.get("a", "main"), { kind: "kept", raw: log(4), keptAt: clock.now(), truncated: false });
    assert.deepEqual(store.get("a", "init"), { kind: "unavailable", reason: "never ran" });
    assert.equal(store.get("a", "other").kind, "unavailable");
    assert.deepEqual(store.get("b", "main"), { kind: "unknown" });
    assert.equal(store.has("b"), false);
  });

  it("evicts the oldest pods first to stay within its total, and says when", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const store = new FinalLogStore({ totalBytes: 10 * 1024, clock });
    for (const uid of ["a", "b", "c"]) {
      store.keep(uid, new Map([["main", log(3)]]));
      await clock.advance(1_000);
    }
    assert.deepEqual([store.bytes, store.size, store.evictions], [9 * 1024, 3, 0]);
    store.keep("d", new Map([["main", log(5)]]));
    // 3 + 3 + 3 + 5 KB: a and b go (oldest first), c and d stay.
    assert.deepEqual([store.bytes, store.size, store.evictions], [8 * 1024, 2, 2]);
    assert.deepEqual(store.get("a", "main"), { kind: "evicted", keptAt: t0, evictedAt: t0 + 3_000 });
    assert.deepEqual(store.get("b", "main"), { kind: "evicted", keptAt: t0 + 1_000, evictedAt: t0 + 3_000 });
    assert.equal(store.get("c", "main").kind, "kept");
    assert.ok(store.has("a"), "an evicted pod is still known");
    store.forget("a");
    assert.deepEqual(store.get("a", "main"), { kind: "unknown" }, "a pod forgotten (its object deleted) is not remembered");
  });

  it("keeps a pod's logs once however often they are kept, and evicts a pod that alone exceeds the total", () => {
    const store = new FinalLogStore({ totalBytes: 8 * 1024 });
    store.keep("a", new Map([["main", log(4)]]));
    store.keep("a", new Map([["main", log(4)]]));
    assert.deepEqual([store.bytes, store.size], [4 * 1024, 1]);
    store.keep("huge", new Map([["main", log(9)]]));
    assert.deepEqual([store.bytes, store.size, store.get("huge", "main").kind], [0, 0, "evicted"]);
  });

  it("cuts a container's log to its last 4 MB, as ACI bounds it, at a line boundary", () => {
    const store = new FinalLogStore({ totalBytes: 64 * 1024 * 1024 });
    const lines = Array.from({ length: 5_000 }, (_, i) => `2026-12-02T05:00:00.${String(i).padStart(6, "0")}Z line ${i} ${"y".repeat(1_000)}\n`).join("");
    assert.ok(Buffer.byteLength(lines) > ACI_LOG_BYTES);
    store.keep("a", new Map([["main", lines]]));
    const kept = store.get("a", "main");
    assert.ok(kept.kind === "kept" && kept.truncated);
    if (kept.kind !== "kept") return;
    assert.ok(Buffer.byteLength(kept.raw) <= ACI_LOG_BYTES);
    assert.ok(Buffer.byteLength(kept.raw) > ACI_LOG_BYTES - 1_100, "no more than a line is lost to the boundary");
    assert.match(kept.raw, /^2026-12-02T05:00:00\.\d{6}Z line \d+ y+\n/);
    assert.ok(kept.raw.endsWith(`line 4999 ${"y".repeat(1_000)}\n`));
  });

  it("bounds how many evicted pods it remembers", () => {
    const store = new FinalLogStore({ totalBytes: 0, rememberEvicted: 2 });
    for (const uid of ["a", "b", "c"]) store.keep(uid, new Map([["main", "x\n"]]));
    assert.deepEqual(["a", "b", "c"].map((uid) => store.get(uid, "main").kind), ["unknown", "evicted", "evicted"]);
  });

  it("never splits a character when one long line is cut", () => {
    const text = "é".repeat(10);
    const cut = lastBytes(text, 5);
    assert.deepEqual(cut, { text: "éé", truncated: true });
    assert.deepEqual(lastBytes("short\n", 100), { text: "short\n", truncated: false });
  });
});

describe("final logs read before a group goes and served after", () => {
  const pod: V1Pod = {
    metadata: { namespace: "ns", name: "job-1", uid: "u1" },
    spec: { initContainers: [{ name: "setup" }], containers: [{ name: "main" }] },
    status: { phase: "Succeeded" },
  };
  const raw = stamped([
    ["2026-12-02T05:00:00.000000001Z", "starting"],
    ["2026-12-02T05:00:10Z", "working"],
    ["2026-12-02T05:00:20Z", "done é"],
  ]);

  it("reads every container's whole log, keeping a container ACI had no log for as unavailable", async () => {
    const read = (container: string): Promise<string> => (container === "main" ? Promise.resolve(raw) : Promise.reject(new NotFoundError("no log")));
    const logs = await readFinalLogs(read, pod);
    assert.deepEqual([...logs.keys()], ["setup", "main"]);
    assert.equal(logs.get("main"), raw);
    assert.match((logs.get("setup") as { unavailable: string }).unavailable, /had no log for it/);
    await assert.rejects(readFinalLogs(() => Promise.reject(new TransientError("reset")), pod), TransientError, "a passing failure is retried by the caller");
  });

  it("serves a kept log with timestamps, tail, since and limitBytes as a live read", () => {
    const store = new FinalLogStore();
    store.keep("u1", new Map([["main", raw]]));
    const now = Date.parse("2026-12-02T05:00:25Z");
    const serve = (options: Parameters<typeof servedFinalLog>[3]) => servedFinalLog(store, pod, "main", options, now, "--final-logs-memory-mb");
    assert.equal(serve({}), "starting\nworking\ndone é\n");
    assert.equal(serve({ timestamps: true, tailLines: 1 }), "2026-12-02T05:00:20Z done é\n");
    assert.equal(serve({ sinceSeconds: 20 }), "working\ndone é\n");
    assert.equal(serve({ sinceTime: new Date("2026-12-02T05:00:20Z") }), "done é\n");
    assert.equal(serve({ tailLines: 0 }), "");
    assert.equal(serve({ limitBytes: 23 }), "starting\nworking\ndone ", "a cut never splits a character");
  });

  it("says plainly why there is no log: evicted, never kept by this process, or not readable", () => {
    const store = new FinalLogStore({ totalBytes: 10 });
    const serve = () => servedFinalLog(store, pod, "main", {}, Date.now(), "--final-logs-memory-mb");
    assert.throws(serve, (err: Error) => err instanceof NotFoundError && /no longer available: its container group was deleted when the pod finished, and burstlet keeps final logs in memory only \(it has restarted since/.test(err.message));
    store.keep("u1", new Map([["main", raw]]));
    assert.throws(serve, (err: Error) => err instanceof NotFoundError && /was evicted from burstlet's memory at .* \(--final-logs-memory-mb\)/.test(err.message));
    store.keep("u1", new Map([["main", { unavailable: "Azure Container Instances had no log for it" }]]));
    assert.throws(serve, (err: Error) => err instanceof NotFoundError && /was not kept: Azure Container Instances had no log for it/.test(err.message));
  });
});
