import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { FOLLOW_TAIL, LogPollers } from "../../../kubelet/src/api/log-poller";
import { LogReadBudget } from "../../../kubelet/src/aci/log-budget";
import { filterLogs, truncateUtf8 } from "../../../kubelet/src/aci/logs";
import { NotFoundError, ThrottledError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { LogOptions } from "../../../kubelet/src/provider/provider";
import { ManualClock } from "../../fixtures/manual-clock";

const POLL_MS = 1_000;

const pod = (uid: string, terminated = false): V1Pod => ({
  metadata: { name: `p-${uid}`, namespace: "ns", uid },
  spec: { containers: [{ name: "main", image: "i" }] },
  status: {
    phase: "Running",
    containerStatuses: [{ name: "main", image: "i", imageID: "", ready: true, restartCount: 0, state: terminated ? { terminated: { exitCode: 0 } } : { running: {} } }],
  },
});

/**
 * A container log on a manual clock, read as ACI's snapshots (through the real `filterLogs`); every
 * read is recorded with its time and tail. `budget`, when given, is taken first, as the ARM client does.
 */
class FakeBackend {
  readonly lines: Array<{ at: number; text: string }> = [];
  readonly reads: Array<{ at: number; tail?: number }> = [];
  failNext: Error | undefined;
  constructor(private readonly clock: ManualClock, private readonly budget?: LogReadBudget) {}

  write(...texts: string[]): void {
    for (const text of texts) this.lines.push({ at: this.clock.now(), text });
  }

  readonly getContainerLogs = async (_pod: V1Pod, _container: string, options: LogOptions): Promise<string> => {
    await this.budget?.take("logs");
    this.reads.push({ at: this.clock.now(), tail: options.tailLines });
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    const raw = this.lines.map((l) => `${new Date(l.at).toISOString()} ${l.text}\n`).join("");
    return filterLogs(raw, options, new Date(this.clock.now()));
  };

  /** Read times relative to `t0`. */
  readTimes(t0: number): number[] {
    return this.reads.map((r) => r.at - t0);
  }
}

interface Stream {
  out: string;
  ended: boolean;
  readonly leave: AbortController;
  done: Promise<void>;
}

function setup(options: { budget?: LogReadBudget; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock();
  const backend = new FakeBackend(clock, options.budget);
  const pods = new Map<string, V1Pod>([["p-u1", pod("u1")]]);
  const pollers = new LogPollers({ provider: backend, currentPod: (_ns, name) => pods.get(name), log: silentLogger, clock, pollMs: POLL_MS });
  const follow = (query: LogOptions = {}, write?: (chunk: string, s: Stream) => Promise<void>, uid = "u1"): Stream => {
    const leave = new AbortController();
    const s: Stream = { out: "", ended: false, leave, done: Promise.resolve() };
    s.done = pollers
      .follow({ pod: pod(uid), container: "main", options: query, signal: leave.signal, write: (chunk) => (write ? write(chunk, s) : ((s.out += chunk), Promise.resolve())) })
      .finally(() => (s.ended = true));
    return s;
  };
  return { clock, backend, pods, pollers, follow, t0: clock.now() };
}

describe("shared log pollers (one per container, on a manual clock)", () => {
  it("reads once per interval for 100 followers, and each gets every line once", async () => {
    const { clock, backend, follow, pollers, t0 } = setup();
    backend.write("before");
    const streams = Array.from({ length: 100 }, () => follow());
    await clock.advance(0);
    for (let i = 1; i <= 5; i++) {
      backend.write(`line ${i}`);
      await clock.advance(POLL_MS);
    }
    assert.deepEqual(backend.readTimes(t0), [0, 1_000, 2_000, 3_000, 4_000, 5_000]);
    assert.deepEqual(backend.reads.map((r) => r.tail), [undefined, FOLLOW_TAIL, FOLLOW_TAIL, FOLLOW_TAIL, FOLLOW_TAIL, FOLLOW_TAIL], "the whole log once, then the last lines");
    const expected = "before\nline 1\nline 2\nline 3\nline 4\nline 5\n";
    assert.ok(streams.every((s) => s.out === expected && !s.ended));
    assert.equal(pollers.active, 1);
  });

  it("gives a follower that joins later the log so far at the next poll, with its own options, from the same read", async () => {
    const { clock, backend, follow, t0 } = setup();
    backend.write("a");
    const first = follow();
    await clock.advance(0);
    backend.write("b");
    await clock.advance(500);
    const later = follow({ timestamps: true, tailLines: 1 });
    const limited = follow({ limitBytes: 3 });
    await clock.advance(500);
    assert.deepEqual(backend.readTimes(t0), [0, 1_000], "no read of its own for a joining follower");
    assert.equal(backend.reads[1].tail, undefined, "the poll after a join reads the whole log");
    assert.equal(first.out, "a\nb\n");
    assert.equal(later.out, `${new Date(t0).toISOString()} b\n`);
    assert.equal(limited.out, "a\nb");
    assert.equal(limited.ended, true, "limitBytes used up ends that stream");
    backend.write("c");
    await clock.advance(POLL_MS);
    assert.equal(later.out, `${new Date(t0).toISOString()} b\n${new Date(t0 + 1_000).toISOString()} c\n`);
    assert.equal(first.out, "a\nb\nc\n");
    assert.equal(backend.reads[2].tail, FOLLOW_TAIL);
  });

  it("stops when its last follower leaves, and starts afresh for the next one", async () => {
    const { clock, backend, follow, pollers, t0 } = setup();
    const a = follow();
    const b = follow();
    await clock.advance(2 * POLL_MS);
    a.leave.abort();
    await clock.advance(POLL_MS);
    assert.equal(a.ended, true);
    assert.equal(pollers.active, 1);
    b.leave.abort();
    await clock.advance(0);
    assert.equal(pollers.active, 0);
    assert.equal(clock.waiting, 0, "no timer left behind");
    await clock.advance(10 * POLL_MS);
    assert.deepEqual(backend.readTimes(t0), [0, 1_000, 2_000, 3_000]);
    await Promise.all([a.done, b.done]);
    const c = follow();
    await clock.advance(0);
    assert.equal(pollers.active, 1);
    assert.equal(backend.reads.length, 5);
    c.leave.abort();
  });

  it("ends every stream after one last read of the whole log once the container has ended", async () => {
    const { clock, backend, follow, pods, pollers, t0 } = setup();
    const streams = [follow(), follow({ tailLines: 0 })];
    await clock.advance(POLL_MS);
    backend.write("last words");
    pods.set("p-u1", pod("u1", true));
    await clock.advance(POLL_MS);
    assert.deepEqual(backend.readTimes(t0), [0, 1_000, 2_000]);
    assert.equal(backend.reads[2].tail, undefined);
    await Promise.all(streams.map((s) => s.done));
    assert.deepEqual(streams.map((s) => s.out), ["last words\n", "last words\n"]);
    assert.equal(pollers.active, 0);
    await clock.advance(10 * POLL_MS);
    assert.equal(backend.reads.length, 3);
  });

  it("delays lines while the log share is used up, and never ends a stream for it", async () => {
    // Three containers followed at once, a share of one read per 2 s and a longest wait of 1 s: most polls are refused.
    const clock = new ManualClock();
    const budget = new LogReadBudget(0.5, 1, { clock, maxWaitMs: 1_000 });
    const { backend, follow, pods, t0 } = setup({ budget, clock });
    for (const uid of ["u2", "u3"]) pods.set(`p-${uid}`, pod(uid));
    const streams = ["u1", "u2", "u3"].map((uid) => follow({}, undefined, uid));
    backend.write("hello");
    for (let i = 0; i < 30; i++) await clock.advance(POLL_MS);
    const times = backend.readTimes(t0);
    // Never more than the share: the burst, then one read per 2 s.
    for (const [i, t] of times.entries()) assert.ok(t >= (i - 1) * 2_000, `read ${i} at ${t} ms is over the share`);
    assert.ok(times.length >= 14 && times.length <= 16, `${times.length} reads in 30 s`);
    assert.ok(streams.every((s) => !s.ended && s.out === "hello\n"), `every stream got its lines, late, and goes on: ${JSON.stringify(streams.map((s) => [s.out, s.ended]))} ${times.join(" ")}`);
    backend.write("still here");
    for (let i = 0; i < 10; i++) await clock.advance(POLL_MS);
    assert.ok(streams.every((s) => !s.ended && s.out === "hello\nstill here\n"));
    for (const s of streams) s.leave.abort();
  });

  it("does not let a slow follower hold the others back; it catches up from its own position", async () => {
    const { clock, backend, follow, t0 } = setup();
    let release: (() => void) | undefined;
    const slow = follow({}, (chunk, s) => {
      s.out += chunk;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const fast = follow();
    backend.write("1");
    await clock.advance(0);
    for (let i = 2; i <= 4; i++) {
      backend.write(String(i));
      await clock.advance(POLL_MS);
    }
    assert.equal(fast.out, "1\n2\n3\n4\n");
    assert.equal(slow.out, "1\n", "still writing its first chunk");
    release!();
    // More lines than one poll's tail: the slow follower needs the whole log, which the next poll reads.
    backend.write(...Array.from({ length: FOLLOW_TAIL + 10 }, (_, i) => `burst ${i}`));
    await clock.advance(POLL_MS);
    assert.equal(backend.reads.at(-1)!.tail, FOLLOW_TAIL);
    await clock.advance(POLL_MS);
    assert.equal(backend.reads.at(-1)!.tail, undefined, "a follower that may have missed lines gets a whole read");
    release!();
    await clock.advance(POLL_MS);
    const all = `1\n2\n3\n4\n${Array.from({ length: FOLLOW_TAIL + 10 }, (_, i) => `burst ${i}\n`).join("")}`;
    assert.equal(fast.out, all);
    assert.equal(slow.out, all);
    assert.deepEqual(backend.readTimes(t0), [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000]);
    fast.leave.abort();
    slow.leave.abort();
  });

  it("retries a throttled or failed read on the next interval, and ends the streams when the group is gone or on an error nobody expects", async () => {
    const { clock, backend, follow, t0 } = setup();
    const s = follow();
    backend.write("a");
    await clock.advance(0);
    backend.failNext = new ThrottledError("slow down", 3_000);
    backend.write("b");
    await clock.advance(POLL_MS);
    assert.equal(s.out, "a\n");
    await clock.advance(2 * POLL_MS);
    assert.equal(s.out, "a\n", "Retry-After is honoured");
    await clock.advance(POLL_MS);
    assert.deepEqual([s.out, s.ended], ["a\nb\n", false]);
    backend.failNext = new NotFoundError("gone");
    await clock.advance(POLL_MS);
    await s.done;
    assert.equal(s.ended, true);
    assert.deepEqual(backend.readTimes(t0), [0, 1_000, 4_000, 5_000]);

    const t = follow();
    await clock.advance(0);
    backend.failNext = new Error("boom");
    await clock.advance(POLL_MS);
    const unknown = await t.done.then(() => undefined, (e: unknown) => e);
    assert.match(String(unknown), /boom/);
  });

  it("writes each follower the limitBytes-long prefix of its log, never splitting a character, whatever the polls see (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.string({ unit: "grapheme", maxLength: 5 }).filter((t) => !t.includes("\n") && !t.includes("\r")), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 }),
        async (batches, limits) => {
          const { clock, backend, follow, pods } = setup();
          const streams = limits.map((limitBytes) => follow({ limitBytes }));
          for (const batch of batches) {
            backend.write(...batch);
            await clock.advance(POLL_MS);
          }
          pods.set("p-u1", pod("u1", true));
          await clock.advance(POLL_MS);
          await Promise.all(streams.map((s) => s.done));
          const whole = backend.lines.map((l) => `${l.text}\n`).join("");
          for (const [i, s] of streams.entries()) assert.equal(s.out, truncateUtf8(whole, limits[i]));
        },
      ),
      { numRuns: 60 },
    );
  });
});
