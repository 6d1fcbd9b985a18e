/**
 * Registers the virtual node and keeps it alive: the Lease heartbeat (kube-node-lease, 40 s
 * duration, renewed every 10 s on its own timer and its own HTTP client, so no amount of pod work
 * can starve it) and node status (on every change of health, and at least every minute). A deleted
 * Node is recreated.
 */
import { CoordinationV1Api, CoreV1Api, type KubeConfig, type V1Lease, type V1Node, type V1Taint } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { type Clock, realClock } from "../util/clock";
import { isConflict, isNotFound } from "../util/kube-errors";
import { type Capacity, type Health, buildNode, buildNodeStatus, nodeLabels } from "./node-model";
import type { Taint } from "../config";

export const LEASE_NAMESPACE = "kube-node-lease";
export const LEASE_DURATION_SECONDS = 40;

export interface NodeControllerOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly taint?: Taint;
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

export class NodeController {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly clock: Clock;
  private health: Health = { healthy: false, reason: "Starting", message: "burstlet is starting" };
  private capacity: Capacity = { cpu: 0, memoryGiB: 0, pods: 0 };
  private lease: V1Lease | undefined;
  private nodeUid: string | undefined;
  private lastStatusAt = 0;
  private kubeletPort: number;
  /** Set once the first health check has been reflected in node status (`Ready` may be true from then). */
  readonly registered: Promise<void>;
  private markRegistered!: () => void;

  constructor(private readonly options: NodeControllerOptions) {
    // The heartbeat gets its own clients (and so its own connections) from the pod controller's.
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.coordination = options.kubeConfig.makeApiClient(CoordinationV1Api);
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
    return this.health;
  }

  /**
   * Registers the node, then renews the lease and reports status until `signal` aborts.
   * `beforeReady` runs after registration and before the first Ready=True (e.g. a status resync).
   */
  async run(signal: AbortSignal, beforeReady?: () => Promise<void>): Promise<void> {
    this.capacity = await this.options.capacity();
    this.health = await this.options.health();
    const readyHealth = this.health;
    if (beforeReady) this.health = { healthy: false, reason: "Resyncing", message: "burstlet is adopting container groups and resyncing pod status" };
    await this.retryUntil(signal, "register node", () => this.register());
    await this.retryUntil(signal, "create node lease", () => this.renewLease());
    if (beforeReady) {
      await this.retryUntil(signal, "resync before ready", async () => {
        try {
          await beforeReady();
        } catch (err) {
          // The node says why it is not Ready (e.g. a missing Azure role), not just "Resyncing".
          const health = await this.options.health();
          if (!health.healthy) {
            this.health = health;
            await this.reportStatus().catch((e: unknown) => this.options.log.warn("could not report node status", { node: this.options.nodeName, error: e }));
          }
          throw err;
        }
      });
      this.health = readyHealth;
      await this.retryUntil(signal, "report node status", () => this.reportStatus());
    }
    this.markRegistered();
    await Promise.all([this.loop(signal, this.options.leaseRenewMs ?? 10_000, () => this.renewLease()), this.loop(signal, this.options.healthIntervalMs ?? 10_000, () => this.checkHealth())]);
  }

  private async loop(signal: AbortSignal, everyMs: number, tick: () => Promise<void>): Promise<void> {
    while (!signal.aborted) {
      try {
        await tick();
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
        await this.clock.sleep(Math.min(10_000, 250 * 2 ** attempt), signal);
      }
    }
  }

  private input(): Parameters<typeof buildNode>[0] {
    const o = this.options;
    return { name: o.nodeName, taint: o.taint, address: o.address, kubeletPort: this.kubeletPort, capacity: this.capacity, health: this.health };
  }

