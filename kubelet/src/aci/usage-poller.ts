/**
 * Reads the usage of the node's running pods from Azure Monitor into the usage book: every
 * `intervalMs`, the running pods' container groups in batches of 50, the last few minutes of
 * each (so a missed cycle loses nothing: buckets are counted once, whenever they arrive). Pods
 * that are not running are neither asked about nor kept. A failed batch is logged and skipped;
 * the next cycle asks again. A batch Azure refuses for want of a role (an `AuthorizationError`) is
 * reported through `onDenied` and logged as one error per cycle naming the action and scope; its
 * pods' usage stays unknown (left out of the kubelet's usage surfaces, never reported as 0).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { AuthorizationError } from "../errors";
import type { Logger } from "../log";
import { runningContainers, runningPods } from "../usage/running-containers";
import type { UsageBook } from "../usage/usage-book";
import { type Clock, realClock } from "../util/clock";
import { MAX_BATCH, type MonitorClient } from "./monitor-client";

export interface UsagePollerOptions {
  readonly monitor: Pick<MonitorClient, "usage">;
  readonly pods: () => readonly V1Pod[];
  /** The container group resource ID backing a pod. */
  readonly resourceId: (pod: V1Pod) => string;
  readonly book: UsageBook;
  readonly intervalMs: number;
  /** How far back each query reaches. @default 300_000 */
  readonly lookbackMs?: number;
  /** Batches in flight at once (the client's budget paces them). @default 4 */
  readonly concurrency?: number;
  readonly log: Logger;
  /** Called for every batch Azure refused for want of a role. */
  readonly onDenied?: (error: AuthorizationError) => void;
  /** @default the real clock */
  readonly clock?: Clock;
}

export class UsagePoller {
  /** Cycles completed and batches that failed (for tests and metrics). */
  readonly counts = { cycles: 0, failedBatches: 0, deniedBatches: 0 };

  private readonly clock: Clock;

  constructor(private readonly options: UsagePollerOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** One cycle over every running pod. */
  async pollOnce(now = new Date(this.clock.now())): Promise<void> {
    const o = this.options;
    const running = runningPods(o.pods()).filter((p) => runningContainers(p).length > 0);
    o.book.retain(new Set(running.map((p) => p.metadata!.uid!)));
    const batches: V1Pod[][] = [];
    for (let i = 0; i < running.length; i += MAX_BATCH) batches.push(running.slice(i, i + MAX_BATCH));
    const from = new Date(now.getTime() - (o.lookbackMs ?? 300_000));
    const next = batches.entries();
    const denied: { pods: number; error?: AuthorizationError } = { pods: 0 };
    const worker = async (): Promise<void> => {
      for (let item = next.next(); !item.done; item = next.next()) await this.pollBatch(item.value[1], from, now, denied);
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, batches.length) }, worker));
    if (denied.error) {
      const { action, scope, code } = denied.error;
      o.log.error("Azure Monitor refused reading usage: burstlet's identity lacks a role; these pods' CPU and memory usage stay unknown until it is granted", { pods: denied.pods, action, scope, code });
    }
    this.counts.cycles++;
  }

  /** Polls every `intervalMs` (from the start of one cycle to the next) until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock.now();
      await this.pollOnce();
      await this.clock.sleep(Math.max(0, this.options.intervalMs - (this.clock.now() - started)), signal);
    }
  }

  private async pollBatch(pods: readonly V1Pod[], from: Date, to: Date, denied: { pods: number; error?: AuthorizationError }): Promise<void> {
    const o = this.options;
    const ids = pods.map((p) => o.resourceId(p));
    let samples;
    try {
      samples = await o.monitor.usage(ids, from, to);
    } catch (err) {
      this.counts.failedBatches++;
      if (err instanceof AuthorizationError) {
        this.counts.deniedBatches++;
        denied.pods += pods.length;
        denied.error = err;
        o.onDenied?.(err);
        return;
      }
      o.log.warn("reading usage from Azure Monitor failed; trying again next cycle", { pods: pods.length, error: err });
      return;
    }
    pods.forEach((pod, i) => {
      const groupSamples = samples.get(ids[i].toLowerCase());
      for (const c of runningContainers(pod)) o.book.record(pod.metadata!.uid!, c.name, c.startedAt, groupSamples?.get(c.name) ?? []);
    });
  }
}
