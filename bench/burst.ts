/**
 * `npm run bench:burst -- --pods N [--latency-ms L] [--steady-seconds S] [--arm-limits] [--aci-windows W] [--zones Z [--shared-resource-group]]`
 *
 * Runs a burst on the sandbox — a real control plane, the ACI emulator, and burstlet as its own
 * process from the production bundle — and prints one JSON line of figures:
 *   pods, controlPlaneBindS (first to last bind: the floor no virtual kubelet can beat here),
 *   firstBindToAllCreatedS, firstBindToAllRunningS, armReads, armWrites, throttled,
 *   armReadsPerSecondSteady and maxStatusStalenessS (over the steady window, from the emulator's record),
 *   peakRssMB (burstlet's VmHWM) and cpuSecondsPerPod (burstlet's CPU time over the run / N),
 *   monitorCalls and monitorCallsPerSecondSteady (Azure Monitor metrics batch calls, which draw on
 *   their own budget and are not ARM calls), then
 *   scaleInS (Job deleted → no container group left) with the ARM reads and writes it took, and when
 *   its first and last DELETE were sent.
 * `--aci-windows 20/30s` (count/duration, comma-separated) turns on ACI's per-region create and delete
 * windows in the emulator and tells burstlet the same: creates are then paced, firstBindToAllCreatedS
 * follows the window, and createWindow429s counts the creates ACI refused for it. Without it the windows are off
 * on both sides (with `--arm-limits`, ACI's defaults of 100 per 5 minutes and 300 per hour).
 * `--zones Z` runs Z burstlet processes, one virtual node per availability zone of the emulator's
 * region (`--zone=1` … `--zone=Z`, each with 1/Z of the capacity), and spreads the Job across their
 * zones (maxSkew 1); peakRssMB is then the largest process's, cpuSecondsPerPod all of theirs. As
 * `VirtualNode` deploys them, each zone's node has a resource group of its own, so it lists only its
 * own groups (`--shared-resource-group` puts every zone's groups in one), and 1/Z of the cap on
 * steady status reads (with `--arm-limits`, of the ARM budgets too): the nodes share one identity,
 * whose ARM limits one node's defaults are sized for.
 * armReadsByOperation counts the run's reads (Job created to steady end) by ARM operation, and
 * burstReadsByOperation those until every pod is Running.
 * Progress goes to stderr; the JSON line alone goes to stdout. Burstlet's own settings can be given as
 * BURSTLET_* environment variables (see `node kubelet/dist/main.js --help`).
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BatchV1Api, CoreV1Api, type KubeConfig, ListWatch, type V1Job, type V1Pod, Watch } from "@kubernetes/client-node";
import { build, stop as stopEsbuild } from "esbuild";
import { METRICS_BATCH_OPERATION, startAciEmulator } from "../sandbox/aci-emulator";
import { startControlPlane } from "../sandbox/control-plane";
import { eventually } from "../sandbox/eventually";
import { ProcessGroup } from "../sandbox/process-group";
import { TAGS, VIRTUAL_NODE_TAINT, VIRTUAL_NODE_TYPE_LABEL } from "../kubelet/src/constants";
import { zoneSpread } from "../components/placement";
import { splitArmBudget } from "../components/virtual-node-placements";
import { realClock } from "../kubelet/src/util/clock";
import { parseWindows, type WindowLimit } from "../kubelet/src/aci/create-pacer";

const ROOT = path.resolve(__dirname, "..");
const NODE = "burstlet-bench";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "200" },
    "latency-ms": { type: "string", default: "0" },
    "steady-seconds": { type: "string", default: "60" },
    "arm-limits": { type: "boolean", default: false },
    "aci-windows": { type: "string" },
    zones: { type: "string", default: "0" },
    "shared-resource-group": { type: "boolean", default: false },
  },
});
const pods = positiveInt(values.pods, "--pods");
const latencyMs = positiveInt(values["latency-ms"], "--latency-ms", true);
const steadySeconds = positiveInt(values["steady-seconds"], "--steady-seconds", true);
const aciWindows = windowsOption(values["aci-windows"]);
const zones = positiveInt(values.zones, "--zones", true);
/** One node, or one per zone. */
const NODES = zones === 0 ? [NODE] : Array.from({ length: zones }, (_, i) => `${NODE}-zone-${i + 1}`);
const RESOURCE_GROUP = "burstlet-sandbox";
/** Each node's resource group: one per zone unless `--shared-resource-group`. */
const resourceGroupOf = (i: number): string => (zones === 0 || values["shared-resource-group"] ? RESOURCE_GROUP : `${RESOURCE_GROUP}-zone-${i + 1}`);
const RESOURCE_GROUPS = [...new Set(NODES.map((_, i) => resourceGroupOf(i)))];
/** Each node's share of one identity's budgets, as `VirtualNode` splits them. */
const shared = splitArmBudget(undefined, NODES.length);
const sharedBudgets: Record<string, string> = shared === undefined ? {} : {
  BURSTLET_STATUS_STEADY_READS_PER_SECOND: String(shared.statusSteadyReadsPerSecond),
  ...(values["arm-limits"]
    ? { BURSTLET_ARM_READS_PER_SECOND: String(shared.armReadsPerSecond), BURSTLET_ARM_READ_BURST: String(shared.armReadBurst), BURSTLET_ARM_WRITES_PER_SECOND: String(shared.armWritesPerSecond), BURSTLET_ARM_WRITE_BURST: String(shared.armWriteBurst) }
    : {}),
};
const say = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), "burstlet-bench-"));
  const bundle = path.join(work, "burstlet.js");
  await build({ entryPoints: [path.join(ROOT, "kubelet/src/main.ts")], bundle: true, platform: "node", target: "node22", minify: true, outfile: bundle, logLevel: "warning" });
  await stopEsbuild();
  const cp = await startControlPlane({ progress: say });
  const emulator = await startAciEmulator({
    timeScale: 0.1,
    limits: aciWindows
      ? { ...(values["arm-limits"] ? {} : { reads: null, writes: null, deletes: null }), creates: aciWindows, groupDeletes: aciWindows }
      : values["arm-limits"] ? undefined : "unlimited",
    quotas: "unlimited",
    ...(zones > 3 ? { regions: { westeurope: { zones: NODES.map((_, i) => String(i + 1)) } } } : {}),
    resourceGroup: RESOURCE_GROUPS[0],
    extraResourceGroups: RESOURCE_GROUPS.slice(1),
    record: { calls: true, bodies: false },
  });
  emulator.faults.set({ latencyMs });
  const processes = new ProcessGroup(work);
  try {
    // The same V8 flags as the image's entrypoint (kubelet/Dockerfile).
    const nodeFlags = (process.env.BURSTLET_NODE_FLAGS ?? "--max-semi-space-size=4 --max-old-space-size=192").split(" ").filter(Boolean);
    const burstlets = NODES.map((node, i) => processes.start(node, process.execPath, [...nodeFlags, bundle], {
      PATH: process.env.PATH,
      ...emulator.clientEnv,
      KUBECONFIG: cp.kubeconfigPath,
      BURSTLET_NODE_NAME: node,
      BURSTLET_RESOURCE_GROUP: resourceGroupOf(i),
      ...(zones > 0 ? { BURSTLET_ZONE: String(i + 1) } : {}),
      BURSTLET_CLUSTER_NAME: "bench",
      BURSTLET_NODE_ADDRESS: "127.0.0.1",
      BURSTLET_KUBELET_PORT: "0",
      BURSTLET_METRICS_PORT: "0",
      BURSTLET_CAPACITY_PODS: String(Math.ceil(pods / NODES.length) + 10),
      BURSTLET_CAPACITY_CPU: String(Math.ceil(pods / NODES.length) + 1),
      // The sandbox's own limits are what is measured; ARM's are applied with --arm-limits.
      ...(values["arm-limits"] ? {} : { BURSTLET_ARM_WRITES_PER_SECOND: "1000", BURSTLET_ARM_WRITE_BURST: "2000", BURSTLET_ARM_READS_PER_SECOND: "1000", BURSTLET_ARM_READ_BURST: "2000" }),
      ...sharedBudgets,
      BURSTLET_LOG_LEVEL: "warn",
      // burstlet paces under the windows the emulator applies (ACI's defaults under --arm-limits, none otherwise).
      ...(aciWindows
        ? { BURSTLET_ACI_CREATE_WINDOWS: values["aci-windows"]!, BURSTLET_ACI_DELETE_WINDOWS: values["aci-windows"]! }
        : values["arm-limits"] ? {} : { BURSTLET_ACI_CREATE_WINDOWS: "1000000/1h", BURSTLET_ACI_DELETE_WINDOWS: "1000000/1h" }),
      // Any other setting comes from the bench's own environment, e.g. BURSTLET_STATUS_STEADY_READS_PER_SECOND=34.
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("BURSTLET_") && k !== "BURSTLET_NODE_FLAGS")),
    }));
    const pids = burstlets.map((b) => b.child.pid!);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    for (const node of NODES) await eventually(async () => (await core.readNode({ name: node })).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false, { timeoutMs: 60_000, what: `the virtual node ${node}` });
    const idleRssMB = Math.round(Math.max(...pids.map((pid) => procStatusKb(pid, "VmRSS"))) / 1024);
    say(`virtual node Ready; submitting a Job of ${pods} pods (latency ${latencyMs} ms)`);

    const seen = await watchPods(cp.kubeConfig(), pods, () => emulator.groups().length);
    const startedAt = Date.now();
    await cp.kubeConfig().makeApiClient(BatchV1Api).createNamespacedJob({ namespace: "default", body: job(pods) });
    await seen.allRunning;
    const runningAt = Date.now();
    const firstBind = seen.firstBindAt();
    const creates = emulator.record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status >= 200 && c.status < 300 && c.at >= startedAt);
    const allCreatedAt = Math.max(...creates.map((c) => c.at + c.durationMs));
    say(`all ${pods} Running after ${((runningAt - firstBind) / 1000).toFixed(1)} s; steady window ${steadySeconds} s`);

    const steadyStart = Date.now();
    await realClock.sleep(steadySeconds * 1000);
    const steadyEnd = Date.now();
    const all = emulator.record.calls.filter((c) => c.at >= startedAt && c.operation !== "Identity_Token");
    const calls = all.filter((c) => c.operation !== METRICS_BATCH_OPERATION);
    const monitor = all.filter((c) => c.operation === METRICS_BATCH_OPERATION);
    const steadyGets = calls.filter((c) => c.method === "GET" && c.at >= steadyStart && c.at < steadyEnd);
    const steadyMonitor = monitor.filter((c) => c.at >= steadyStart && c.at < steadyEnd);
    const result = {
      pods,
      zones,
      resourceGroups: RESOURCE_GROUPS.length,
      latencyMs,
      controlPlaneBindS: seconds(seen.lastBindAt() - firstBind),
      firstBindToAllCreatedS: seconds(allCreatedAt - firstBind),
      firstBindToAllRunningS: seconds(runningAt - firstBind),
      armReads: calls.filter((c) => c.method === "GET").length,
      armWrites: calls.filter((c) => c.method !== "GET").length,
      armReadsPerSecondSteady: Number((steadyGets.length / ((steadyEnd - steadyStart) / 1000)).toFixed(2)),
      maxStatusStalenessS: steadySeconds > 0 ? seconds(maxGapPerGroup(steadyGets, steadyStart, steadyEnd)) : null,
      peakRssMB: Math.round(Math.max(...pids.map((pid) => procStatusKb(pid, "VmHWM"))) / 1024),
      cpuSecondsPerPod: Number((pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) / pods).toFixed(4)),
      throttled: calls.filter((c) => c.status === 429).length,
      createWindow429s: calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status === 429).length,
      monitorCalls: monitor.length,
      monitorCallsPerSecondSteady: Number((steadyMonitor.length / ((steadyEnd - steadyStart) / 1000)).toFixed(2)),
      monitorThrottled: monitor.filter((c) => c.status === 429).length,
      idleRssMB,
      steadyReadsByOperation: countBy(steadyGets.map((c) => c.operation)),
      armReadsByOperation: countBy(calls.filter((c) => c.method === "GET").map((c) => c.operation)),
      burstReadsByOperation: countBy(calls.filter((c) => c.method === "GET" && c.at <= runningAt).map((c) => c.operation)),
    };
    say(`scaling in: deleting the Job's ${pods} pods`);
    const scaleInStart = Date.now();
    await cp.kubeConfig().makeApiClient(BatchV1Api).deleteNamespacedJob({ namespace: "default", name: "burst", propagationPolicy: "Background" });
    const left = (): number => emulator.groups().filter((g) => NODES.includes(g.tags?.[TAGS.node] ?? "")).length;
    const report = setInterval(() => say(`container groups left ${left()}`), 2_000);
    await eventually(() => left() === 0, { timeoutMs: 600_000, intervalMs: 100, what: "container groups to be deleted" }).finally(() => clearInterval(report));
    const scaleInEnd = Date.now();
    const scaleInCalls = emulator.record.calls.filter((c) => c.at >= scaleInStart && c.at <= scaleInEnd && c.operation !== "Identity_Token" && c.operation !== METRICS_BATCH_OPERATION);
    const figures = { ...result, scaleInS: seconds(scaleInEnd - scaleInStart), scaleInReads: scaleInCalls.filter((c) => c.method === "GET").length, scaleInWrites: scaleInCalls.filter((c) => c.method !== "GET").length, scaleInByOperation: countBy(scaleInCalls.map((c) => `${c.operation} ${c.status}`)), ...deleteTimes(scaleInCalls, scaleInStart) };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    await processes.stop();
    await emulator.close();
    await cp.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function job(n: number): V1Job {
  return {
    metadata: { name: "burst" },
    spec: {
      completions: n,
      parallelism: n,
      template: {
        spec: {
          restartPolicy: "Never",
          ...(zones === 0
            ? { nodeSelector: { "kubernetes.io/hostname": NODE } }
            : { nodeSelector: { [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value }, topologySpreadConstraints: [zoneSpread({ "job-name": "burst" })] }),
          tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", "echo start; sleep 100000"], resources: { requests: { cpu: "100m", memory: "128Mi" } } }],
        },
      },
    },
  };
}

/** Follows the burst's pods with an informer (it relists and rewatches by itself): binds and Running. */
async function watchPods(kc: KubeConfig, n: number, groupsAlive: () => number) {
  const bound = new Map<string, number>();
  const running = new Set<string>();
  let resolveAll!: () => void;
  const allRunning = new Promise<void>((r) => (resolveAll = r));
  const core = kc.makeApiClient(CoreV1Api);
  const selector = "job-name=burst";
  const informer = new ListWatch<V1Pod>("/api/v1/namespaces/default/pods", new Watch(kc), () => core.listNamespacedPod({ namespace: "default", labelSelector: selector }), false, selector);
  const see = (pod: V1Pod): void => {
    const name = pod.metadata?.name ?? "";
    if (pod.spec?.nodeName && !bound.has(name)) bound.set(name, Date.now());
    if (pod.status?.phase === "Running") running.add(name);
    if (running.size >= n) resolveAll();
  };
  informer.on("add", see);
  informer.on("update", see);
  informer.on("error", () => setTimeout(() => void informer.start().catch(() => undefined), 1_000));
  await informer.start();
  const report = setInterval(() => say(`bound ${bound.size}/${n}, container groups ${groupsAlive()}, running ${running.size}/${n}`), 2_000);
  void allRunning.then(() => {
    clearInterval(report);
    void informer.stop();
  });
  return { allRunning, firstBindAt: () => Math.min(...bound.values()), lastBindAt: () => Math.max(...bound.values()) };
}

/** The longest time any container group went unread during the window. */
function maxGapPerGroup(gets: readonly { at: number; groupName?: string }[], start: number, end: number): number {
  const byGroup = new Map<string, number[]>();
  for (const g of gets) if (g.groupName) byGroup.set(g.groupName, [...(byGroup.get(g.groupName) ?? []), g.at]);
  let max = 0;
  for (const times of byGroup.values()) {
    const points = [start, ...times.sort((a, b) => a - b), end];
    for (let i = 1; i < points.length; i++) max = Math.max(max, points[i] - points[i - 1]);
  }
  return byGroup.size === 0 ? end - start : max;
}

function procStatusKb(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1] ?? 0);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (100/s)
}

