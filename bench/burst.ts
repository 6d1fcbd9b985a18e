/**
 * `npm run bench:burst -- --pods N [--latency-ms L] [--steady-seconds S | --job-seconds J] [--arm-limits] [--aci-windows W] [--zones Z [--shared-resource-group]]`
 *
 * Runs a burst on the sandbox — a real control plane, the ACI emulator, and burstlet as its own
 * process from the production bundle — and prints one JSON line of figures:
 *   pods, controlPlaneBindS (first to last bind, as a watch in a worker thread sees them: the floor no virtual kubelet can beat here),
 *   firstBindToAllCreatedS, firstBindToAllRunningS, armReads, armWrites, throttled,
 *   armReadsPerSecondSteady and maxStatusStalenessS (over the steady window, from the emulator's record;
 *   staleness of the burst's groups, not of the node's own health-check reads),
 *   peakRssMB (burstlet's VmHWM) and cpuSecondsPerPod (burstlet's CPU time over the run / N), of which
 *   startupCpuSeconds were spent before the Job was submitted (start-up and registering the node) and
 *   burstCpuSecondsPerPod from then on (/ N),
 *   monitorCalls and monitorCallsPerSecondSteady (Azure Monitor metrics batch calls, which draw on
 *   their own budget and are not ARM calls), then
 *   scaleInS (Job deleted → no container group left) with the ARM reads and writes it took, and when
 *   its first and last DELETE were sent.
 * `--job-seconds J` runs containers that end after J seconds (all alike) instead of running forever, and
 * waits for the Job to complete instead of a steady window: lastExitToJobCompleteS is the time from the
 * last container exit in the emulator to the Job's Complete condition, exitSpreadS the time from the
 * first exit to the last, and readBound the physical bound on noticing the exits for the read budget
 * burstlet was given (per node): N ÷ R if all ended at once with nothing saved, (N − burst) ÷ R after
 * the bucket's burst; lastExitGroupReadsS lists when the last pod to end was read, from its exit, and
 * lastExitToLastPodSucceededS when the last pod was seen Succeeded (a watch): the rest is the Job controller's.
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
 * BURSTLET_* environment variables (see `node kubelet/dist/main.js --help`); without --arm-limits
 * burstlet's ARM budgets are 1,000 per second, so measure status reads at its default read budget with
 * BURSTLET_ARM_READS_PER_SECOND=20 BURSTLET_ARM_READ_BURST=200 (steady reads spend a share of it).
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BatchV1Api, CoreV1Api, type V1Job } from "@kubernetes/client-node";
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
import { watchPods } from "./pod-watch";

const ROOT = path.resolve(__dirname, "..");
const NODE = "burstlet-bench";

const { values } = parseArgs({
  options: {
    pods: { type: "string", default: "200" },
    "latency-ms": { type: "string", default: "0" },
    "steady-seconds": { type: "string", default: "60" },
    "job-seconds": { type: "string", default: "0" },
    "arm-limits": { type: "boolean", default: false },
    "aci-windows": { type: "string" },
    zones: { type: "string", default: "0" },
    "shared-resource-group": { type: "boolean", default: false },
  },
});
const pods = positiveInt(values.pods, "--pods");
const latencyMs = positiveInt(values["latency-ms"], "--latency-ms", true);
const steadySeconds = positiveInt(values["steady-seconds"], "--steady-seconds", true);
const jobSeconds = positiveInt(values["job-seconds"], "--job-seconds", true);
/** The emulator's time scale: its nominal seconds last this many real ones. */
const TIME_SCALE = 0.1;
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
    timeScale: TIME_SCALE,
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
    const envs = NODES.map((node, i) => ({
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
    const burstlets = NODES.map((node, i) => processes.start(node, process.execPath, [...nodeFlags, bundle], envs[i]));
    const readBudget = { perSecond: Number(envs[0].BURSTLET_ARM_READS_PER_SECOND ?? 20), burst: Number(envs[0].BURSTLET_ARM_READ_BURST ?? 200) };
    const pids = burstlets.map((b) => b.child.pid!);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    for (const node of NODES) await eventually(async () => (await core.readNode({ name: node })).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false, { timeoutMs: 60_000, what: `the virtual node ${node}` });
    /** All burstlet processes' CPU time so far, in seconds. */
    const cpuOfAll = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const startupCpu = cpuOfAll();
    const idleRssMB = Math.round(Math.max(...pids.map((pid) => procStatusKb(pid, "VmRSS"))) / 1024);
    say(`virtual node Ready; submitting a Job of ${pods} pods (latency ${latencyMs} ms)`);

    const seen = await watchPods(cp.kubeconfigPath, "job-name=burst", pods, (line) => say(`${line}, container groups ${emulator.groups().length}`));
    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    const startedAt = Date.now();
    await batch.createNamespacedJob({ namespace: "default", body: job(pods) });
    await seen.allRunning;
    const runningAt = Date.now();
    const firstBind = seen.firstBindAt();
    const creates = emulator.record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status >= 200 && c.status < 300 && c.at >= startedAt);
    const allCreatedAt = Math.max(...creates.map((c) => c.at + c.durationMs));
    say(`all ${pods} Running after ${((runningAt - firstBind) / 1000).toFixed(1)} s; ${jobSeconds > 0 ? "waiting for the Job to complete" : `steady window ${steadySeconds} s`}`);

    const completion = jobSeconds > 0 ? await jobCompletion(batch, startedAt, pods, readBudget, () => emulator.containerExits(), () => emulator.record.calls, seen.lastSucceededAt) : undefined;
    seen.stop();
    const steadyStart = Date.now();
    if (jobSeconds === 0) await realClock.sleep(steadySeconds * 1000);
    const steadyEnd = Date.now();
    const all = emulator.record.calls.filter((c) => c.at >= startedAt && c.operation !== "Identity_Token");
    const calls = all.filter((c) => c.operation !== METRICS_BATCH_OPERATION);
    const monitor = all.filter((c) => c.operation === METRICS_BATCH_OPERATION);
    const steadyGets = calls.filter((c) => c.method === "GET" && c.at >= steadyStart && c.at < steadyEnd);
    const podGroups = new Set(creates.map((c) => c.groupName));
    const steadyMonitor = monitor.filter((c) => c.at >= steadyStart && c.at < steadyEnd);
    const cpuNow = cpuOfAll();
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
      armReadsPerSecondSteady: steadyEnd > steadyStart ? Number((steadyGets.length / ((steadyEnd - steadyStart) / 1000)).toFixed(2)) : null,
      // Of the burst's groups only: the node's own reads (its health check's probe of a name no group has) are no pod's status.
      maxStatusStalenessS: steadyEnd > steadyStart ? seconds(maxGapPerGroup(steadyGets.filter((c) => podGroups.has(c.groupName)), steadyStart, steadyEnd)) : null,
      ...completion,
      peakRssMB: Math.round(Math.max(...pids.map((pid) => procStatusKb(pid, "VmHWM"))) / 1024),
      cpuSecondsPerPod: Number((cpuNow / pods).toFixed(4)),
      startupCpuSeconds: Number(startupCpu.toFixed(2)),
      burstCpuSecondsPerPod: Number(((cpuNow - startupCpu) / pods).toFixed(4)),
      throttled: calls.filter((c) => c.status === 429).length,
      createWindow429s: calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.status === 429).length,
      monitorCalls: monitor.length,
      monitorCallsPerSecondSteady: steadyEnd > steadyStart ? Number((steadyMonitor.length / ((steadyEnd - steadyStart) / 1000)).toFixed(2)) : null,
      monitorThrottled: monitor.filter((c) => c.status === 429).length,
      idleRssMB,
      steadyReadsByOperation: countBy(steadyGets.map((c) => c.operation)),
      armReadsByOperation: countBy(calls.filter((c) => c.method === "GET").map((c) => c.operation)),
      burstReadsByOperation: countBy(calls.filter((c) => c.method === "GET" && c.at <= runningAt).map((c) => c.operation)),
    };
    say(`scaling in: deleting the Job's ${pods} pods`);
    const scaleInStart = Date.now();
    await batch.deleteNamespacedJob({ namespace: "default", name: "burst", propagationPolicy: "Background" });
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
          containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", `echo start; sleep ${jobSeconds > 0 ? Math.round(jobSeconds / TIME_SCALE) : 100000}`], resources: { requests: { cpu: "100m", memory: "128Mi" } } }],
        },
      },
    },
  };
}

