/**
 * The demo without its view: stand up the sandbox, deploy a steady service, run the image-processing
 * burst on the virtual node, collect the figures, read one burst pod's logs through the API server,
 * delete the Job and wait until no container group is left, then tear down. Progress and live
 * snapshots go to hooks; Ctrl-C is an abort signal, and everything started is stopped on the way out.
 */
import * as path from "node:path";
import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "../sandbox/control-plane";
import { DEFAULT_NODE_NAME, VIRTUAL_NODE_TAINT } from "../kubelet/src/constants";
import { isConflict, isNotFound } from "../kubelet/src/util/kube-errors";
import { burstCost } from "./cost";
import { type DemoSandbox, startDemoSandbox } from "./sandbox";
import { type BurstSnapshot, type DemoSummary, ContainerTimes, countPhases, countPlacement, groupCounts, steadyView } from "./snapshot";
import { type UsageView, readPodUsage } from "./usage";
import { BURST_CONTAINER, BURST_NAME, BURST_SELECTOR, DEFAULT_WORK_SECONDS, STEADY_NAME, burstJob, steadyDeployment, steadyService } from "./workload";

export interface DemoOptions {
  /** Items to process, one pod each. */
  readonly items: number;
  /** Directory for burstlet's log (and nothing else); the caller owns it. */
  readonly workDir: string;
  /** An existing control plane (e.g. the tests' shared one); left running. @default start one */
  readonly controlPlane?: ControlPlane;
  /** @default "burstlet" */
  readonly nodeName?: string;
  /** @default "burst-demo" (created when missing) */
  readonly namespace?: string;
  /** @default ordinary-1, ordinary-2, ordinary-3 */
  readonly kwokNodes?: readonly string[];
  /** @default 3 */
  readonly steadyReplicas?: number;
  /** The emulator's time scale. @default 0.1 (ten emulated seconds per real second) */
  readonly timeScale?: number;
  /** Emulated seconds each burst pod works. @default DEFAULT_WORK_SECONDS */
  readonly workSeconds?: number;
  /** Leave the sandbox and the finished Job running; the result carries the sandbox to stop later. */
  readonly keep?: boolean;
  /** @default 500 */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

export interface DemoHooks {
  /** A line worth printing: a step started or finished. */
  readonly progress?: (line: string) => void;
  /** The burst's state, every poll while it runs and while it is cleaned up. */
  readonly snapshot?: (snapshot: BurstSnapshot) => void;
}

export interface DemoResult {
  readonly summary: DemoSummary;
  /** With `keep`: the running sandbox, for the caller to stop. */
  readonly sandbox?: DemoSandbox;
  readonly kubeconfigPath: string;
  readonly namespace: string;
}

export async function runDemo(options: DemoOptions, hooks: DemoHooks = {}): Promise<DemoResult> {
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  const progress = hooks.progress ?? (() => undefined);
  const nodeName = options.nodeName ?? DEFAULT_NODE_NAME;
  const namespace = options.namespace ?? "burst-demo";
  const steadyReplicas = options.steadyReplicas ?? 3;
  const pollMs = options.pollMs ?? 500;
  const timeScale = options.timeScale ?? 0.1;
  const sandbox = await startDemoSandbox(
    {
      controlPlane: options.controlPlane,
      nodeName,
      clusterName: "burstlet-demo",
      kwokNodes: options.kwokNodes ?? ["ordinary-1", "ordinary-2", "ordinary-3"],
      timeScale,
      quota: Math.max(100, 2 * options.items),
      logFile: path.join(options.workDir, "burstlet.log"),
      workDir: options.workDir,
      progress,
    },
    signal,
  );
  let keepSandbox = false;
  try {
    const kc = sandbox.cp.kubeConfig();
    const api = { core: kc.makeApiClient(CoreV1Api), apps: kc.makeApiClient(AppsV1Api), batch: kc.makeApiClient(BatchV1Api) };
    const wait = (what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> => until(what, timeoutMs, pollMs, signal, check);
    const burstPods = async (): Promise<V1Pod[]> => (await api.core.listNamespacedPod({ namespace, labelSelector: BURST_SELECTOR })).items;
    const steadyPods = async (): Promise<V1Pod[]> => (await api.core.listNamespacedPod({ namespace, labelSelector: `app=${STEADY_NAME}` })).items;

    const createdNamespace = await ensureNamespace(api.core, namespace);
    await api.apps.createNamespacedDeployment({ namespace, body: steadyDeployment(steadyReplicas) });
    await api.core.createNamespacedService({ namespace, body: steadyService() });
    await wait("the steady service's pods to run", 120_000, async () => steadyView(await steadyPods()).running === steadyReplicas);
    const steady = steadyView(await steadyPods());
    progress(`Steady service "${STEADY_NAME}": ${steady.running} pods running on ${Object.keys(steady.nodes).sort().join(", ")} (no toleration, so never on the virtual node)`);
    const setupMs = Date.now() - started;

    const job = burstJob({ items: options.items, virtualNode: { name: nodeName, taint: { ...VIRTUAL_NODE_TAINT } }, workSeconds: options.workSeconds ?? DEFAULT_WORK_SECONDS });
    await api.batch.createNamespacedJob({ namespace, body: job });
    const submittedAt = Date.now();
    progress(`Submitted BurstJob "${BURST_NAME}": ${options.items} items, an indexed Job of ${options.items} completions, placement "virtual"`);

    const times = new ContainerTimes();
    let lastBurst: V1Pod[] = [];
    // What `kubectl top pods` shows while the burst runs; the reading with the most pods is kept for the summary.
    let usage: UsageView | undefined;
    let topUsage: { view: UsageView; atMs: number } | undefined;
    let firstUsageMs: number | undefined;
    const observe = async (stage: BurstSnapshot["stage"], jobState?: V1Job): Promise<BurstSnapshot> => {
      const [burst, steadyNow] = await Promise.all([burstPods(), steadyPods()]);
      const groups = sandbox.groups();
      times.observe(groups);
      if (burst.length > 0) lastBurst = burst;
      if (stage === "burst" && countPhases(burst).running > 0) {
        usage = (await readPodUsage(kc, namespace, BURST_SELECTOR)) ?? usage;
        const atMs = Date.now() - submittedAt;
        if (usage && usage.rows.length > 0) firstUsageMs ??= atMs;
        if (usage && usage.rows.length > (topUsage?.view.rows.length ?? 0)) topUsage = { view: usage, atMs };
      }
      const snapshot: BurstSnapshot = {
        stage,
        elapsedMs: Date.now() - submittedAt,
        items: options.items,
        phases: countPhases(burst),
        placement: countPlacement(burst, nodeName),
        steady: steadyView(steadyNow),
        groups: groupCounts(groups),
        jobComplete: finished(jobState) !== undefined,
        usage: stage === "burst" ? usage : undefined,
      };
      hooks.snapshot?.(snapshot);
      return snapshot;
    };

    let outcome: "Complete" | "Failed" | undefined;
    await wait(`Job ${BURST_NAME} to finish`, Math.max(300_000, options.items * 3_000), async () => {
      const current = await api.batch.readNamespacedJob({ namespace, name: BURST_NAME });
      await observe("burst", current);
      outcome = finished(current);
      return outcome !== undefined;
    });
    const jobCompleteMs = Date.now() - submittedAt;
    progress(outcome === "Complete" ? `Job complete after ${seconds(jobCompleteMs)}` : `Job FAILED after ${seconds(jobCompleteMs)}`);
    // The burst as it ended: cleanup's snapshots list fewer and fewer of its pods as they go.
    const ended = lastBurst;
    const final = countPhases(ended);
    const placement = countPlacement(ended, nodeName);
    const logs = await podLogs(api.core, namespace, ended);

    let cleanupMs: number | undefined;
    if (options.keep) {
      keepSandbox = true;
    } else {
      const cleanupStarted = Date.now();
      progress(`Deleting the Job; burstlet deletes its ${times.peakAlive} container groups…`);
      await api.batch.deleteNamespacedJob({ namespace, name: BURST_NAME, propagationPolicy: "Foreground" });
      await wait("the burst's pods and container groups to go", 180_000, async () => {
        const snapshot = await observe("cleanup");
        return snapshot.phases.pending + snapshot.phases.running + snapshot.phases.succeeded + snapshot.phases.failed === 0 && snapshot.groups.alive === 0;
      });
      cleanupMs = Date.now() - cleanupStarted;
      if (options.controlPlane) await removeSteady(api, namespace, createdNamespace);
    }
    const span = times.span(submittedAt);
    const summary: DemoSummary = {
      items: options.items,
      succeeded: final.succeeded,
      failed: final.failed,
      burstOnVirtualNode: placement.virtual,
      burstOnOrdinaryNodes: placement.ordinary,
      virtualNode: nodeName,
      steadyPods: steady.total,
      steadyOnOrdinaryNodes: Object.entries(steady.nodes).filter(([node]) => node !== nodeName).reduce((n, [, count]) => n + count, 0),
      steadyNodes: Object.keys(steady.nodes).sort(),
      firstContainerStartedMs: span.firstStart,
      lastContainerStartedMs: span.lastStart,
      lastContainerFinishedMs: span.lastFinish,
      jobCompleteMs,
      containerGroupsStarted: times.count,
      peakContainerGroups: times.peakAlive,
      containerGroupsLeft: sandbox.groups().length,
      cleanupMs,
      logs,
      usage: topUsage && { ...topUsage, firstMs: firstUsageMs! },
      cost: burstCost(ended, times.peakAlive, { timeScale }),
      setupMs,
      controlPlaneMs: sandbox.controlPlaneMs,
      totalMs: Date.now() - started,
    };
    return { summary, sandbox: keepSandbox ? sandbox : undefined, kubeconfigPath: sandbox.cp.kubeconfigPath, namespace };
  } finally {
    if (!keepSandbox) {
      progress(options.controlPlane ? "Stopping burstlet and the ACI emulator…" : "Stopping burstlet, the ACI emulator and the control plane…");
      await sandbox.stop();
    }
  }
}

function finished(job: V1Job | undefined): "Complete" | "Failed" | undefined {
  const condition = job?.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
  return condition?.type as "Complete" | "Failed" | undefined;
}

/** The logs of the first item's pod (or any finished one), read through the API server. */
async function podLogs(core: CoreV1Api, namespace: string, pods: readonly V1Pod[]): Promise<DemoSummary["logs"]> {
  const done = pods.filter((p) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed");
  const index = (p: V1Pod): number => Number(p.metadata?.annotations?.["batch.kubernetes.io/job-completion-index"] ?? Number.MAX_SAFE_INTEGER);
  const pod = [...done].sort((a, b) => index(a) - index(b))[0];
  if (!pod?.metadata?.name) return { pod: "", text: "" };
  const text = await core.readNamespacedPodLog({ namespace, name: pod.metadata.name, container: BURST_CONTAINER });
  return { pod: `${namespace}/${pod.metadata.name}`, text };
}

async function ensureNamespace(core: CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if (isConflict(err)) return false;
    throw err;
  }
  await until(`the default service account in ${name}`, 30_000, 200, undefined, async () => {
    try {
      await core.readNamespacedServiceAccount({ namespace: name, name: "default" });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  });
  return true;
}

/** On a control plane the demo does not own, it leaves nothing behind. */
async function removeSteady(api: { core: CoreV1Api; apps: AppsV1Api }, namespace: string, createdNamespace: boolean): Promise<void> {
  await api.apps.deleteNamespacedDeployment({ namespace, name: STEADY_NAME });
  await api.core.deleteNamespacedService({ namespace, name: STEADY_NAME });
  if (createdNamespace) await api.core.deleteNamespace({ name: namespace });
}

/** Polls `check` until it returns true; throws after `timeoutMs`, or with the signal's reason on abort. */
async function until(what: string, timeoutMs: number, intervalMs: number, signal: AbortSignal | undefined, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds(timeoutMs)} waiting for ${what}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      signal?.addEventListener("abort", done, { once: true });
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      }
    });
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
