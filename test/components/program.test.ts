import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { stubRegistryExchange } from "./fetch-stub";
import { declared, loadProgram, ofType, oneOfType, TEST_KUBECONFIG, useMocks, valueOf } from "./mocks";

const programPath = path.join(__dirname, "../../index");

describe("the root program (index.ts)", () => {
  stubRegistryExchange();

  it("creates a resource group and a hybrid cluster from config, and exports its outputs", async () => {
    await useMocks({
      "burstlet:location": "northeurope",
      "burstlet:nodeVmSize": "Standard_D8s_v5",
      "burstlet:nodeCount": "3",
      "burstlet:nodeMaxCount": "6",
      "burstlet:burstPods": "50",
      "burstlet:kubernetesVersion": "1.33",
      "burstlet:nodeName": "aci",
    });
    let program!: Record<string, pulumi.Output<string>>;
    const { resources, components } = await declared(() => (program = loadProgram(programPath)));
    const groups = ofType(resources, "azure-native:resources:ResourceGroup");
    assert.deepEqual(groups.map((g): unknown[] => [g.name, g.inputs.location]), [["burstlet", "northeurope"], ["burstlet-aci", "northeurope"]]);
    assert.equal(components.filter((c) => c.type === "burstlet:index:HybridCluster").length, 1);
    const cluster = oneOfType(resources, "azure-native:containerservice:ManagedCluster");
    const [pool] = cluster.inputs.agentPoolProfiles;
    assert.deepEqual([pool.vmSize, pool.count, pool.minCount, pool.maxCount, cluster.inputs.kubernetesVersion], ["Standard_D8s_v5", 3, 3, 6, "1.33"]);
    assert.equal(ofType(resources, "docker-build:index:Image").length, 1, "the image is built when no reference is configured");

    assert.equal(await pulumi.isSecret(program.kubeconfig), true);
    assert.equal(await valueOf(program.kubeconfig), TEST_KUBECONFIG);
    assert.equal(await valueOf(program.clusterName), "burstlet-cluster-aks");
    assert.equal(await valueOf(program.virtualNodeName), "aci");
  });

  it("uses a configured image reference instead of building", async () => {
    await useMocks({ "burstlet:image": "burstlet:0.1.0" });
    const { resources } = await declared(() => loadProgram(programPath));
    assert.equal(ofType(resources, "docker-build:index:Image").length, 0);
    assert.equal(oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image, "burstlet:0.1.0");
    assert.equal(ofType(resources, "azure-native:resources:ResourceGroup")[0].inputs.location, "westeurope");
  });
});
