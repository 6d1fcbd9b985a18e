/**
 * The leader elector on a manual clock, against an in-memory lease with resourceVersion checks:
 * exact schedules of acquisition, renewal, conflicts, loss at the renew deadline, release and
 * takeover, with clocks that disagree.
 */
import { strict as assert } from "node:assert";
import type { V1Lease } from "@kubernetes/client-node";
import {
  FALLBACK_LEADER_NAMESPACE,
  LeaderElector,
  type LeaderLeaseStore,
  type LeaderRecord,
  LeadershipLostError,
  LeaseConflictError,
  leaderNamespace,
  leaseSpecOf,
  processIdentity,
  recordOf,
  SERVICE_ACCOUNT_NAMESPACE_FILE,
  soleLeader,
  type StoredLeaderRecord,
} from "../../../kubelet/src/kube/leader-election";
import { silentLogger } from "../../../kubelet/src/log";
import type { Clock } from "../../../kubelet/src/util/clock";
import { ManualClock } from "../../fixtures/manual-clock";

const L = 10_000;
const D = 7_000;
const P = 2_000;

interface Call {
  readonly who: string;
  readonly op: "get" | "create" | "replace";
  readonly at: number;
  readonly holder?: string;
  readonly ok: boolean;
}

/** One Lease behind an API server; each replica reaches it through its own connection, which a test can break. */
class FakeLeaseServer {
  lease: StoredLeaderRecord | undefined;
  readonly calls: Call[] = [];
  private version = 0;

  constructor(private readonly clock: ManualClock) {}

  /** Puts a record there as another process (with its own clock) would have written it. */
  seed(record: LeaderRecord): void {
    this.lease = { record, resourceVersion: String(++this.version) };
  }

  connection(who: string): FakeConnection {
    return new FakeConnection(this, who, this.clock);
  }

  /** @internal */
  handle(who: string, op: Call["op"], record?: LeaderRecord, resourceVersion?: string): StoredLeaderRecord | undefined {
    const at = this.clock.now();
    const fail = (error: Error): never => {
      this.calls.push({ who, op, at, holder: record?.holderIdentity, ok: false });
      throw error;
    };
    if (op === "create" && this.lease) fail(new LeaseConflictError("exists"));
    if (op === "replace" && (!this.lease || this.lease.resourceVersion !== resourceVersion)) fail(new LeaseConflictError("stale resourceVersion"));
    if (op !== "get") this.lease = { record: { ...record! }, resourceVersion: String(++this.version) };
    this.calls.push({ who, op, at, holder: op === "get" ? this.lease?.record.holderIdentity : record?.holderIdentity, ok: true });
    return this.lease;
  }

  writes(who?: string): Call[] {
    return this.calls.filter((c) => c.op !== "get" && c.ok && (who === undefined || c.who === who));
  }
}

class FakeConnection implements LeaderLeaseStore {
  readonly description = "burstlet/burstlet-aci";
  /** "down": every call fails at once; "hang": calls never answer. */
  state: "up" | "down" | "hang" = "up";
  /** Time each call takes; the server reads and writes the lease when it answers. */
  latencyMs = 0;

  constructor(private readonly server: FakeLeaseServer, private readonly who: string, private readonly clock: ManualClock) {}

  get(): Promise<StoredLeaderRecord | undefined> {
    return this.call(() => this.server.handle(this.who, "get"));
  }

  create(record: LeaderRecord): Promise<StoredLeaderRecord> {
    return this.call(() => this.server.handle(this.who, "create", record)!);
  }

  replace(record: LeaderRecord, resourceVersion: string): Promise<StoredLeaderRecord> {
    return this.call(() => this.server.handle(this.who, "replace", record, resourceVersion)!);
  }

  private call<T>(answer: () => T): Promise<T> {
    if (this.state === "hang") return new Promise<T>(() => undefined);
    if (this.state === "down") return Promise.reject(new Error("connection refused"));
    return this.latencyMs > 0 ? this.clock.sleep(this.latencyMs).then(answer) : Promise.resolve().then(answer);
  }
}

/** A replica: an elector and the work it runs while leading, with when it started and stopped. */
class Replica {
  readonly elector: LeaderElector;
  readonly connection: FakeConnection;
  readonly stop = new AbortController();
  startedAt: number | undefined;
  stoppedAt: number | undefined;
  result: "running" | "released" | "lost" | "failed" = "running";
  error: unknown;
  /** How long the work takes to wind down once aborted. */
  windDownMs = 0;
  readonly done: Promise<void>;

