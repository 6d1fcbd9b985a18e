/**
 * `npm run bench:scheduler -- --pods N --nodes 1|3`
 *
 * The control plane's part of a burst, with no virtual kubelet: N pods of one Job bound to kwok
 * nodes labelled as virtual nodes, on one node (pinned by hostname) or spread over three zones
 * (`zoneSpread`, maxSkew 1). Prints one JSON line: submitToLastBindS and firstToLastBindS, as a
 * watch in a worker thread sees the binds.
 */
import { parseArgs } from "node:util";
import { BatchV1Api, CoreV1Api, type V1PodSpec } from "@kubernetes/client-node";
import { KWOK_NODE_ANNOTATION, startControlPlane } from "../sandbox/control-plane";
import { zoneSpread } from "../components/placement";
import { eventually } from "../sandbox/eventually";
import { VIRTUAL_NODE_TYPE_LABEL, ZONE_LABEL } from "../kubelet/src/constants";
import { watchPods } from "./pod-watch";

const { values } = parseArgs({ options: { pods: { type: "string", default: "1000" }, nodes: { type: "string", default: "1" } } });
const pods = Number(values.pods);
const nodes = Number(values.nodes);
if (!Number.isInteger(pods) || pods < 1) throw new Error(`--pods must be a whole number above 0, got "${values.pods}"`);
if (nodes !== 1 && nodes !== 3) throw new Error(`--nodes must be 1 or 3, got "${values.nodes}"`);
const say = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

async function main(): Promise<void> {
  const cp = await startControlPlane({ progress: say });
  try {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const names = Array.from({ length: nodes }, (_, i) => `virtual-${i + 1}`);
    const room = { cpu: "1000", memory: "1000Gi", pods: String(pods + 10) };
    for (const [i, name] of names.entries()) {
      const labels = { "kubernetes.io/hostname": name, [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value, [ZONE_LABEL]: `westeurope-${i + 1}` };
      await core.createNode({ body: { metadata: { name, labels, annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } }, status: { allocatable: room, capacity: room } } });
    }
    for (const name of names) await eventually(async () => (await core.readNode({ name })).status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false, { timeoutMs: 60_000, what: `kwok node ${name} Ready` });
    const seen = await watchPods(cp.kubeconfigPath, "job-name=burst", pods, say);
    const placement: Partial<V1PodSpec> = nodes === 1
      ? { nodeSelector: { "kubernetes.io/hostname": names[0] } }
      : { nodeSelector: { [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value }, topologySpreadConstraints: [zoneSpread({ "job-name": "burst" })] };
    say(`submitting a Job of ${pods} pods onto ${nodes} kwok node(s)`);
    const startedAt = Date.now();
    await cp.kubeConfig().makeApiClient(BatchV1Api).createNamespacedJob({
      namespace: "default",
      body: { metadata: { name: "burst" }, spec: { completions: pods, parallelism: pods, template: { spec: { restartPolicy: "Never", automountServiceAccountToken: false, enableServiceLinks: false, ...placement, containers: [{ name: "work", image: "busybox:1.36", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] } } } },
    });
    await seen.allRunning;
    seen.stop();
    const last = seen.lastBindAt();
    process.stdout.write(`${JSON.stringify({ pods, nodes, submitToLastBindS: Number(((last - startedAt) / 1000).toFixed(2)), firstToLastBindS: Number(((last - seen.firstBindAt()) / 1000).toFixed(2)) })}\n`);
  } finally {
    await cp.stop();
  }
}

main()
  .catch((err: Error) => {
    process.stderr.write(`bench failed: ${err.message}\n`);
    process.exitCode = 1;
  })
  .finally(() => process.stdout.write("", () => process.exit()));
