/**
 * Registers the virtual node and keeps it alive, on three loops of their own so none can hold up
 * another: the Lease heartbeat (kube-node-lease, 40 s duration, renewed every 10 s on its own HTTP
 * client, so no amount of pod work can starve it), the health check (every 10 s), and node status
 * (at once on a change of health or capacity, and at least every minute). A change stays pending
 * until a status write carrying it succeeds; a failed write is retried with backoff. A deleted
 * Node is recreated.
 */
import type { KubeConfig, V1Lease, V1Node, V1Taint } from "@kubernetes/client-node";
import type { Taint } from "../config";
import { LEASE_NAMESPACE, type Placement } from "../constants";
import type { Logger } from "../log";
import { type Clock, realClock } from "../util/clock";
import { isConflict, isNotFound } from "../util/kube-errors";
import { type NodeApi, kubeNodeApi } from "./node-api";
import { type Capacity, type Health, buildNode, buildNodeStatus, nodeLabels } from "./node-model";

export const LEASE_DURATION_SECONDS = 40;

export interface NodeControllerOptions {
  /** Where the API calls go; `api` (for tests) replaces it. */
  readonly kubeConfig?: KubeConfig;
  readonly api?: NodeApi;
  readonly nodeName: string;
  readonly taint?: Taint;
  /** The region and zone the node stands for (its topology labels). */
  readonly placement?: Placement;
  readonly address: string;
  readonly kubeletPort: number;
  /** Backend health, checked every `healthIntervalMs`. */
  readonly health: () => Promise<Health>;
  readonly capacity: () => Promise<Capacity>;
  readonly log: Logger;
  readonly clock?: Clock;
  /** @default 10_000 */
  readonly leaseRenewMs?: number;
  /** @default 60_000 */
  readonly statusIntervalMs?: number;
  /** @default 10_000 */
  readonly healthIntervalMs?: number;
}

/** What node status says: the health and capacity it was (or is to be) written with. */
interface Reported {
  readonly health: Health;
  readonly capacity: Capacity;
}

/** The delay before retry `attempt` (1-based) of a failed step: 500 ms doubling, at most 10 s. */
export function retryDelayMs(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** attempt);
}

export class NodeController {
  private readonly api: NodeApi;
  private readonly clock: Clock;
  /** The latest health and capacity checked; node status is to say this. */
  private observed: Reported = { health: { healthy: false, reason: "Starting", message: "burstlet is starting" }, capacity: { cpu: 0, memoryGiB: 0, pods: 0 } };
  /** What the last successful status write said. */
  private reported: Reported = this.observed;
  private lease: V1Lease | undefined;
  private nodeUid: string | undefined;
  private lastStatusAt = 0;
  private kubeletPort: number;
  /** Status writes, one at a time (the lease loop writes too when the node has gone). */
  private writing: Promise<unknown> = Promise.resolve();
  /** Wakes the status loop early (a change to write). */
  private wakeStatus: () => void = () => {};
  /** Set once the first health check has been reflected in node status (`Ready` may be true from then). */
  readonly registered: Promise<void>;
  private markRegistered!: () => void;

  constructor(private readonly options: NodeControllerOptions) {
    if (!options.api && !options.kubeConfig) throw new TypeError("NodeController needs a kubeConfig or an api");
    // The heartbeat gets its own clients (and so its own connections) from the pod controller's.
    this.api = options.api ?? kubeNodeApi(options.kubeConfig!);
    this.clock = options.clock ?? realClock;
    this.kubeletPort = options.kubeletPort;
    this.registered = new Promise((resolve) => (this.markRegistered = resolve));
  }

  /**
   * The port the kubelet API is actually bound to (e.g. when configured as 0); the node's daemon
   * endpoint reports it from the next status write on. Call before `run` to register with it.
   */
  setKubeletPort(port: number): void {
    this.kubeletPort = port;
  }

  /** The health last reported in node status. */
  currentHealth(): Health {
    return this.reported.health;
  }