  constructor(readonly name: string, server: FakeLeaseServer, private readonly clock: Clock, work?: (leading: AbortSignal) => Promise<void>) {
    this.connection = server.connection(name);
    this.elector = new LeaderElector({ store: this.connection, identity: name, leaseDurationMs: L, renewDeadlineMs: D, retryPeriodMs: P, log: silentLogger, clock });
    this.done = this.elector.lead(this.stop.signal, work ?? ((leading) => this.work(leading))).then(
      () => void (this.result = "released"),
      (err: unknown) => {
        this.error = err;
        this.result = err instanceof LeadershipLostError ? "lost" : "failed";
      },
    );
  }

  private async work(leading: AbortSignal): Promise<void> {
    this.startedAt = this.clock.now();
    await new Promise<void>((resolve) => leading.addEventListener("abort", () => resolve(), { once: true }));
    this.stoppedAt = this.clock.now();
    if (this.windDownMs > 0) await this.clock.sleep(this.windDownMs);
  }
}

describe("leader election", () => {
  let clock: ManualClock;
  let server: FakeLeaseServer;
  const t0 = 1_700_000_000_000;

  beforeEach(() => {
    clock = new ManualClock(t0);
    server = new FakeLeaseServer(clock);
  });

  it("creates the lease when there is none, leads at once, and renews every retry period", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(0);
    assert.equal(a.startedAt, t0);
    assert.ok(a.elector.isLeader);
    assert.deepEqual(server.lease?.record, { holderIdentity: "a", leaseDurationSeconds: 10, acquireTime: t0, renewTime: t0, leaseTransitions: 0 });
    await clock.advance(10 * P);
    const writes = server.writes("a");
    assert.deepEqual(writes.map((c) => [c.op, c.at - t0]), [["create", 0], ...Array.from({ length: 10 }, (_, i) => ["replace", (i + 1) * P])]);
    assert.deepEqual(server.calls.filter((c) => c.op === "get").map((c) => c.at - t0), [0], "renewals need no read while the last write stands");
    assert.equal(server.lease?.record.acquireTime, t0, "a renewal keeps the acquire time");
    assert.equal(server.lease?.record.renewTime, t0 + 10 * P);
    assert.equal(a.result, "running");
  });

  it("lets only one of two replicas that start together lead; the other never writes while the leader renews", async () => {
    const a = new Replica("a", server, clock);
    const b = new Replica("b", server, clock);
    await clock.advance(60_000);
    const leaders = [a, b].filter((r) => r.startedAt !== undefined);
    assert.equal(leaders.length, 1, "exactly one runs the work");
    const [leader, other] = leaders[0] === a ? [a, b] : [b, a];
    assert.ok(leader.elector.isLeader && !other.elector.isLeader);
    assert.ok(server.calls.some((c) => c.who === other.name && c.op === "create" && !c.ok), "the other's create lost on the existing lease");
    assert.deepEqual(server.writes(other.name), [], "the waiting replica wrote nothing");
    assert.equal(other.elector.observedLeader, leader.name);
    assert.deepEqual(server.calls.filter((c) => c.who === other.name && c.op === "get").map((c) => (c.at - t0) % P), Array(31).fill(0), "it reads every retry period");
  });

  it("resolves a race for an expired lease by resourceVersion: one takes it, the other's write conflicts", async () => {
    server.seed({ holderIdentity: "gone", leaseDurationSeconds: 10, acquireTime: 0, renewTime: 0, leaseTransitions: 3 });
    const a = new Replica("a", server, clock);
    const b = new Replica("b", server, clock);
    // Both read before either writes.
    a.connection.latencyMs = b.connection.latencyMs = 50;
    await clock.advance(L - 1);
    assert.deepEqual(server.writes(), [], "nobody writes while the record could still be renewed");
    await clock.advance(P + 200);
    const winner = [a, b].filter((r) => r.startedAt !== undefined);
    assert.equal(winner.length, 1);
    const firstSeen = t0 + 50;
    const attempts = server.calls.filter((c) => c.op === "replace");
    assert.deepEqual(attempts.map((c) => [c.ok, c.at]).sort(), [[false, attempts[0].at], [true, attempts[0].at]], "both wrote with the same resourceVersion at once; one conflicted");
    assert.ok(attempts[0].at >= firstSeen + L, "not before the record stood unchanged for a lease duration since it was first read");
    assert.equal(server.lease?.record.leaseTransitions, 4);
    assert.deepEqual(server.writes(winner[0].name).map((c) => c.op), ["replace"]);
  });

  it("stops the work exactly at the renew deadline after the last successful renewal, before a rival may take over", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(0);
    const b = new Replica("b", server, clock);
    await clock.advance(3 * P);
    const lastRenewal = server.writes("a").at(-1)!.at;
    assert.equal(lastRenewal, t0 + 3 * P);
    a.connection.state = "down";
    await clock.advance(D - 1);
    assert.equal(a.stoppedAt, undefined, "still leading a millisecond before the deadline");
    await clock.advance(1);
    assert.equal(a.stoppedAt, lastRenewal + D, "stopped at the renew deadline");
    assert.equal(a.result, "lost");
    assert.ok(a.error instanceof LeadershipLostError);
    assert.match((a.error as Error).message, /burstlet\/burstlet-aci.*7 s/);
    assert.ok(!a.elector.isLeader);
    await clock.advance(L);
    assert.ok(b.startedAt !== undefined, "the other replica took over");
    assert.ok(b.startedAt - a.stoppedAt >= L - D, `the new leader started ${b.startedAt - a.stoppedAt} ms after the old one stopped`);
    assert.equal(b.startedAt, lastRenewal + L, "B read the last renewal as it was written, and waited a lease duration from then");
    assert.deepEqual(server.writes("a").filter((c) => c.at > lastRenewal), [], "the lost leader never wrote again");
  });

  it("stops at the deadline even when the renewal hangs instead of failing", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(P);
    a.connection.state = "hang";
    await clock.advance(D);
    assert.equal(a.stoppedAt, t0 + P + D);
    assert.equal(a.result, "lost");
  });

  it("keeps leading through failed renewals that recover within the deadline", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(P);
    a.connection.state = "down";
    await clock.advance(2 * P);
    a.connection.state = "up";
    await clock.advance(60_000);
    assert.equal(a.stoppedAt, undefined);
    assert.ok(a.elector.isLeader);
    assert.equal(server.writes("a").at(-1)!.at, t0 + P + 60_000 + 2 * P);
  });

  it("gives up at once when the lease turns out to be someone else's", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(P);
    server.seed({ holderIdentity: "intruder", leaseDurationSeconds: 10, acquireTime: 0, renewTime: 0, leaseTransitions: 9 });
    await clock.advance(P);
    assert.equal(a.stoppedAt, t0 + 2 * P, "the renewal conflicted, the read showed another holder");
    assert.equal(a.result, "lost");
  });

  it("on shutdown keeps renewing while the work winds down, then releases: the other replica takes over at its next try", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(0);
    const b = new Replica("b", server, clock);
    await clock.advance(5 * P + 500);
    a.windDownMs = 3 * P;
    const stoppingAt = clock.now();
    a.stop.abort();
    await clock.advance(0);
    assert.equal(a.stoppedAt, stoppingAt, "the work is told to stop at once");
    await clock.advance(3 * P);
    assert.equal(a.result, "released");
    assert.deepEqual(server.writes("a").filter((c) => c.at > stoppingAt).map((c) => [c.at - stoppingAt, c.holder]), [[1_500, "a"], [3_500, "a"], [5_500, "a"], [6_000, ""]], "renewed while winding down, released once the work ended");
    assert.equal(server.lease?.record.holderIdentity, "");
    await clock.advance(P);
    assert.ok(b.startedAt !== undefined && b.startedAt - (stoppingAt + 3 * P) <= P, "handed over within a retry period of the release, not a lease duration");
    assert.equal(server.lease?.record.holderIdentity, "b");
    assert.equal(server.lease?.record.leaseTransitions, 1);
  });

  it("after a kill -9 of the leader, the other takes over within leaseDuration + retryPeriod", async () => {
    const a = new Replica("a", server, clock);
    await clock.advance(0);
    const b = new Replica("b", server, clock);
    await clock.advance(7 * P + 1_300);
    const killedAt = clock.now();
    // SIGKILL: nothing of A runs any more, nothing is released; its connection is gone.
    a.connection.state = "hang";
    await clock.advance(L + P);
    assert.ok(b.startedAt !== undefined, "B leads");
    assert.ok(b.startedAt - killedAt <= L + P, `took over ${b.startedAt - killedAt} ms after the kill`);
    assert.ok(b.startedAt - server.writes("a").at(-1)!.at >= L, "not before the lease duration had passed since A's last renewal");
  });

  it("times the lease by its own clock, whatever the holder's clock wrote into the record", async () => {
    // The holder's clock ran an hour behind: by the record's own times the lease expired long ago.
    server.seed({ holderIdentity: "slow-clock", leaseDurationSeconds: 10, acquireTime: t0 - 3_600_000, renewTime: t0 - 3_600_000, leaseTransitions: 0 });
    const a = new Replica("a", server, clock);
    await clock.advance(L - 1);
    assert.equal(a.startedAt, undefined, "no takeover before a lease duration since it first saw the record");
    await clock.advance(1);
    assert.equal(a.startedAt, t0 + L);

    // The holder's clock ran an hour ahead: by its times the lease is valid for an hour more.
    const clock2 = new ManualClock(t0);
    const server2 = new FakeLeaseServer(clock2);
    server2.seed({ holderIdentity: "fast-clock", leaseDurationSeconds: 10, acquireTime: t0 + 3_600_000, renewTime: t0 + 3_600_000, leaseTransitions: 0 });
    const b = new Replica("b", server2, clock2);
    await clock2.advance(L);
    assert.equal(b.startedAt, t0 + L, "taken over after a lease duration of its own clock");
  });

  it("two replicas whose clocks are an hour apart still hand over only after an unchanged lease duration", async () => {
    const ahead: Clock = { now: () => clock.now() + 3_600_000, sleep: (ms, signal) => clock.sleep(ms, signal), timer: (ms, fn) => clock.timer(ms, fn) };
    const a = new Replica("a", server, clock);
    await clock.advance(0);
    const b = new Replica("b", server, ahead);
    await clock.advance(30_000);
    assert.equal(b.startedAt, undefined, "B never takes over a lease A renews, although A's times look an hour old to B");
    a.connection.state = "hang";
    const lastRenewal = server.writes("a").at(-1)!.at;
    await clock.advance(L + P);
    assert.ok(b.startedAt !== undefined, "B took over");
    assert.ok(b.startedAt - 3_600_000 - lastRenewal >= L);
  });

  it("releases the lease and rethrows when the work fails on its own", async () => {
    const a = new Replica("a", server, clock, () => Promise.reject(new Error("broken")));
    await clock.advance(0);
    assert.equal(a.result, "failed");
    assert.match((a.error as Error).message, /broken/);
    assert.equal(server.lease?.record.holderIdentity, "");
  });

  it("waits without writing while aborted before it ever leads", async () => {
    server.seed({ holderIdentity: "other", leaseDurationSeconds: 10, acquireTime: t0, renewTime: t0, leaseTransitions: 0 });
    const a = new Replica("a", server, clock);
    await clock.advance(P);
    a.stop.abort();
    await clock.advance(P);
    assert.equal(a.result, "released");
    assert.equal(a.startedAt, undefined);
    assert.deepEqual(server.writes("a"), []);
  });

  it("with leader election off runs the work at once, on the caller's signal", async () => {
    const stop = new AbortController();
    let seen: AbortSignal | undefined;
    await soleLeader.lead(stop.signal, (leading) => Promise.resolve(void (seen = leading)));
    assert.equal(seen, stop.signal);
    assert.ok(soleLeader.isLeader);
  });
});

