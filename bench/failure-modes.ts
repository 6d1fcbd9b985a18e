/**
 * `npx tsx bench/failure-modes.ts [--bad-image-seconds S] [--outage-seconds S] [--pods N]`
 *
 * Two failure modes on the sandbox (a real control plane, the ACI emulator, burstlet in process),
 * printed as JSON lines:
 * - a Deployment of one replica with an image that cannot be pulled, watched for S seconds: how many
 *   pods exist, how many are Failed, how many creates reached ARM;
 * - an ARM outage of S seconds (every call answered 503) with N running pods: how many reads were
 *   sent during it, and how long after it ended the first read was answered.
 */
import { parseArgs } from "node:util";
import { AppsV1Api, CoreV1Api, type V1PodSpec } from "@kubernetes/client-node";
import { startControlPlane } from "../sandbox/control-plane";
import { eventually } from "../sandbox/eventually";
import { VIRTUAL_NODE_TAINT } from "../kubelet/src/constants";
import { realClock } from "../kubelet/src/util/clock";
import { startSandboxBurstlet } from "../test/fixtures/burstlet";

const { values } = parseArgs({ options: { "bad-image-seconds": { type: "string", default: "40" }, "outage-seconds": { type: "string", default: "30" }, pods: { type: "string", default: "20" } } });
const badImageMs = Number(values["bad-image-seconds"]) * 1000;
const outageMs = Number(values["outage-seconds"]) * 1000;
const podCount = Number(values.pods);
const NODE = "failure-modes";
const NAMESPACE = "failure-modes";

const spec = (containers: V1PodSpec["containers"], restartPolicy = "Always"): V1PodSpec => ({
  nodeSelector: { "kubernetes.io/hostname": NODE },
  tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
  restartPolicy,
  containers,
});
const resources = { requests: { cpu: "100m", memory: "128Mi" } };

async function main(): Promise<void> {
  const cp = await startControlPlane({ progress: (line) => process.stderr.write(`${line}\n`) });
  const sandbox = await startSandboxBurstlet(cp, { nodeName: NODE });
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
  const record = sandbox.emulator.record;
  try {
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    await eventually(() => core.readNamespacedServiceAccount({ namespace: NAMESPACE, name: "default" }), { what: "the default service account" });

    const labels = { app: "typo" };
    const started = Date.now();
    await apps.createNamespacedDeployment({
      namespace: NAMESPACE,
      body: { metadata: { name: "typo" }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: spec([{ name: "web", image: "registry.example/team/doesnotexist:1", resources }]) } } },
    });
    await realClock.sleep(badImageMs);
    const pods = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "app=typo" })).items;
    const creates = record.calls.filter((c) => c.operation === "ContainerGroups_CreateOrUpdate" && c.at >= started).length;
    console.log(JSON.stringify({ mode: "bad image", seconds: badImageMs / 1000, pods: pods.length, failedPods: pods.filter((p) => p.status?.phase === "Failed").length, creates }));
    await apps.deleteNamespacedDeployment({ namespace: NAMESPACE, name: "typo" });

    for (let i = 0; i < podCount; i++) {
      await core.createNamespacedPod({ namespace: NAMESPACE, body: { metadata: { name: `steady-${i}` }, spec: spec([{ name: "main", image: "busybox:1.36", command: ["sleep", "100000"], resources }]) } });
    }
    await eventually(async () => (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: "!app" })).items.filter((p) => p.status?.phase === "Running").length === podCount, { timeoutMs: 120_000, what: "every pod Running" });
    const start = Date.now();
    sandbox.emulator.faults.outage(outageMs);
    await realClock.sleep(outageMs);
    const reads = record.calls.filter((c) => c.method === "GET" && c.at >= start && c.at < start + outageMs).length;
    const answered = await eventually(() => {
      const first = record.calls.find((c) => c.method === "GET" && c.at >= start + outageMs && c.status === 200);
      if (!first) throw new Error("no answered read yet");
      return first;
    }, { timeoutMs: 60_000, what: "an answered read" });
    console.log(JSON.stringify({ mode: "ARM outage", seconds: outageMs / 1000, runningPods: podCount, readsDuringOutage: reads, firstAnsweredReadAfterMs: answered.at - (start + outageMs) }));
  } finally {
    await sandbox.stop();
    await cp.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
