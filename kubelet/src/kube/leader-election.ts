/**
 * Leader election among burstlet's replicas for one virtual node, with client-go's `leaderelection`
 * semantics on a `coordination.k8s.io/v1` Lease (`burstlet-<node>`, in burstlet's own namespace):
 *
 * - A candidate takes the lease only once its record has stayed unchanged for the holder's
 *   `leaseDuration`, timed from when this process first saw that record (its own clock), never from
 *   the timestamps in the record: clocks of different machines may disagree by any offset.
 * - Every write carries the `resourceVersion` it read, so of two candidates only one wins.
 * - The leader renews every `retryPeriod`. Once no renewal has succeeded for `renewDeadline`, timed
 *   from when the last successful one was sent, it stops leading: aborts the work and rejects with
 *   {@link LeadershipLostError} at once (the process exits, as kube-controller-manager's does).
 *   A rival sees that renewal no earlier than it was sent, and waits `leaseDuration` after seeing
 *   it, so the old leader has stopped `leaseDuration − renewDeadline` before the new one starts.
 * - On shutdown the leader first lets the work stop, then releases the lease (empty holder), so a
 *   rollout hands over at the next try of a waiting replica instead of after a lease duration.
 *
 * Like client-go's, this is no fence: it assumes clocks that run at about the same rate (a ratio up
 * to leaseDuration / renewDeadline is tolerated) and an event loop that is not stalled for seconds.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { BurstletConfig } from "../config";
import { leaderLeaseName } from "../constants";
import type { Logger } from "../log";
import { type Clock, realClock } from "../util/clock";
import { KubeLeaderLeaseStore, type LeaderLeaseStore, type LeaderRecord, LeaseConflictError, leaderNamespace, type StoredLeaderRecord } from "./leader-lease";
import { cloneKubeConfig } from "./pooled-kube-config";

export * from "./leader-lease";

/** The leader could not renew within its renew deadline and has stopped leading. */
export class LeadershipLostError extends Error {
  override readonly name = "LeadershipLostError";
}

/** Runs work only while this process leads; what `Burstlet.run` wraps its parts in. */
export interface Leadership {
  /** This process's holder identity; `undefined` when leader election is off. */
  readonly identity: string | undefined;
  /** Whether this process leads now (always, when leader election is off). */
  readonly isLeader: boolean;
  /**
   * Waits to lead, then runs `work` with a signal that aborts when `signal` does or leadership is
   * lost. Resolves after a graceful stop (lease released); rejects with {@link LeadershipLostError}.
   */
  lead(signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>): Promise<void>;
}

/** Leader election off: one replica per node, which always leads. */
export const soleLeader: Leadership = { identity: undefined, isLeader: true, lead: (signal, work) => work(signal) };

export interface LeaderElectorOptions {
  readonly store: LeaderLeaseStore;
  /** Unique per process (see {@link processIdentity}). */
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly log: Logger;
  /** @default the real clock */
  readonly clock?: Clock;
}

type Outcome = { readonly kind: "done" } | { readonly kind: "failed"; readonly error: unknown } | { readonly kind: "lost" };

export class LeaderElector implements Leadership {
  readonly identity: string;
  private readonly clock: Clock;
  private log: Logger;
  private observed: StoredLeaderRecord | undefined;
  /** When this process first saw the observed record (its own clock). */
  private observedAt = 0;
  private reportedLeader: string | undefined;
  private leading = false;

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity;
    this.clock = options.clock ?? realClock;
    this.log = options.log.with({ identity: options.identity });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the record last seen (empty when released), if any was seen. */
  get observedLeader(): string | undefined {
    return this.observed?.record.holderIdentity;
  }