  /**
   * Registers the node, then renews the lease, checks health and reports status until `signal`
   * aborts. `beforeReady` runs after registration and before the first Ready=True (e.g. a status resync).
   */
  async run(signal: AbortSignal, beforeReady?: () => Promise<void>): Promise<void> {
    const [health, capacity] = await Promise.all([this.options.health(), this.options.capacity()]);
    this.observed = beforeReady ? { health: { healthy: false, reason: "Resyncing", message: "burstlet is adopting container groups and resyncing pod status" }, capacity } : { health, capacity };
    await this.retryUntil(signal, "register node", () => this.serialized(() => this.register()));
    await this.retryUntil(signal, "create node lease", () => this.renewLease());
    if (beforeReady) {
      await this.retryUntil(signal, "resync before ready", async () => {
        try {
          await beforeReady();
        } catch (err) {
          // The node says why it is not Ready (e.g. a missing Azure role), not just "Resyncing".
          const now = await this.options.health();
          if (!now.healthy) {
            this.observed = { ...this.observed, health: now };
            await this.reportStatus().catch((e: unknown) => this.options.log.warn("could not report node status", { node: this.options.nodeName, error: e }));
          }
          throw err;
        }
      });
      this.observed = { health, capacity };
      await this.retryUntil(signal, "report node status", () => this.reportStatus());
    }
    this.markRegistered();
    const leaseRenewMs = this.options.leaseRenewMs ?? 10_000;
    await Promise.all([
      // The lease was just renewed; health is checked again at once (a resync may have taken long).
      this.every(signal, leaseRenewMs, leaseRenewMs, () => this.renewLease()),
      this.every(signal, 0, this.options.healthIntervalMs ?? 10_000, () => this.checkHealth()),
      this.statusLoop(signal),
    ]);
  }

  /** Runs `tick` after `firstMs`, then `everyMs` after each tick ends. */
  private async every(signal: AbortSignal, firstMs: number, everyMs: number, tick: () => Promise<void>): Promise<void> {
    await this.clock.sleep(firstMs, signal);
    while (!signal.aborted) {
      try {
        // A tick that hangs (a health check that never answers) must not keep `run` from ending.
        await untilAborted(tick(), signal);
      } catch (err) {
        this.options.log.warn("node heartbeat step failed; retrying", { node: this.options.nodeName, error: err });
      }
      await this.clock.sleep(everyMs, signal);
    }
  }