  /** Creates the node, or takes over an existing one: our labels and taint, current status. */
  private async register(): Promise<void> {
    const now = new Date(this.clock.now());
    const desired = buildNode(this.input(), now);
    let node: V1Node;
    try {
      node = await this.core.createNode({ body: desired });
      this.options.log.info("registered virtual node", { node: this.options.nodeName });
    } catch (err) {
      if (!isConflict(err)) throw err;
      const existing = await this.core.readNode({ name: this.options.nodeName });
      const ours = new Set((desired.spec?.taints ?? []).map((t) => t.key));
      existing.metadata!.labels = { ...existing.metadata?.labels, ...nodeLabels(this.options.nodeName) };
      const taints = [...(existing.spec?.taints ?? []).filter((t) => !ours.has(t.key) && t.key !== this.options.taint?.key), ...(desired.spec?.taints ?? [])];
      // Taints are left as they are when only their order would change: NodeRestriction refuses a
      // node any change to its own taints, so an identical set must not look like one.
      if (!sameTaints(taints, existing.spec?.taints ?? [])) existing.spec = { ...existing.spec, taints };
      node = await this.core.replaceNode({ name: this.options.nodeName, body: existing });
      this.options.log.info("took over existing virtual node", { node: this.options.nodeName });
    }
    this.nodeUid = node.metadata?.uid;
    node.status = buildNodeStatus(this.input(), now, node.status);
    await this.core.replaceNodeStatus({ name: this.options.nodeName, body: node });
    this.lastStatusAt = this.clock.now();
  }

  private async reportStatus(): Promise<void> {
    let node: V1Node;
    try {
      node = await this.core.readNode({ name: this.options.nodeName });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.options.log.warn("virtual node was deleted; registering it again", { node: this.options.nodeName });
      return this.register();
    }
    this.nodeUid = node.metadata?.uid;
    node.status = buildNodeStatus(this.input(), new Date(this.clock.now()), node.status);
    await this.core.replaceNodeStatus({ name: this.options.nodeName, body: node });
    this.lastStatusAt = this.clock.now();
  }

  private async checkHealth(): Promise<void> {
    const [health, capacity] = await Promise.all([this.options.health(), this.options.capacity()]);
    const changed = health.healthy !== this.health.healthy || health.reason !== this.health.reason || JSON.stringify(capacity) !== JSON.stringify(this.capacity);
    if (changed) this.options.log.info("node health changed", { healthy: health.healthy, reason: health.reason, message: health.message });
    this.health = health;
    this.capacity = capacity;
    if (changed || this.clock.now() - this.lastStatusAt >= (this.options.statusIntervalMs ?? 60_000)) await this.reportStatus();
  }

  private async renewLease(): Promise<void> {
    const name = this.options.nodeName;
    const renewTime = microTime(this.clock.now());
    if (this.lease) {
      const body: V1Lease = { ...this.lease, spec: { ...this.lease.spec, renewTime, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS } };
      try {
        this.lease = await this.coordination.replaceNamespacedLease({ namespace: LEASE_NAMESPACE, name, body });
        return;
      } catch (err) {
        this.lease = undefined;
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    try {
      const current = await this.coordination.readNamespacedLease({ namespace: LEASE_NAMESPACE, name });
      current.spec = { ...current.spec, renewTime, holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS };
      this.lease = await this.coordination.replaceNamespacedLease({ namespace: LEASE_NAMESPACE, name, body: current });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // No lease: the node may have been deleted with it (the lease is owned by the node).
      await this.reportStatus();
      this.lease = await this.coordination.createNamespacedLease({
        namespace: LEASE_NAMESPACE,
        body: {
          metadata: { name, namespace: LEASE_NAMESPACE, ownerReferences: this.nodeUid ? [{ apiVersion: "v1", kind: "Node", name, uid: this.nodeUid }] : [] },
          spec: { holderIdentity: name, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime },
        },
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

function sameTaints(a: readonly V1Taint[], b: readonly V1Taint[]): boolean {
  const key = (t: V1Taint): string => `${t.key}=${t.value ?? ""}:${t.effect}`;
  return a.length === b.length && a.every((t) => b.some((u) => key(u) === key(t)));
}
