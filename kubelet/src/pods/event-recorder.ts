/**
 * Posts Kubernetes Events about pods, as the kubelet does (source component `burstlet`, host = the
 * node). Repeats of the same reason and message for the same pod within a short window are
 * aggregated into one Event with a count instead of flooding the API server.
 */
import { CoreV1Api, type CoreV1Event, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { type Clock, realClock } from "../util/clock";
import { isNotFound } from "../util/kube-errors";

export interface EventInput {
  readonly reason: string;
  readonly message: string;
  readonly type: "Normal" | "Warning";
  readonly container?: string;
}

interface Posted {
  readonly name: string;
  count: number;
  at: number;
}

export class EventRecorder {
  private readonly core: CoreV1Api;
  /** Events posted, by pod UID, then by reason and message: a pod that goes is forgotten in one step. */
  private readonly posted = new Map<string, Map<string, Posted>>();
  private postedCount = 0;

  constructor(kubeConfig: KubeConfig, private readonly nodeName: string, private readonly log: Logger, private readonly windowMs = 10 * 60_000, private readonly clock: Clock = realClock) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** Records an event; never throws (an event that cannot be posted is logged, not retried). */
  async record(pod: V1Pod, event: EventInput): Promise<void> {
    const namespace = pod.metadata?.namespace ?? "default";
    const uid = pod.metadata?.uid ?? "";
    const key = `${event.reason}\u0000${event.message}`;
    const now = this.clock.now();
    const before = this.posted.get(uid)?.get(key);
    try {
      if (before && now - before.at < this.windowMs) {
        before.count++;
        before.at = now;
        await this.core.patchNamespacedEvent({
          namespace,
          name: before.name,
          body: [
            { op: "replace", path: "/count", value: before.count },
            { op: "replace", path: "/lastTimestamp", value: new Date(now).toISOString() },
          ],
        });
        return;
      }
      const body: CoreV1Event = {
        metadata: { generateName: `${pod.metadata?.name ?? "pod"}.`, namespace },
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          namespace,
          name: pod.metadata?.name,
          uid,
          resourceVersion: pod.metadata?.resourceVersion,
          fieldPath: event.container ? `spec.containers{${event.container}}` : undefined,
        },
        reason: event.reason,
        message: event.message,
        type: event.type,
        count: 1,
        firstTimestamp: new Date(now),
        lastTimestamp: new Date(now),
        source: { component: "burstlet", host: this.nodeName },
        reportingComponent: "burstlet",
        reportingInstance: this.nodeName,
      };
      const created = await this.core.createNamespacedEvent({ namespace, body });
      const ofPod = this.posted.get(uid) ?? new Map<string, Posted>();
      if (!ofPod.has(key)) this.postedCount++;
      ofPod.set(key, { name: created.metadata.name!, count: 1, at: now });
      this.posted.set(uid, ofPod);
      if (this.postedCount > 10_000) this.prune(now);
    } catch (err) {
      if (isNotFound(err) && this.posted.get(uid)?.delete(key)) this.postedCount--;
      this.log.warn("could not post event", { pod: `${namespace}/${pod.metadata?.name}`, reason: event.reason, error: err });
    }
  }

  /** Forgets a pod's events (it is gone). */
  forget(uid: string): void {
    this.postedCount -= this.posted.get(uid)?.size ?? 0;
    this.posted.delete(uid);
  }

  private prune(now: number): void {
    for (const [uid, ofPod] of this.posted) {
      for (const [key, p] of ofPod) if (now - p.at >= this.windowMs && ofPod.delete(key)) this.postedCount--;
      if (ofPod.size === 0) this.posted.delete(uid);
    }
  }
}
