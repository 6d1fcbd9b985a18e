/**
 * One informer over the pods bound to this node (`fieldSelector=spec.nodeName=<node>`, the same
 * selector for list and watch). Its lifecycle is owned here: client-node relists on 410 by itself,
 * but any other error stops it for good, so it is restarted with backoff until `stop()`.
 */
import { CoreV1Api, type KubeConfig, ListWatch, type V1Pod, Watch } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { backoffDelay } from "../util/backoff";
import { type Clock, realClock } from "../util/clock";

/** What the informer tells its owner; handlers must not throw (they only record and queue). */
export interface PodHandlers {
  /** The pod was added or changed (or listed again). */
  seen(pod: V1Pod): void;
  /** The pod object is gone from the API server. */
  vanished(pod: V1Pod): void;
}

export class PodInformer {
  private readonly listWatch: ListWatch<V1Pod>;
  private stopped = false;
  private restarts = 0;
  private cancelRestart: (() => void) | undefined;
  /** Times the informer was restarted after an error (for metrics). */
  restartCount = 0;

  constructor(kubeConfig: KubeConfig, nodeName: string, private readonly log: Logger, handlers: PodHandlers, private readonly clock: Clock = realClock) {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${nodeName}`;
    this.listWatch = new ListWatch<V1Pod>(
      "/api/v1/pods",
      new Watch(kubeConfig),
      () => core.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    // A throwing handler would become an unhandled rejection: pods without identity are ignored.
    const valid = (pod: V1Pod): boolean => Boolean(pod.metadata?.namespace && pod.metadata.name && pod.metadata.uid);
    this.listWatch.on("add", (pod) => valid(pod) && handlers.seen(pod));
    this.listWatch.on("update", (pod) => valid(pod) && handlers.seen(pod));
    this.listWatch.on("delete", (pod) => valid(pod) && handlers.vanished(pod));
    this.listWatch.on("connect", () => (this.restarts = 0));
    this.listWatch.on("error", (err: unknown) => this.restartLater(err));
  }

  /** Lists and starts watching; resolves once the cache holds the first list. */
  async start(): Promise<void> {
    this.stopped = false;
    for (;;) {
      try {
        await this.listWatch.start();
        return;
      } catch (err) {
        if (this.stopped) return;
        const delay = backoffDelay({ baseMs: 500, maxMs: 30_000 }, ++this.restarts);
        this.log.warn("pod informer could not list pods; retrying", { error: err, retryInMs: delay });
        await this.clock.sleep(delay);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    await this.listWatch.stop();
  }

  /** The cached pod; shared with the informer, so clone before changing it. */
  get(namespace: string, name: string): V1Pod | undefined {
    return this.listWatch.get(name, namespace);
  }

  list(): readonly V1Pod[] {
    return this.listWatch.list();
  }

  private restartLater(err: unknown): void {
    if (this.stopped || this.cancelRestart) return;
    const delay = backoffDelay({ baseMs: 500, maxMs: 30_000 }, ++this.restarts);
    this.restartCount++;
    this.log.warn("pod watch stopped; restarting", { error: err, retryInMs: delay });
    this.cancelRestart = this.clock.timer(delay, () => {
      this.cancelRestart = undefined;
      if (this.stopped) return;
      this.listWatch.start().catch((e: unknown) => this.restartLater(e));
    });
  }
}