/**
 * Waits for the Job's Complete condition (read every 100 ms) and measures it against the
 * emulator's exit times, with the bound on noticing the exits at the read budget (per node).
 */
async function jobCompletion(batch: BatchV1Api, startedAt: number, n: number, budget: { perSecond: number; burst: number }, exits: () => ReadonlyArray<{ at: number; group: string }>, calls: () => ReadonlyArray<{ at: number; method: string; operation?: string; groupName?: string }>, lastSucceededAt: () => number) {
  await eventually(async () => {
    const conditions = (await batch.readNamespacedJob({ namespace: "default", name: "burst" })).status?.conditions ?? [];
    if (conditions.some((c) => c.type === "Failed" && c.status === "True")) throw new Error("the Job failed");
    return conditions.some((c) => c.type === "Complete" && c.status === "True");
  }, { timeoutMs: 1_800_000, intervalMs: 100, what: "the Job to complete" });
  const completeAt = Date.now();
  const ended = exits().filter((e) => e.at >= startedAt);
  const times = ended.map((e) => e.at);
  const perNode = n / NODES.length;
  const last = ended.reduce((a, b) => (b.at > a.at ? b : a));
  return {
    jobSeconds,
    submitToJobCompleteS: seconds(completeAt - startedAt),
    lastExitToJobCompleteS: seconds(completeAt - Math.max(...times)),
    // Split at the moment the last pod was seen Succeeded through the API server: burstlet's part, then the Job controller's.
    lastExitToLastPodSucceededS: seconds(lastSucceededAt() - Math.max(...times)),
    exitSpreadS: seconds(Math.max(...times) - Math.min(...times)),
    // Reads from the first exit to Complete, by operation; group reads split by whether the group's containers had ended.
    exitWindowReads: exitWindowReads(calls().filter((c) => c.method === "GET" && c.at >= Math.min(...times) && c.at <= completeAt), ended),
    // When the last pod to end was read, from its exit: how its exit was noticed.
    lastExitGroupReadsS: calls().filter((c) => c.method === "GET" && c.groupName === last.group).map((c) => seconds(c.at - last.at)),
    readBound: { perSecond: budget.perSecond, burst: budget.burst, allAtOnceS: Number((perNode / budget.perSecond).toFixed(2)), afterBurstS: Number((Math.max(0, perNode - budget.burst) / budget.perSecond).toFixed(2)) },
  };
}

/**
 * The reads between the first exit and the Job's completion, by ARM operation; a group read counts
 * as `…_Get ended` when it came after the group's last container exit (it could tell the exit) and
 * `…_Get running` before it.
 */
function exitWindowReads(gets: ReadonlyArray<{ at: number; operation?: string; groupName?: string }>, exits: ReadonlyArray<{ at: number; group: string }>): Record<string, number> {
  const endedAt = new Map<string, number>();
  for (const e of exits) endedAt.set(e.group, Math.max(e.at, endedAt.get(e.group) ?? 0));
  return countBy(gets.map((c) => {
    const ended = c.groupName === undefined ? undefined : endedAt.get(c.groupName);
    return c.operation === "ContainerGroups_Get" && ended !== undefined ? `${c.operation} ${c.at >= ended ? "ended" : "running"}` : String(c.operation);
  }));
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