describe("leader election helpers", () => {
  it("puts the Lease in the configured namespace, else the pod's own, else kube-system", () => {
    const files = (content?: string) => (path: string): string => {
      assert.equal(path, SERVICE_ACCOUNT_NAMESPACE_FILE);
      if (content === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return content;
    };
    assert.equal(leaderNamespace("ops", files("burstlet")), "ops");
    assert.equal(leaderNamespace(undefined, files("burstlet\n")), "burstlet");
    assert.equal(leaderNamespace(undefined, files()), FALLBACK_LEADER_NAMESPACE);
    assert.equal(FALLBACK_LEADER_NAMESPACE, "kube-system");
  });

  it("gives every process an identity of its own, led by the pod's name", () => {
    const a = processIdentity("burstlet-7d9f-abcde");
    const b = processIdentity("burstlet-7d9f-abcde");
    assert.match(a, /^burstlet-7d9f-abcde_[0-9a-f-]{36}$/);
    assert.notEqual(a, b);
  });

  it("writes times with microseconds (the API server's MicroTime) and reads a Lease back to the same record", () => {
    const record: LeaderRecord = { holderIdentity: "a", leaseDurationSeconds: 10, acquireTime: 1_700_000_000_123, renewTime: 1_700_000_002_456, leaseTransitions: 2 };
    const spec = leaseSpecOf(record);
    assert.equal(spec.renewTime!.toISOString(), "2023-11-14T22:13:22.456000Z");
    const lease: V1Lease = { metadata: { resourceVersion: "42" }, spec: JSON.parse(JSON.stringify(spec)) as V1Lease["spec"] };
    lease.spec!.acquireTime = new Date(lease.spec!.acquireTime as unknown as string);
    lease.spec!.renewTime = new Date(lease.spec!.renewTime as unknown as string);
    assert.deepEqual(recordOf(lease), { record, resourceVersion: "42" });
    assert.deepEqual(recordOf({ metadata: { resourceVersion: "1" } }).record, { holderIdentity: "", leaseDurationSeconds: 0, acquireTime: 0, renewTime: 0, leaseTransitions: 0 });
  });
});
