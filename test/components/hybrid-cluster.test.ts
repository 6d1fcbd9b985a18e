import assert from "node:assert/strict";
import { HybridCluster } from "../../components/hybrid-cluster";
import { SETTINGS } from "../../kubelet/src/settings";
import { stubRegistryExchange } from "./fetch-stub";
import { declared, ofType, oneOfType, SUBSCRIPTION_ID, useMocks, valueOf } from "./mocks";

describe("HybridCluster", () => {
  stubRegistryExchange();
  before(() => useMocks());

  it("wires network, cluster, identity, image and virtual node together", async () => {
    let hybrid!: HybridCluster;
    const { resources, components } = await declared(() => {
      hybrid = new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope", burst: { pods: 300, cpu: 200 }, tuning: { statusSteadyReadsPerSecond: 18 }, deploymentAwait: { timeoutSeconds: 120 } });
    });
    assert.deepEqual(
      components.map((c) => c.type).sort(),
      ["AciNetwork", "AksCluster", "BurstletIdentity", "HybridCluster", "KubeletImage", "VirtualNode"].map((n) => `burstlet:index:${n}`),
    );
    const aciSubnet = ofType(resources, "azure-native:network:Subnet").find((s) => s.inputs.delegations)!;
    assert.equal(aciSubnet.inputs.addressPrefix, "10.225.0.0/23", "300 pods need a /23");

    const config = oneOfType(resources, "kubernetes:core/v1:ConfigMap").inputs.data;
    assert.equal(config[SETTINGS.subnetId[1]], aciSubnet.id);
    assert.equal(config[SETTINGS.resourceGroup[1]], "h-aci");
    assert.equal(config[SETTINGS.subscriptionId[1]], SUBSCRIPTION_ID);
    assert.equal(config[SETTINGS.clusterName[1]], "h-cluster-aks");
    assert.equal(config[SETTINGS.clusterDnsIp[1]], "10.0.0.10");
    assert.equal(config[SETTINGS.pods[1]], "300");
    assert.equal(config[SETTINGS.cpu[1]], "200");
    assert.equal(config[SETTINGS.steadyReadsPerSecond[1]], "18");
    assert.equal(config[SETTINGS.readsPerSecond[1]], undefined, "tuning left out keeps the kubelet's default");
    assert.match(String(config[SETTINGS.pullIdentityId[1]]), /userAssignedIdentities\/h-identity-pull$/);

    assert.deepEqual(oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.metadata.annotations, { "pulumi.com/timeoutSeconds": "120" });

    const fic = oneOfType(resources, "azure-native:managedidentity:FederatedIdentityCredential");
    assert.equal(fic.inputs.subject, "system:serviceaccount:burstlet:burstlet");
    const image = oneOfType(resources, "docker-build:index:Image");
    assert.equal(oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0].image, image.state.ref);
    const acrPull = ofType(resources, "azure-native:authorization:RoleAssignment").filter((r) => String(r.inputs.roleDefinitionId).endsWith("7f951dda-4ed3-4680-a7ca-43fe172d538d"));
    assert.deepEqual(acrPull.map((r) => String(r.inputs.principalId)).sort(), ["kubelet-principal-h-cluster-aks", "principal-h-identity-pull"]);

    assert.equal(await valueOf(hybrid.virtualNodeName), "burstlet");
    assert.equal(await valueOf(hybrid.clusterName), "h-cluster-aks");
    const k8sProviders = new Set(ofType(resources, "kubernetes:apps/v1:Deployment").map((r) => r.provider));
    assert.ok([...k8sProviders][0]?.includes("h-cluster-k8s"), "Kubernetes objects go to the new cluster");
  });

  it("declares burst jobs on its virtual node through the same provider", async () => {
    const { resources } = await declared(() => {
      const hybrid = new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope", image: "burstlet:1" });
      hybrid.burstJob("hello", { containers: [{ name: "hello", image: "busybox", command: ["echo", "hi"], resources: { requests: { cpu: "100m", memory: "100M" } } }] });
    });
    const job = oneOfType(resources, "kubernetes:batch/v1:Job");
    assert.ok(job.provider?.includes("h-cluster-k8s"));
    assert.equal(ofType(resources, "docker-build:index:Image").length, 0);
    assert.equal(ofType(resources, "azure-native:managedidentity:UserAssignedIdentity").filter((r) => r.name.endsWith("pull")).length, 0);
  });

  it("runs a virtual node per zone and region, each placement in a resource group of its own that burstlet's identity may use", async () => {
    let hybrid!: HybridCluster;
    const neSubnet = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/ne/providers/Microsoft.Network/virtualNetworks/ne/subnets/aci`;
    const { resources } = await declared(() => {
      hybrid = new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope", image: "burstlet:1", zones: ["1", "2", "3"], regions: [{ location: "northeurope", subnetId: neSubnet }] });
    });
    const keys = ["westeurope-1", "westeurope-2", "westeurope-3", "northeurope"];
    assert.deepEqual(await valueOf(hybrid.virtualNodeNames), keys.map((k) => `burstlet-${k}`));
    assert.deepEqual(await valueOf(hybrid.containerGroupResourceGroupNames), keys.map((k) => `h-aci-${k}`));
    const groups = ofType(resources, "azure-native:resources:ResourceGroup");
    assert.deepEqual(groups.map((g) => [g.name, String(g.inputs.location)]).sort(), [["h-aci-northeurope", "northeurope"], ["h-aci-westeurope-1", "westeurope"], ["h-aci-westeurope-2", "westeurope"], ["h-aci-westeurope-3", "westeurope"]]);

    const byNode = new Map(ofType(resources, "kubernetes:core/v1:ConfigMap").map((c) => [c.inputs.data[SETTINGS.nodeName[1]], c.inputs.data]));
    const aciSubnet = ofType(resources, "azure-native:network:Subnet").find((s) => s.inputs.delegations)!;
    for (const key of keys) {
      const data = byNode.get(`burstlet-${key}`);
      assert.equal(data[SETTINGS.resourceGroup[1]], `h-aci-${key}`, key);
      assert.equal(data[SETTINGS.subnetId[1]], key === "northeurope" ? neSubnet : aciSubnet.id, key);
    }

    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").filter((r) => r.inputs.principalId === "principal-h-identity-burstlet");
    const contributorScopes = grants.filter((r) => String(r.inputs.roleDefinitionId).endsWith("b24988ac-6180-42a0-ab88-20f7382dd24c")).map((r) => String(r.inputs.scope));
    assert.deepEqual(contributorScopes.sort(), keys.map((k) => `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/h-aci-${k}`).sort(), "Contributor on each placement's resource group, nowhere else");
    const subnetScopes = grants.filter((r) => String(r.inputs.roleDefinitionId).endsWith("4d97b98b-1d4f-4787-a291-c67834d212e7")).map((r) => String(r.inputs.scope));
    assert.deepEqual(subnetScopes.sort(), [aciSubnet.id, neSubnet].sort(), "Network Contributor on each region's ACI subnet");
  });

  it("names the field when a region has no ACI subnet or a zone list is empty, before declaring anything", async () => {
    const { resources } = await declared(() => {
      assert.throws(() => new HybridCluster("x", { resourceGroupName: "rg", location: "westeurope", image: "a", regions: [{ location: "northeurope" }] }), /HybridCluster "x": regions\[0\]\.subnetId: the virtual node uses a VNet/);
      assert.throws(() => new HybridCluster("y", { resourceGroupName: "rg", location: "westeurope", image: "a", zones: [] }), /HybridCluster "y": zones: is empty/);
    });
    assert.deepEqual(resources, []);
  });

  it("rejects both an image and a build", () => {
    assert.throws(() => new HybridCluster("x", { resourceGroupName: "rg", location: "l", image: "a", build: {} }), /HybridCluster "x": image: only one of `image` or `build`/);
  });
});