  private async retryUntil(signal: AbortSignal, what: string, step: () => Promise<void>): Promise<void> {
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        return await step();
      } catch (err) {
        this.options.log.warn(`${what} failed; retrying`, { attempt, error: err });
        await this.clock.sleep(retryDelayMs(attempt), signal);
      }
    }
  }

  /** Whether node status says something other than the latest check. */
  private pending(): boolean {
    return differs(this.observed, this.reported);
  }

  /**
   * Writes status when a change is pending or `statusIntervalMs` has passed since the last write;
   * a failed write is retried with backoff, and the change stays pending until one succeeds.
   */
  private async statusLoop(signal: AbortSignal): Promise<void> {
    const intervalMs = this.options.statusIntervalMs ?? 60_000;
    const stop = (): void => this.wakeStatus();
    signal.addEventListener("abort", stop, { once: true });
    let failures = 0;
    while (!signal.aborted) {
      if (this.pending() || this.clock.now() - this.lastStatusAt >= intervalMs) {
        try {
          await untilAborted(this.reportStatus(), signal);
          failures = 0;
        } catch (err) {
          failures++;
          this.options.log.warn("node status write failed; retrying", { node: this.options.nodeName, attempt: failures, pending: this.pending(), error: err });
        }
      }
      if (signal.aborted) return;
      const wait = failures > 0 ? retryDelayMs(failures) : this.pending() ? 0 : this.lastStatusAt + intervalMs - this.clock.now();
      const wake = new AbortController();
      this.wakeStatus = () => wake.abort();
      await this.clock.sleep(Math.max(0, wait), wake.signal);
    }
    signal.removeEventListener("abort", stop);
  }

  private async checkHealth(): Promise<void> {
    const [health, capacity] = await Promise.all([this.options.health(), this.options.capacity()]);
    const before = this.observed;
    const changed = differs(before, { health, capacity });
    if (health.healthy !== before.health.healthy || health.reason !== before.health.reason) this.options.log.info("node health changed", { healthy: health.healthy, reason: health.reason, message: health.message });
    this.observed = { health, capacity };
    // Only a new change wakes the status loop: a change it is already retrying waits out the backoff.
    if (changed && this.pending()) this.wakeStatus();
  }

  private input(r: Reported): Parameters<typeof buildNode>[0] {
    const o = this.options;
    return { name: o.nodeName, taint: o.taint, placement: o.placement, address: o.address, kubeletPort: this.kubeletPort, capacity: r.capacity, health: r.health };
  }

  /** Runs status writes one after another. */
  private serialized(write: () => Promise<void>): Promise<void> {
    const run = this.writing.then(write);
    this.writing = run.catch(() => undefined);
    return run;
  }

  /** Writes the latest health and capacity into node status, registering the node again if it is gone. */
  private reportStatus(): Promise<void> {
    return this.serialized(async () => {
      const r = this.observed;
      const node = await this.readNodeOrRegister();
      if (!node) return;
      await this.api.patchNodeStatus(this.options.nodeName, buildNodeStatus(this.input(r), new Date(this.clock.now()), node.status));
      this.wrote(r);
    });
  }

  /** The node as it is, or undefined when it was gone and has been registered again (status and all). */
  private async readNodeOrRegister(): Promise<V1Node | undefined> {
    try {
      const node = await this.api.readNode(this.options.nodeName);
      this.nodeUid = node.metadata?.uid;
      return node;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.options.log.warn("virtual node was deleted; registering it again", { node: this.options.nodeName });
      await this.register();
      return undefined;
    }
  }

  private wrote(r: Reported): void {
    this.reported = r;
    this.lastStatusAt = this.clock.now();
  }

  /** Creates the node, or takes over an existing one: our labels and taint, current status. */
  private async register(): Promise<void> {
    const r = this.observed;
    const now = new Date(this.clock.now());
    const desired = buildNode(this.input(r), now);
    let node: V1Node;
    try {
      node = await this.api.createNode(desired);
      this.options.log.info("registered virtual node", { node: this.options.nodeName });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await this.api.readNode(this.options.nodeName);
      const ours = new Set((desired.spec?.taints ?? []).map((t) => t.key));
      existing.metadata!.labels = { ...existing.metadata?.labels, ...nodeLabels(this.options.nodeName, this.options.placement) };
      const taints = [...(existing.spec?.taints ?? []).filter((t) => !ours.has(t.key) && t.key !== this.options.taint?.key), ...(desired.spec?.taints ?? [])];
      // Taints are left as they are when only their order would change: NodeRestriction refuses a
      // node any change to its own taints, so an identical set must not look like one.
      if (!sameTaints(taints, existing.spec?.taints ?? [])) existing.spec = { ...existing.spec, taints };
      node = await this.api.replaceNode(existing);
      this.options.log.info("took over existing virtual node", { node: this.options.nodeName });
    }
    this.nodeUid = node.metadata?.uid;
    await this.api.patchNodeStatus(this.options.nodeName, buildNodeStatus(this.input(r), now, node.status));
    this.wrote(r);
  }

  private async renewLease(): Promise<void> {
    const name = this.options.nodeName;
    const renewTime = microTime(this.clock.now());
    const spec = { renewTime, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS };
    if (this.lease) {
      try {
        this.lease = await this.api.replaceLease({ ...this.lease, spec: { ...this.lease.spec, ...spec } });
        return;
      } catch (err) {
        this.lease = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    try {
      const current = await this.api.readLease(name);
      this.lease = await this.api.replaceLease({ ...current, spec: { ...current.spec, ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // No lease: the node may have been deleted with it (the lease is owned by the node).
      await this.serialized(async () => void (await this.readNodeOrRegister()));
      this.lease = await this.api.createLease({
        metadata: { name, namespace: LEASE_NAMESPACE, ownerReferences: this.nodeUid ? [{ apiVersion: "v1", kind: "Node", name, uid: this.nodeUid }] : [] },
        spec,
      });
    }
  }
}

/**
 * A Date that serialises with microseconds. Lease times are `MicroTime`s, which the API server
 * parses with exactly six fractional digits; client-node serialises Dates with three.
 */
class MicroTime extends Date {
  override toISOString(): string {
    return super.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
  }
}

export function microTime(ms: number): Date {
  return new MicroTime(ms);
}

/** Whether two statuses differ in what node status shows (health messages aside: they carry counters). */
function differs(a: Reported, b: Reported): boolean {
  return a.health.healthy !== b.health.healthy || a.health.reason !== b.health.reason || JSON.stringify(a.capacity) !== JSON.stringify(b.capacity);
}

/** Waits for `work`, or only until `signal` aborts. */
async function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  signal.addEventListener("abort", stop, { once: true });
  try {
    await Promise.race([work, stopped]);
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

function sameTaints(a: readonly V1Taint[], b: readonly V1Taint[]): boolean {
  const key = (t: V1Taint): string => `${t.key}=${t.value ?? ""}:${t.effect}`;
  return a.length === b.length && a.every((t) => b.some((u) => key(u) === key(t)));
}
