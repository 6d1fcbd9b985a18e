import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { BurstletMetrics, jobName } from "../../../kubelet/src/api/metrics";
import { BILLED_GB_SECONDS_ANNOTATION, BILLED_VCPU_SECONDS_ANNOTATION } from "../../../kubelet/src/constants";
import { billedAnnotations } from "../../../kubelet/src/pods/pod-status-writes";

const pod = (namespace: string, metadata: V1Pod["metadata"] = {}): V1Pod => ({ metadata: { name: "p", namespace, ...metadata } });

describe("billed compute in burstlet's metrics", () => {
  it("finds a pod's Job from its controlling owner, else the Job controller's labels", () => {
    assert.equal(jobName(pod("a", { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: "thumbs", uid: "u" }] })), "thumbs");
    assert.equal(jobName(pod("a", { labels: { "batch.kubernetes.io/job-name": "resize" } })), "resize");
    assert.equal(jobName(pod("a", { labels: { "job-name": "legacy" } })), "legacy");
    assert.equal(jobName(pod("a", { ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u" }] })), undefined);
  });

  it("adds each pod's billed vCPU-seconds and GB-seconds to the counters of its namespace and Job", async () => {
    const metrics = new BurstletMetrics({ defaultMetrics: false });
    const thumbs = { labels: { "batch.kubernetes.io/job-name": "thumbs" } };
    metrics.billed(pod("imaging", thumbs), { vcpuSeconds: 150, gbSeconds: 225 });
    metrics.billed(pod("imaging", thumbs), { vcpuSeconds: 30.5, gbSeconds: 45.8 });
    metrics.billed(pod("web"), { vcpuSeconds: 10, gbSeconds: 15 });
    const { body } = await metrics.text();
    assert.match(body, /^burstlet_billed_vcpu_seconds_total\{namespace="imaging",job_name="thumbs"\} 180\.5$/m);
    assert.match(body, /^burstlet_billed_gb_seconds_total\{namespace="imaging",job_name="thumbs"\} 270\.8$/m);
    assert.match(body, /^burstlet_billed_vcpu_seconds_total\{namespace="web",job_name=""\} 10$/m);
  });

  it("writes billed compute as the pod's annotations, as decimal numbers", () => {
    assert.deepEqual(billedAnnotations({ vcpuSeconds: 34, gbSeconds: 110.5 }), { [BILLED_VCPU_SECONDS_ANNOTATION]: "34", [BILLED_GB_SECONDS_ANNOTATION]: "110.5" });
  });
});
