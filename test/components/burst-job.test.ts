import assert from "node:assert/strict";
import { BurstJob, type BurstJobArgs } from "../../components/burst-job";
import type { BurstContainer } from "../../components/burst-job-spec";
import { VirtualNode } from "../../components/virtual-node";
import { DEFAULT_PRICE_TABLE } from "../../components/aci-prices";
import { declared, kubernetesManifests, ofType, oneOfType, SUBSCRIPTION_ID, useMocks, valueOf } from "./mocks";

const worker: BurstContainer = {
  name: "worker",
  image: "thumbnailer:1",
  command: ["node", "worker.js"],
  resources: { requests: { cpu: "500m", memory: "1G" } },
};
const foreign = { name: "virtual-node-aci-linux", taint: { key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" as const } };
const job = (name: string, extra: Partial<BurstJobArgs> = {}): BurstJob => new BurstJob(name, { virtualNode: foreign, containers: [worker], ...extra });

describe("BurstJob", () => {
  before(() => useMocks());

  it("declares an indexed Job that tolerates the taint and runs only on the virtual node", async () => {
    const { resources } = await declared(() => job("thumbs", { completions: 40, parallelism: 10, backoffLimit: 2, ttlSecondsAfterFinished: 600 }));
    const spec = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec;
    assert.deepEqual([spec.completions, spec.parallelism, spec.completionMode, spec.backoffLimit, spec.ttlSecondsAfterFinished], [40, 10, "Indexed", 2, 600]);
    const pod = spec.template.spec;
    assert.deepEqual(pod.tolerations, [{ key: "virtual-kubelet.io/provider", operator: "Equal", value: "azure", effect: "NoSchedule" }]);
    assert.deepEqual(pod.nodeSelector, { type: "virtual-kubelet", "kubernetes.io/hostname": "virtual-node-aci-linux" });
    assert.equal(pod.restartPolicy, "Never");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(pod.containers[0].command, ["node", "worker.js"]);
  });

  it("prefers ordinary nodes and spills to the virtual node in overflow placement", async () => {
    const { resources } = await declared(() => job("spill", { placement: "overflow" }));
    const pod = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec;
    assert.equal(pod.nodeSelector, undefined);
    const affinity = pod.affinity.nodeAffinity;
    assert.deepEqual(affinity.preferredDuringSchedulingIgnoredDuringExecution, [{ weight: 100, preference: { matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }] } }]);
    const terms = affinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    assert.deepEqual(terms[1], { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["virtual-node-aci-linux"] }] });
    assert.equal(oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.completionMode, "NonIndexed");
  });

  it("does not count pods given up for a node reason (DisruptionTarget) against backoffLimit, in either placement", async () => {
    for (const placement of ["virtual", "overflow"] as const) {
      const { resources } = await declared(() => job(`disrupted-${placement}`, { placement, backoffLimit: 0 }));
      const spec = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec;
      assert.deepEqual(spec.podFailurePolicy, { rules: [{ action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] }] }, placement);
      assert.equal(spec.backoffLimit, 0, "other failures still count");
      assert.equal(spec.template.spec.restartPolicy, "Never", "Kubernetes refuses a pod failure policy with any other restart policy");
    }
  });

  it("labels a virtual node burstlet did not register out of load balancers with a NodePatch", async () => {
    const { resources } = await declared(() => job("foreign"));
    const patch = oneOfType(resources, "kubernetes:core/v1:NodePatch");
    const [patchManifest] = kubernetesManifests(resources, { includePatches: true });
    assert.deepEqual([patchManifest.apiVersion, patchManifest.kind, patchManifest.metadata.name], ["v1", "Node", "virtual-node-aci-linux"]);
    assert.equal(patch.inputs.metadata.name, "virtual-node-aci-linux");
    assert.deepEqual(patch.inputs.metadata.labels, {
      "node.kubernetes.io/exclude-from-external-load-balancers": "true",
      "alpha.service-controller.kubernetes.io/exclude-balancer": "true",
    });
  });

  it("relies on burstlet's own labels for its VirtualNode (no patch)", async () => {
    const { resources } = await declared(() => {
      const node = new VirtualNode("vn", { image: "b", clusterName: "c", subscriptionId: SUBSCRIPTION_ID, resourceGroupName: "g", location: "l", identity: { clientId: "i", tenantId: "t" } });
      new BurstJob("own", { virtualNode: node, containers: [worker] });
    });
    assert.equal(ofType(resources, "kubernetes:core/v1:NodePatch").length, 0);
    assert.deepEqual(oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec.nodeSelector["kubernetes.io/hostname"], "burstlet");
  });

  it("rounds requests up to ACI's granularity and warns when that changes them", async () => {
    let j!: BurstJob;
    const { resources } = await declared(() => {
      j = job("round", { containers: [{ ...worker, resources: { requests: { cpu: "333m", memory: "1Gi" }, limits: { cpu: "2" } } }] });
    });
    const container = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0];
    assert.deepEqual(container.resources.requests, { cpu: "340m", memory: "1100M" });
    assert.deepEqual(container.resources.limits, { cpu: "340m" });
    assert.equal(j.warnings.length, 3);
    assert.match(j.warnings.join("\n"), /cpu request 333m rounded up to 340m/);
    assert.match(j.warnings.join("\n"), /memory request 1Gi rounded up to 1100M/);
    assert.match(j.warnings.join("\n"), /cpu limit 2 lowered to 0\.34/);
  });

  it("keeps requests ACI already accepts without warnings", async () => {
    let j!: BurstJob;
    await declared(() => (j = job("exact")));
    assert.deepEqual(j.warnings, []);
  });

  it("relaxes hard spread constraints so the virtual node is not one failure domain", async () => {
    let j!: BurstJob;
    const { resources } = await declared(() => {
      j = job("spread", { placement: "overflow", topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", minDomains: 3 }] });
    });
    const [constraint] = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec.topologySpreadConstraints;
    assert.equal(constraint.whenUnsatisfiable, "ScheduleAnyway");
    assert.equal(constraint.minDomains, undefined);
    assert.deepEqual(constraint.labelSelector, { matchLabels: { "app.kubernetes.io/name": "spread", "burstlet.io/burst-job": "spread" } });
    assert.match(j.warnings[0], /relaxed from DoNotSchedule to ScheduleAnyway/);
  });

  it("rejects pods the virtual node cannot run, naming every field", () => {
    assert.throws(
      () => job("host", { volumes: [{ name: "data", hostPath: { path: "/data" } }, { name: "claim", persistentVolumeClaim: { claimName: "c" } }] }),
      (error: Error) => {
        assert.match(error.message, /BurstJob "host": containers: the virtual node cannot run this pod/);
        assert.match(error.message, /spec\.volumes\[0\]\.hostPath/);
        assert.match(error.message, /spec\.volumes\[1\]\.persistentVolumeClaim/);
        return true;
      },
    );
    assert.throws(() => job("cmd", { containers: [{ ...worker, command: [] }] }), /spec\.containers\[0\]\.command: container "worker" must set command/);
    assert.throws(() => job("req", { containers: [{ ...worker, resources: { requests: { cpu: "1" } } }] }), /BurstJob "req": containers\[0\]\.requests\.memory: container "worker" must request memory/);
    assert.throws(() => job("par", { completions: 2, parallelism: 5 }), /BurstJob "par": parallelism: 5 exceeds completions \(2\)/);
    assert.throws(() => job("neg", { backoffLimit: -1 }), /backoffLimit: must be an integer of at least 0/);
    assert.throws(() => job("mode", { placement: "anywhere" as never }), /placement: must be "virtual" or "overflow"/);
  });

  it("declares manifests an API server would accept as they are", async () => {
    const { resources } = await declared(() => job("manifest", { jobName: "manifest", namespace: "batch", completions: 3 }));
    const [manifest] = kubernetesManifests(resources);
    assert.equal(manifest.apiVersion, "batch/v1");
    assert.equal(manifest.kind, "Job");
    assert.equal(manifest.metadata.name, "manifest");
    assert.equal(manifest.metadata.namespace, "batch");
    assert.ok(manifest.spec);
  });

  it("estimates a run's cost from the pods' rounded resources, completions, parallelism and the price table, labelled an estimate", async () => {
    // 500m / 1G requested; ACI allocates 0.5 cores and 1 GB per pod.
    const j = job("cost", { completions: 100, parallelism: 20, estimatedPodSeconds: 150, region: "westeurope" });
    const estimate = await valueOf(j.costEstimate);
    const prices = DEFAULT_PRICE_TABLE.default.regular;
    assert.equal(estimate.estimate, true);
    assert.match(estimate.source, /^estimate/);
    assert.deepEqual([estimate.region, estimate.priority, estimate.group], ["westeurope", "Regular", { cpu: 0.5, memoryGB: 1 }]);
    assert.deepEqual({ v: estimate.perRun?.vcpuSeconds, g: estimate.perRun?.gbSeconds, wall: estimate.perRun?.wallClockSeconds }, { v: 7_500, g: 15_000, wall: 5 * 150 });
    assert.ok(Math.abs((estimate.perRun?.cost ?? 0) - (7_500 * prices.vcpuSecond + 15_000 * prices.gbSecond)) < 1e-12);
    assert.ok(Math.abs(estimate.perHourAtParallelism - 20 * 3600 * (0.5 * prices.vcpuSecond + 1 * prices.gbSecond)) < 1e-9);
  });

  it("prices a Job with the VirtualNode's region and the caller's own table", async () => {
    const table = { ...DEFAULT_PRICE_TABLE, northeurope: { ...DEFAULT_PRICE_TABLE.default, regular: { vcpuSecond: 0.00002, gbSecond: 0.000002 }, source: "own prices" } };
    let j: BurstJob | undefined;
    await declared(() => {
      const node = new VirtualNode("vn-cost", { image: "b", clusterName: "c", subscriptionId: SUBSCRIPTION_ID, resourceGroupName: "g", location: "northeurope", identity: { clientId: "i", tenantId: "t" } });
      j = new BurstJob("priced", { virtualNode: node, containers: [worker], priceTable: table, estimatedPodSeconds: 10 });
    });
    const estimate = await valueOf(j!.costEstimate);
    assert.deepEqual([estimate.region, estimate.source], ["northeurope", "own prices"]);
    assert.ok(Math.abs((estimate.perRun?.cost ?? 0) - (5 * 0.00002 + 10 * 0.000002)) < 1e-12);
  });

  it("asks for Spot on every pod with the priority annotation and prices it at the Spot rate", async () => {
    const { resources } = await declared(() => job("spot", { priority: "Spot", estimatedPodSeconds: 60 }));
    const template = oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template;
    assert.deepEqual(template.metadata.annotations, { "burstlet.io/priority": "Spot" });
    const regular = oneOfType((await declared(() => job("regular"))).resources, "kubernetes:batch/v1:Job").inputs.spec.template;
    assert.equal(regular.metadata.annotations, undefined);
    const estimate = await valueOf(job("spot-price", { priority: "Spot", estimatedPodSeconds: 60 }).costEstimate);
    const spot = DEFAULT_PRICE_TABLE.default.spot;
    assert.ok(Math.abs((estimate.perRun?.cost ?? 0) - (30 * spot.vcpuSecond + 60 * spot.gbSecond)) < 1e-12);
  });

  it("refuses a Spot Job whose pods exceed a Spot group, an unknown priority and a bad estimate input, naming the field", () => {
    const big: BurstContainer = { ...worker, resources: { requests: { cpu: "2", memory: "20G" } } };
    assert.throws(() => job("spot-big", { priority: "Spot", containers: [big] }), /BurstJob "spot-big": priority: a Spot container group can have at most 4 cores and 16 GB, and each pod requests 2 cores and 20 GB/);
    assert.throws(() => job("prio", { priority: "Low" as never }), /BurstJob "prio": priority: must be one of Regular, Spot, got "Low"/);
    assert.throws(() => job("secs", { estimatedPodSeconds: 0 }), /BurstJob "secs": estimatedPodSeconds: must be a number of seconds above 0/);
    assert.throws(() => job("table", { priceTable: {} }), /BurstJob "table": priceTable: has no prices/);
  });
});
