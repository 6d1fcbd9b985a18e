/**
 * The cost of a burst and Spot priority, end to end: burstlet against the ACI emulator and a real
 * control plane. Finished pods carry what ACI billed as annotations and in burstlet's counters; a
 * Spot pod runs as a Spot group where ACI allows it, is refused where it does not, and an evicted
 * Spot group fails its pod as the kubelet fails a pod it terminates for its node.
 */
import { strict as assert } from "node:assert";
import { BatchV1Api, CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { ACI_PUBLIC_IP_ANNOTATION, BILLED_GB_SECONDS_ANNOTATION, BILLED_VCPU_SECONDS_ANNOTATION, PRIORITY_ANNOTATION, TAGS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";
import { burstJob } from "../fixtures/jobs";

const toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };

/** The value of one sample of a Prometheus text exposition, by name and labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

describe("the cost of a burst, and Spot priority (emulator and control plane)", function () {
  this.timeout(5 * 60_000);
  const nodeName = "burstlet-cost-test";
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  let batch: BatchV1Api;

  before(async () => {
    cp = await sharedControlPlane();
    sandbox = await startSandboxBurstlet(cp, { nodeName });
    namespace = await testNamespace(cp, "cost");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    batch = cp.kubeConfig().makeApiClient(BatchV1Api);
  });
  after(() => sandbox?.stop());

  const spotPod = (name: string, annotations: Record<string, string>, command: string[], ports: number[] = []): V1Pod => ({
    metadata: { name, annotations: { [PRIORITY_ANNOTATION]: "Spot", ...annotations } },
    spec: {
      restartPolicy: "Never",
      nodeName,
      tolerations: [toleration],
      containers: [{ name: "work", image: "busybox:1.36", command, resources: { requests: { cpu: "250m", memory: "512M" } }, ports: ports.map((containerPort) => ({ containerPort })) }],
    },
  });

  it("writes each finished pod's billed vCPU-seconds and GB-seconds as annotations, and counts them by namespace and Job", async () => {
    // 0.25 cores and 0.5 GB per pod, as ACI allocates them (nothing to round).
    await batch.createNamespacedJob({ namespace, body: burstJob("billed", nodeName, 3, ["sh", "-c", "echo working; sleep 20"], { cpu: "250m", memory: "500M" }) });
    const pods = await eventually(async () => {
      const items = (await core.listNamespacedPod({ namespace, labelSelector: "job-name=billed" })).items;
      assert.equal(items.length, 3);
      for (const p of items) assert.ok(p.metadata?.annotations?.[BILLED_VCPU_SECONDS_ANNOTATION], `${p.metadata?.name} has no billing yet: ${p.status?.phase}`);
      return items;
    }, { timeoutMs: 120_000, what: "three billed pods" });
    let vcpuTotal = 0;
    let gbTotal = 0;
    for (const p of pods) {
      assert.equal(p.status?.phase, "Succeeded");
      const vcpu = Number(p.metadata!.annotations![BILLED_VCPU_SECONDS_ANNOTATION]);
      const gb = Number(p.metadata!.annotations![BILLED_GB_SECONDS_ANNOTATION]);
      const seconds = vcpu / 0.25;
      assert.ok(Number.isInteger(Number(seconds.toFixed(6))), `whole billed seconds, got ${seconds}`);
      assert.equal(gb, Number((seconds * 0.5).toFixed(1)), "the same seconds at 0.5 GB");
      // The meter runs at least as long as the container did (from the image pull, before it started).
      const t = p.status?.containerStatuses?.[0].state?.terminated;
      assert.ok(t?.startedAt && t.finishedAt, "the container's start and end");
      const ran = (new Date(t.finishedAt).getTime() - new Date(t.startedAt).getTime()) / 1000;
      assert.ok(seconds >= Math.floor(ran), `billed ${seconds} s for a container that ran ${ran} s`);
      vcpuTotal += vcpu;
      gbTotal += gb;
    }
    const metrics = await eventually(async () => {
      const { body } = await sandbox.burstlet.metrics.text();
      assert.ok(sample(body, "burstlet_billed_vcpu_seconds_total", { namespace, job_name: "billed" }) !== undefined, "counter present");
      return body;
    }, { timeoutMs: 10_000, what: "the billing counters" });
    assert.ok(Math.abs(sample(metrics, "burstlet_billed_vcpu_seconds_total", { namespace, job_name: "billed" })! - vcpuTotal) < 1e-6);
    assert.ok(Math.abs(sample(metrics, "burstlet_billed_gb_seconds_total", { namespace, job_name: "billed" })! - gbTotal) < 1e-6);
  });

  it("bills a pod killed at its deadline, and a pod deleted while it runs, until their groups are deleted", async () => {
    const pod = (name: string, extra: Partial<V1Pod["spec"]> = {}): V1Pod => ({
      metadata: { name },
      spec: { restartPolicy: "Never", nodeName, tolerations: [toleration], containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"], resources: { requests: { cpu: "500m", memory: "1G" } } }], ...extra },
    });
    await core.createNamespacedPod({ namespace, body: pod("deadline", { activeDeadlineSeconds: 3 }) });
    const killed = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "deadline" });
      assert.equal(p.status?.reason, "DeadlineExceeded");
      assert.ok(p.metadata?.annotations?.[BILLED_VCPU_SECONDS_ANNOTATION], "billed");
      return p;
    }, { timeoutMs: 60_000, what: "the pod past its deadline to be billed" });
    const vcpu = Number(killed.metadata!.annotations![BILLED_VCPU_SECONDS_ANNOTATION]);
    assert.ok(vcpu >= 0.5 && Number.isInteger(Number((vcpu / 0.5).toFixed(6))), `whole seconds at 0.5 cores, got ${vcpu}`);
    assert.equal(Number(killed.metadata!.annotations![BILLED_GB_SECONDS_ANNOTATION]), Number((vcpu * 2).toFixed(1)));

    const before = sample((await sandbox.burstlet.metrics.text()).body, "burstlet_billed_vcpu_seconds_total", { namespace, job_name: "" }) ?? 0;
    await core.createNamespacedPod({ namespace, body: pod("deleted") });
    await eventually(async () => assert.equal((await core.readNamespacedPod({ namespace, name: "deleted" })).status?.phase, "Running"), { timeoutMs: 60_000, what: "the pod to run" });
    await core.deleteNamespacedPod({ namespace, name: "deleted" });
    const after = await eventually(async () => {
      const value = sample((await sandbox.burstlet.metrics.text()).body, "burstlet_billed_vcpu_seconds_total", { namespace, job_name: "" }) ?? 0;
      assert.ok(value > before, `counter ${value} grew past ${before}`);
      return value;
    }, { timeoutMs: 60_000, what: "the deleted pod's billing to be counted" });
    assert.ok(Number.isInteger(Number(((after - before) / 0.5).toFixed(6))), `whole seconds at 0.5 cores, got ${after - before}`);
  });

  it("runs a Spot pod as a Spot group, and refuses one ACI cannot run at Spot, naming the annotation", async () => {
    await core.createNamespacedPod({ namespace, body: spotPod("spot-ok", {}, ["sh", "-c", "sleep 3600"]) });
    const uid = (await core.readNamespacedPod({ namespace, name: "spot-ok" })).metadata!.uid!;
    await eventually(() => {
      const group = sandbox.emulator.groups().find((g) => g.tags?.[TAGS.podUid] === uid);
      assert.equal(group?.spec.properties.priority, "Spot");
    }, { timeoutMs: 60_000, what: "a Spot group" });

    await core.createNamespacedPod({ namespace, body: spotPod("spot-public", { [ACI_PUBLIC_IP_ANNOTATION]: "true" }, ["sh", "-c", "sleep 3600"], [80]) });
    const refused = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "spot-public" });
      assert.equal(p.status?.phase, "Failed");
      return p;
    }, { timeoutMs: 60_000, what: "the refused Spot pod to fail" });
    assert.equal(refused.status?.reason, "SpotNotAllowed");
    assert.match(refused.status?.message ?? "", /burstlet\.io\/priority.*gets no public IP/);
    const refusedUid = refused.metadata!.uid!;
    assert.equal(sandbox.emulator.groups().some((g) => g.tags?.[TAGS.podUid] === refusedUid), false, "no group was created for it");
  });

  it("fails a Spot pod whose group is evicted as the kubelet fails a pod it terminates: killed container, DisruptionTarget, its group released", async () => {
    await core.createNamespacedPod({ namespace, body: spotPod("spot-evicted", {}, ["sh", "-c", "sleep 3600"]) });
    const running = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "spot-evicted" });
      assert.equal(p.status?.phase, "Running");
      return p;
    }, { timeoutMs: 60_000, what: "the Spot pod to run" });
    const uid = running.metadata!.uid!;
    const group = sandbox.emulator.groups().find((g) => g.tags?.[TAGS.podUid] === uid)!;
    assert.equal(sandbox.emulator.evictSpotGroup(group.name), true);
    const failed = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "spot-evicted" });
      assert.equal(p.status?.phase, "Failed");
      return p;
    }, { timeoutMs: 60_000, what: "the evicted pod to fail" });
    assert.equal(failed.status?.reason, "Terminated");
    const killed = failed.status?.containerStatuses?.[0].state?.terminated;
    assert.deepEqual([killed?.exitCode, killed?.reason], [137, "Error"]);
    const disruption = failed.status?.conditions?.find((c) => c.type === "DisruptionTarget");
    assert.deepEqual([disruption?.status, disruption?.reason], ["True", "TerminationByKubelet"]);
    // ACI ran the evicted group again; a pod that must not restart has its group deleted.
    await eventually(() => assert.equal(sandbox.emulator.groups().some((g) => g.tags?.[TAGS.podUid] === uid), false), { timeoutMs: 60_000, what: "the evicted pod's group to go" });
  });
});
