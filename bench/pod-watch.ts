/**
 * Follows a burst's pods from a worker thread: when each was first seen bound, Running (or
 * finished) and Succeeded. The bench's main thread also serves the ACI emulator, and under a burst
 * its event loop lags; a watch there would date every bind late by that lag. Here the times are
 * taken where the watch events arrive.
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { CoreV1Api, KubeConfig, ListWatch, type V1Pod, Watch } from "@kubernetes/client-node";

interface Seen {
  readonly name: string;
  /** `ready`: the informer has listed, and follows from here. */
  readonly kind: "bound" | "running" | "succeeded" | "ready";
  readonly at: number;
}

export interface PodWatch {
  readonly allRunning: Promise<void>;
  readonly firstBindAt: () => number;
  readonly lastBindAt: () => number;
  readonly lastSucceededAt: () => number;
  readonly stop: () => void;
}

/**
 * Follows pods matching `selector` in `default`, from once the informer has listed (the promise);
 * `allRunning` resolves once `n` have run. `report` is called every 2 s.
 */
export async function watchPods(kubeconfigPath: string, selector: string, n: number, report: (line: string) => void): Promise<PodWatch> {
  const bound = new Map<string, number>();
  const running = new Set<string>();
  const succeeded = new Map<string, number>();
  let resolveAll!: () => void;
  const allRunning = new Promise<void>((r) => (resolveAll = r));
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const worker = new Worker(__filename, { workerData: { kubeconfigPath, selector } });
  worker.on("message", (seen: Seen) => {
    if (seen.kind === "ready") resolveReady();
    if (seen.kind === "bound") bound.set(seen.name, seen.at);
    if (seen.kind === "running") running.add(seen.name);
    if (seen.kind === "succeeded") succeeded.set(seen.name, seen.at);
    if (running.size >= n) resolveAll();
  });
  worker.on("error", (err) => report(`pod watch failed: ${err.message}`));
  const timer = setInterval(() => report(`bound ${bound.size}/${n}, running ${running.size}/${n}`), 2_000);
  void allRunning.then(() => clearInterval(timer));
  await ready;
  return {
    allRunning,
    firstBindAt: () => Math.min(...bound.values()),
    lastBindAt: () => Math.max(...bound.values()),
    lastSucceededAt: () => Math.max(...succeeded.values()),
    stop: () => {
      clearInterval(timer);
      void worker.terminate();
    },
  };
}

/** The worker: an informer (it relists and rewatches by itself) that posts each pod's first bind, run and success. */
async function follow(kubeconfigPath: string, selector: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const sent = new Set<string>();
  const post = (name: string, kind: Seen["kind"]): void => {
    if (sent.has(`${kind}/${name}`)) return;
    sent.add(`${kind}/${name}`);
    parentPort!.postMessage({ name, kind, at: Date.now() } satisfies Seen);
  };
  const see = (pod: V1Pod): void => {
    const name = pod.metadata?.name ?? "";
    if (pod.spec?.nodeName) post(name, "bound");
    // A pod that ran and ended counts as having run (a short Job's pods may be seen finished at once).
    if (pod.status?.phase === "Running" || pod.status?.phase === "Succeeded") post(name, "running");
    if (pod.status?.phase === "Succeeded") post(name, "succeeded");
  };
  const informer = new ListWatch<V1Pod>("/api/v1/namespaces/default/pods", new Watch(kc), () => core.listNamespacedPod({ namespace: "default", labelSelector: selector }), false, selector);
  informer.on("add", see);
  informer.on("update", see);
  informer.on("error", () => setTimeout(() => void informer.start().catch(() => undefined), 1_000));
  await informer.start();
  parentPort!.postMessage({ name: "", kind: "ready", at: Date.now() } satisfies Seen);
}

if (!isMainThread && parentPort) void follow((workerData as { kubeconfigPath: string }).kubeconfigPath, (workerData as { selector: string }).selector);
