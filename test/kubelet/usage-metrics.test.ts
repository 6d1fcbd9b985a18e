import { strict as assert } from "node:assert";
import { request } from "node:https";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { AppsV1Api, AutoscalingV2Api, CustomObjectsApi, type V1Deployment, type V1Toleration } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { issueCert } from "../../sandbox/tls";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

const toleration: V1Toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };
const BUSY = ["sh", "-c", "while true; do :; done"];
const IDLE = ["sleep", "infinity"];

interface PodMetrics { metadata: { name: string }; containers: Array<{ name: string; usage: { cpu: string; memory: string } }> }

/** `250m`, `1`, `123456n` → cores. */
function cores(q: string): number {
  const m = /^(\d+(?:\.\d+)?)([num]?)$/.exec(q);
  assert.ok(m, `a CPU quantity: ${q}`);
  return Number(m[1]) / ({ n: 1e9, u: 1e6, m: 1e3, "": 1 } as Record<string, number>)[m[2]];
}

describe("usage on the virtual node: metrics-server, kubectl top and a HorizontalPodAutoscaler", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  const nodeName = "burstlet-usage-test";

  /** GETs a kubelet API path with the admin's client certificate, verifying burstlet's serving certificate. */
  const kubelet = (p: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const port = sandbox.burstlet.servers!.kubeletPort;
      const req = request({ host: "127.0.0.1", port, path: p, ca: cp.pki.ca.certPem, cert: cp.pki.admin.certPem, key: cp.pki.admin.keyPem }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${p}: ${res.statusCode} ${body}`))));
      });
      req.on("error", reject);
      req.end();
    });

  before(async () => {
    cp = await sharedControlPlane();
    // A serving certificate from the cluster CA, so metrics-server verifies the kubelet as it would a real one.
    const serving = await issueCert(cp.pki.ca, { commonName: nodeName, ipAddresses: ["127.0.0.1"], serverAuth: true });
    const certFile = path.join(cp.dir, `${nodeName}.crt`);
    const keyFile = path.join(cp.dir, `${nodeName}.key`);
    writeFileSync(certFile, serving.certPem);
    writeFileSync(keyFile, serving.keyPem, { mode: 0o600 });
    sandbox = await startSandboxBurstlet(cp, {
      nodeName,
      // Five-second metric buckets published two seconds late, so the test takes minutes, not tens of
      // minutes; Azure's (the emulator's default) are one minute, a minute late.
      emulator: { monitor: { timing: { grainSeconds: 5, delaySeconds: 2 } } },
      flags: [`--tls-cert-file=${certFile}`, `--tls-key-file=${keyFile}`],
      tuning: { usagePollMs: 2_000 },
    });
    namespace = await testNamespace(cp, "usage");
  });
  after(async () => {
    await sandbox?.stop();
  });

  const deployment = (command: string[]): V1Deployment => ({
    metadata: { name: "burner" },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "burner" } },
      template: {
        metadata: { labels: { app: "burner" } },
        spec: {
          nodeSelector: { type: "virtual-kubelet", "kubernetes.io/hostname": nodeName },
          tolerations: [toleration],
          containers: [{ name: "burn", image: "busybox:1.36", command, resources: { requests: { cpu: "500m", memory: "256Mi" }, limits: { cpu: "500m", memory: "256Mi" } } }],
        },
      },
    },
  });

  it("serves metrics.k8s.io usage for burning pods through the API server, and kubelet surfaces metrics-server can decode", async () => {
    await cp.kubeConfig().makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: deployment(BUSY) });
    const metrics = cp.kubeConfig().makeApiClient(CustomObjectsApi);
    const top = await eventually(
      async () => {
        const list = (await metrics.listNamespacedCustomObject({ group: "metrics.k8s.io", version: "v1beta1", namespace, plural: "pods" })) as { items: PodMetrics[] };
        assert.equal(list.items.length, 1, "metrics for the one pod");
        return list.items[0];
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: "pod metrics from metrics-server" },
    );
    const [burn] = top.containers;
    assert.equal(burn.name, "burn");
    assert.ok(cores(burn.usage.cpu) > 0.4 && cores(burn.usage.cpu) < 0.6, `a busy container uses its 500m limit, got ${burn.usage.cpu}`);
    assert.match(burn.usage.memory, /^\d+(Ki|Mi)?$/);

    // What metrics-server's decoder needs: every container listed has non-zero CPU and memory,
    // with timestamps in milliseconds; the node has both too.
    const text = await kubelet("/metrics/resource");
    const cpu = [...text.matchAll(/^container_cpu_usage_seconds_total\{container="([^"]+)",pod="([^"]+)",namespace="([^"]+)"\} (\S+) (\d+)$/gm)];
    const memory = [...text.matchAll(/^container_memory_working_set_bytes\{container="([^"]+)",pod="([^"]+)",namespace="([^"]+)"\} (\S+) (\d+)$/gm)];
    assert.ok(cpu.length >= 1);
    assert.deepEqual(cpu.map((m) => m.slice(1, 4).join("/")), memory.map((m) => m.slice(1, 4).join("/")), "CPU and memory for the same containers");
    for (const m of [...cpu, ...memory]) {
      assert.ok(Number(m[4]) > 0, `non-zero: ${m[0]}`);
      assert.ok(Math.abs(Number(m[5]) - Date.now()) < 120_000, `a millisecond timestamp: ${m[0]}`);
    }
    assert.match(text, /^node_cpu_usage_seconds_total [1-9]\S* \d{13}$/m);
    assert.match(text, /^node_memory_working_set_bytes [1-9]\S* \d{13}$/m);
    const summary = JSON.parse(await kubelet("/stats/summary")) as { node: { cpu?: { usageCoreNanoSeconds: number } }; pods: Array<{ podRef: { name: string }; cpu?: { usageNanoCores: number }; memory?: { workingSetBytes: number } }> };
    const pod = summary.pods.find((p) => p.podRef.name === top.metadata.name);
    assert.ok(pod?.cpu && pod.cpu.usageNanoCores > 4e8, "the summary carries the same usage");
    assert.ok(pod.memory && pod.memory.workingSetBytes > 0);
    assert.ok((summary.node.cpu?.usageCoreNanoSeconds ?? 0) > 0);
  });

  it("lets a HorizontalPodAutoscaler on CPU scale the Deployment up while it burns and back down when it stops", async () => {
    const autoscaling = cp.kubeConfig().makeApiClient(AutoscalingV2Api);
    const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
    await autoscaling.createNamespacedHorizontalPodAutoscaler({
      namespace,
      body: {
        metadata: { name: "burner" },
        spec: {
          scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "burner" },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }],
          behavior: { scaleDown: { stabilizationWindowSeconds: 0 }, scaleUp: { stabilizationWindowSeconds: 0 } },
        },
      },
    });
    await eventually(
      async () => {
        const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name: "burner" });
        const utilization = hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
        assert.ok((hpa.status?.desiredReplicas ?? 0) > 1, `scaled up (utilization ${utilization ?? "unknown"}%, desired ${hpa.status?.desiredReplicas})`);
      },
      { timeoutMs: 180_000, intervalMs: 1_000, what: "the autoscaler to scale the burning Deployment up" },
    );
    // The load stops: the Deployment's containers now sleep.
    await apps.patchNamespacedDeployment({ namespace, name: "burner", body: [{ op: "replace", path: "/spec/template/spec/containers/0/command", value: IDLE }] });
    await eventually(
      async () => {
        const hpa = await autoscaling.readNamespacedHorizontalPodAutoscaler({ namespace, name: "burner" });
        const utilization = hpa.status?.currentMetrics?.[0]?.resource?.current.averageUtilization;
        assert.equal(hpa.status?.desiredReplicas, 1, `scaled back down (utilization ${utilization ?? "unknown"}%)`);
        assert.ok((utilization ?? 100) < 50);
      },
      { timeoutMs: 300_000, intervalMs: 1_000, what: "the autoscaler to scale the idle Deployment back to one replica" },
    );
  });
});
