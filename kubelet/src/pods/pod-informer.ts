/**
 * One informer over the pods bound to this node (`fieldSelector=spec.nodeName=<node>`, the same
 * selector for list and watch). Its lifecycle is owned here: client-node relists on 410 by itself,
 * but any other error stops it for good, so it is restarted with backoff until `stop()`.
 */
import { CoreV1Api, type KubeConfig, ListWatch, type V1Pod, Watch } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { backoffDelay } from "../util/backoff";

export class PodInformer {
  private readonly listWatch: ListWatch<V1Pod>;
  private stopped = false;
  private restarts = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Times the informer was restarted after an error (for metrics). */
  restartCount = 0;

  constructor(kubeConfig: KubeConfig, nodeName: string, private readonly log: Logger, onKey: (key: string) => void) {
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
    // Handlers only compute a key: a throwing handler would become an unhandled rejection.
    const enqueue = (pod: V1Pod): void => onKey(podKey(pod.metadata?.namespace ?? "", pod.metadata?.name ?? ""));
    this.listWatch.on("add", enqueue);
    this.listWatch.on("update", enqueue);
    this.listWatch.on("delete", enqueue);
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
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
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
    if (this.stopped || this.timer) return;
    const delay = backoffDelay({ baseMs: 500, maxMs: 30_000 }, ++this.restarts);
    this.restartCount++;
    this.log.warn("pod watch stopped; restarting", { error: err, retryInMs: delay });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.listWatch.start().catch((e: unknown) => this.restartLater(e));
    }, delay);
  }
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