  async lead(signal: AbortSignal, work: (leading: AbortSignal) => Promise<void>): Promise<void> {
    this.log = this.options.log.with({ lease: this.options.store.description, identity: this.identity });
    const acquiredSentAt = await this.acquire(signal);
    if (acquiredSentAt === undefined) return;
    if (signal.aborted) return this.release();
    this.leading = true;
    this.log.info("became the leader: reconciling the node");

    const stopWork = new AbortController();
    const stopRenewing = new AbortController();
    let cancelDeadline = (): void => undefined;
    let lost!: () => void;
    const lostLeadership = new Promise<Outcome>((resolve) => (lost = () => resolve({ kind: "lost" })));
    const loseNow = (why: string): void => {
      if (!this.leading) return;
      this.leading = false;
      cancelDeadline();
      this.log.error("lost leadership: stopping every write and exiting", { why });
      stopRenewing.abort();
      stopWork.abort();
      lost();
    };
    const armDeadline = (sentAt: number): void => {
      cancelDeadline();
      const deadline = sentAt + this.options.renewDeadlineMs;
      cancelDeadline = this.clock.timer(deadline - this.clock.now(), () => loseNow(`not renewed for ${this.options.renewDeadlineMs / 1000} s`));
    };
    armDeadline(acquiredSentAt);
    const onAbort = (): void => stopWork.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    // Renewals go on while the work winds down: a stopping leader still writes.
    const renewing = this.renewLoop(stopRenewing.signal, armDeadline, loseNow);
    const working = Promise.resolve().then(() => work(stopWork.signal)).then(
      (): Outcome => ({ kind: "done" }),
      (error: unknown): Outcome => ({ kind: "failed", error }),
    );
    const outcome = await Promise.race([working, lostLeadership]);
    signal.removeEventListener("abort", onAbort);
    if (outcome.kind === "lost") {
      void working.then((o) => o.kind === "failed" && this.log.warn("work failed after leadership was lost", { error: o.error }));
      throw new LeadershipLostError(`lost the leader lease ${this.options.store.description}: not renewed within ${this.options.renewDeadlineMs / 1000} s, so another replica may take over`);
    }
    this.leading = false;
    cancelDeadline();
    stopRenewing.abort();
    await renewing;
    await this.release();
    if (outcome.kind === "failed") throw outcome.error;
  }

  /** Tries every retry period until the lease is ours; the send time of the winning write, or undefined once `signal` aborts. */
  private async acquire(signal: AbortSignal): Promise<number | undefined> {
    this.log.info("waiting to lead: another replica may hold the lease");
    while (!signal.aborted) {
      const sentAt = await this.tryAcquireOrRenew();
      if (sentAt !== undefined) return sentAt;
      await this.clock.sleep(this.options.retryPeriodMs, signal);
    }
    return undefined;
  }

  private async renewLoop(stop: AbortSignal, renewed: (sentAt: number) => void, lose: (why: string) => void): Promise<void> {
    while (!stop.aborted) {
      await this.clock.sleep(this.options.retryPeriodMs, stop);
      if (stop.aborted) return;
      const sentAt = await this.tryAcquireOrRenew();
      if (stop.aborted) return;
      if (sentAt !== undefined) renewed(sentAt);
      else if (this.observed && this.observed.record.holderIdentity !== this.identity) lose(`the lease is held by ${this.observed.record.holderIdentity || "no one"}`);
    }
  }

  /**
   * One attempt (client-go's `tryAcquireOrRenew`): renew from the record last written, or read the
   * lease and take it when it is free, expired by this process's clock, or ours. Returns when the
   * successful write was sent, or undefined.
   */
  private async tryAcquireOrRenew(): Promise<number | undefined> {
    const store = this.options.store;
    if (this.observed?.record.holderIdentity === this.identity && this.leaseValid(this.clock.now())) {
      const sentAt = this.clock.now();
      try {
        this.observe(await this.bounded(store.replace(this.renewal(this.observed.record, sentAt), this.observed.resourceVersion)), true);
        return sentAt;
      } catch (err) {
        this.log.debug("renewing from the last record failed; reading the lease", { error: err });
      }
    }
    let current: StoredLeaderRecord | undefined;
    try {
      current = await this.bounded(store.get());
    } catch (err) {
      this.log.warn("reading the leader lease failed; trying again", { error: err });
      return undefined;
    }
    const sentAt = this.clock.now();
    if (current === undefined) {
      return this.write(() => store.create({ holderIdentity: this.identity, leaseDurationSeconds: this.leaseSeconds, acquireTime: sentAt, renewTime: sentAt, leaseTransitions: 0 }), sentAt);
    }
    this.observe(current, false);
    const holder = current.record.holderIdentity;
    if (holder !== "" && holder !== this.identity && this.leaseValid(sentAt)) return undefined;
    const record = holder === this.identity
      ? this.renewal(current.record, sentAt)
      : { holderIdentity: this.identity, leaseDurationSeconds: this.leaseSeconds, acquireTime: sentAt, renewTime: sentAt, leaseTransitions: current.record.leaseTransitions + 1 };
    return this.write(() => store.replace(record, current.resourceVersion), sentAt);
  }

