import assert from "node:assert/strict";
import { placementFor } from "../../components/placement";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { BURST_CONTAINER, burstJob, shardScript, steadyDeployment, steadyService } from "../../demo/workload";
import { programFor } from "../../sandbox/aci-emulator/behaviour";

const virtualNode = { name: "burstlet", taint: { ...VIRTUAL_NODE_TAINT } };

describe("demo: workload", () => {
  it("declares the burst as the BurstJob component does: indexed, placed on the virtual node, ACI-sized", () => {
    const job = burstJob({ items: 12, virtualNode, workSeconds: 20 });
    const spec = job.spec!;
    assert.equal(spec.completions, 12);
    assert.equal(spec.parallelism, 12);
    assert.equal(spec.completionMode, "Indexed");
    const pod = spec.template.spec!;
    const placement = placementFor("virtual", virtualNode);
    assert.deepEqual(pod.tolerations, placement.tolerations);
    assert.deepEqual(pod.nodeSelector, placement.nodeSelector);
    assert.equal(pod.restartPolicy, "Never");
    assert.deepEqual(pod.containers[0].resources?.requests, { cpu: "1000m", memory: "1500M" });
    assert.equal(pod.containers[0].name, BURST_CONTAINER);
    assert.deepEqual(spec.template.metadata?.labels, { "app.kubernetes.io/name": "thumbnails", "burstlet.io/burst-job": "thumbnails" });
  });

  it("each pod echoes its shard and sleeps, in statements the ACI emulator runs", () => {
    const script = shardScript(100, 20);
    assert.match(script, /^echo shard \$\(JOB_COMPLETION_INDEX\) of 100: reading input\/image-\$\(JOB_COMPLETION_INDEX\)\.jpg;/);
    const steps = programFor(["sh", "-c", script]);
    assert.deepEqual(steps.filter((s) => s.kind === "sleep").map((s) => s.kind === "sleep" && s.seconds), [10, 10]);
    assert.equal(steps.filter((s) => s.kind === "log").length, 4);
    assert.deepEqual(steps.at(-1), { kind: "exit", code: 0 });
  });

  it("keeps the steady service off the virtual node: no toleration", () => {
    const deployment = steadyDeployment(3);
    assert.equal(deployment.spec?.replicas, 3);
    assert.equal(deployment.spec?.template.spec?.tolerations, undefined);
    assert.deepEqual(steadyService().spec?.selector, deployment.spec?.selector.matchLabels);
  });
});