function countBy(items: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

function seconds(ms: number): number {
  return Number((ms / 1000).toFixed(2));
}

function positiveInt(value: string | undefined, flag: string, zeroOk = false): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < (zeroOk ? 0 : 1)) throw new Error(`${flag} must be a whole number${zeroOk ? "" : " above 0"}, got "${value}"`);
  return n;
}

main()
  .catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.message}\n`);
    process.exitCode = 1;
  })
  // Every process and server the run started is stopped by now; a library handle left behind must
  // not keep the prompt waiting.
  .finally(() => process.stdout.write("", () => process.exit()));

/** When the first and the last DELETE of a scale-in were sent, from its start. */
function deleteTimes(calls: ReadonlyArray<{ method: string; at: number }>, start: number): { scaleInFirstDeleteS?: number; scaleInLastDeleteS?: number } {
  const deletes = calls.filter((c) => c.method === "DELETE").map((c) => c.at - start);
  if (deletes.length === 0) return {};
  return { scaleInFirstDeleteS: seconds(Math.min(...deletes)), scaleInLastDeleteS: seconds(Math.max(...deletes)) };
}

function windowsOption(raw: string | undefined): WindowLimit[] | undefined {
  if (raw === undefined) return undefined;
  const parsed = parseWindows(raw);
  if (typeof parsed === "string") throw new Error(`--aci-windows: ${parsed}`);
  return parsed;
}