  private async write(send: () => Promise<StoredLeaderRecord>, sentAt: number): Promise<number | undefined> {
    try {
      this.observe(await this.bounded(send()), true);
      return sentAt;
    } catch (err) {
      if (err instanceof LeaseConflictError) this.log.debug("another replica wrote the leader lease first", { error: err });
      else this.log.warn("writing the leader lease failed; trying again", { error: err });
      return undefined;
    }
  }

  /** Gives the lease up if this process holds it, so a waiting replica takes over at its next try. */
  private async release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const observed = this.observed;
      if (observed?.record.holderIdentity !== this.identity) return;
      const now = this.clock.now();
      const released: LeaderRecord = { holderIdentity: "", leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: observed.record.leaseTransitions };
      try {
        this.observe(await this.bounded(this.options.store.replace(released, observed.resourceVersion)), true);
        this.log.info("released the leader lease");
        return;
      } catch (err) {
        if (!(err instanceof LeaseConflictError)) {
          this.log.warn("releasing the leader lease failed; another replica takes over once it expires", { error: err });
          return;
        }
        // Changed since it was read: still ours only if the fresh record says so.
        const current = await this.bounded(this.options.store.get()).catch(() => undefined);
        if (current) this.observe(current, false);
        else return;
      }
    }
  }

  private renewal(record: LeaderRecord, now: number): LeaderRecord {
    return { ...record, holderIdentity: this.identity, leaseDurationSeconds: this.leaseSeconds, renewTime: now };
  }

  private get leaseSeconds(): number {
    return Math.round(this.options.leaseDurationMs / 1000);
  }

  /** Whether the observed record is still within its holder's lease duration, by this process's clock. */
  private leaseValid(now: number): boolean {
    return this.observed !== undefined && this.observedAt + this.observed.record.leaseDurationSeconds * 1000 > now;
  }

  /** Records what was read or written; the observation time moves only when the record changed (or this process wrote it). */
  private observe(stored: StoredLeaderRecord, written: boolean): void {
    if (written || this.observed === undefined || !sameRecord(this.observed.record, stored.record)) this.observedAt = this.clock.now();
    this.observed = stored;
    const holder = stored.record.holderIdentity;
    if (holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder !== this.identity) this.log.info(holder ? "observed a new leader" : "the leader lease was released", { leader: holder || undefined });
    }
  }

  /** A request that has not answered within the renew deadline counts as failed (and keeps no loop waiting). */
  private bounded<T>(request: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const cancel = this.clock.timer(this.options.renewDeadlineMs, () => reject(new Error(`the API server did not answer within ${this.options.renewDeadlineMs / 1000} s`)));
      request.then(
        (value) => (cancel(), resolve(value)),
        (err: unknown) => (cancel(), reject(err instanceof Error ? err : new Error(String(err)))),
      );
    });
  }
}

function sameRecord(a: LeaderRecord, b: LeaderRecord): boolean {
  return a.holderIdentity === b.holderIdentity && a.leaseDurationSeconds === b.leaseDurationSeconds && a.acquireTime === b.acquireTime && a.renewTime === b.renewTime && a.leaseTransitions === b.leaseTransitions;
}

/** A holder identity unique to this process: the pod's name (its hostname) and a random suffix, as client-go's components use. */
export function processIdentity(host: string = hostname()): string {
  return `${host}_${randomUUID()}`;
}

/**
 * burstlet's leadership from its configuration: the Lease is read and written with the bootstrap
 * credentials (its service account), since the node's own user may write only its heartbeat Lease
 * in kube-node-lease; on a connection pool of its own, so renewals never queue behind pod traffic.
 * No I/O until `lead`.
 */
export function leadershipFor(config: BurstletConfig, bootstrap: KubeConfig, log: Logger, clock?: Clock): Leadership {
  const e = config.leaderElection;
  if (!e.enabled) return soleLeader;
  return new LeaderElector({
    store: new KubeLeaderLeaseStore(cloneKubeConfig(bootstrap), () => leaderNamespace(e.namespace), leaderLeaseName(config.nodeName)),
    identity: processIdentity(),
    leaseDurationMs: e.leaseDurationSeconds * 1000,
    renewDeadlineMs: e.renewDeadlineSeconds * 1000,
    retryPeriodMs: e.retryPeriodSeconds * 1000,
    log,
    clock,
  });
}
