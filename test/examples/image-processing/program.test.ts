import assert from "node:assert/strict";
import * as path from "node:path";
import { stubRegistryExchange } from "../../components/fetch-stub";
import { declared, kubernetesManifests, loadProgram, ofType, oneOfType, useMocks, valueOf } from "../../components/mocks";
import type { BurstCostEstimate } from "../../../components/burst-cost";

const programPath = path.join(__dirname, "../../../examples/image-processing/index");

describe("example: image-processing (program)", () => {
  stubRegistryExchange();

  it("shares images through Azure Files and thumbnails them with an indexed BurstJob on a new hybrid cluster", async () => {
    await useMocks({ "burstlet:shards": "12", "burstlet:parallelism": "6", "burstlet:podSeconds": "90" });
    let program: Record<string, unknown> = {};
    const { resources, components } = await declared(() => (program = loadProgram(programPath)));
    assert.equal(components.filter((c) => c.type === "burstlet:index:HybridCluster").length, 1);
    const account = oneOfType(resources, "azure-native:storage:StorageAccount");
    assert.deepEqual([account.inputs.enableHttpsTrafficOnly, account.inputs.minimumTlsVersion, account.inputs.allowBlobPublicAccess], [true, "TLS1_2", false]);
    const share = oneOfType(resources, "azure-native:storage:FileShare");

    const secret = oneOfType(resources, "kubernetes:core/v1:Secret");
    assert.deepEqual(Object.keys(secret.inputs.stringData as object).sort(), ["azurestorageaccountkey", "azurestorageaccountname"]);
    assert.ok(secret.secretPaths.some((p) => p.startsWith("stringData")), "the account key is a secret");

    const worker = ofType(resources, "docker-build:index:Image").find((i) => i.name === "worker")!;
    assert.match(String(worker.inputs.context.location), /examples\/image-processing\/worker$/);

    const job = oneOfType(resources, "kubernetes:batch/v1:Job").inputs;
    assert.deepEqual([job.metadata.namespace, job.spec.completions, job.spec.parallelism, job.spec.completionMode], ["images", 12, 6, "Indexed"]);
    const pod = job.spec.template.spec;
    assert.deepEqual(pod.volumes, [{ name: "images", azureFile: { secretName: "images-share", shareName: share.state.name, readOnly: false } }]);
    const container = pod.containers[0];
    assert.equal(container.image, worker.state.ref);
    assert.deepEqual((container.env as { name: string; value: string }[]).find((e) => e.name === "SHARD_COUNT"), { name: "SHARD_COUNT", value: "12" });
    assert.deepEqual(pod.nodeSelector, { type: "virtual-kubelet", "kubernetes.io/hostname": "burstlet" });
    assert.ok(kubernetesManifests(resources).every((m) => m.apiVersion && m.kind && m.metadata.name));

    // 12 pods of 1 core and 1.5 GB for 90 s each, in 2 waves of 6.
    const estimate = await valueOf(program.estimatedCost as BurstCostEstimate);
    assert.deepEqual([estimate.estimate, estimate.region, estimate.perRun?.vcpuSeconds, estimate.perRun?.gbSeconds, estimate.perRun?.wallClockSeconds], [true, "westeurope", 1080, 1620, 180]);
  });

  it("runs on an existing cluster through a stack reference", async () => {
    await useMocks({ "burstlet:clusterStack": "org/burstlet/prod", "burstlet:workerImage": "thumbnailer:1" });
    const { resources, components } = await declared(() => loadProgram(programPath));
    assert.equal(components.filter((c) => c.type === "burstlet:index:HybridCluster").length, 0);
    assert.equal(ofType(resources, "azure-native:containerservice:ManagedCluster").length, 0);
    assert.equal(oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0].image, "thumbnailer:1");
    assert.equal(oneOfType(resources, "kubernetes:core/v1:NodePatch").inputs.metadata.name, "burstlet");
  });
});
