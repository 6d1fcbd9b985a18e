import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AksCluster } from "../../components/aks-cluster";
import { declared, OIDC_ISSUER, oneOfType, SUBSCRIPTION_ID, TEST_KUBECONFIG, useMocks, valueOf } from "./mocks";

const nodeSubnetId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes`;

describe("AksCluster", () => {
  before(() => useMocks());

  it("declares Azure CNI on the node subnet with OIDC issuer and workload identity", async () => {
    let aks!: AksCluster;
    const { resources, calls } = await declared(() => {
      aks = new AksCluster("c", { resourceGroupName: "rg", location: "westeurope", nodeSubnetId, kubernetesVersion: "1.33", systemPool: { count: 3, vmSize: "Standard_D2s_v5" } });
    });
    const cluster = oneOfType(resources, "azure-native:containerservice:ManagedCluster");
    assert.equal(cluster.inputs.networkProfile.networkPlugin, "azure");
    assert.equal(cluster.inputs.networkProfile.serviceCidr, "10.0.0.0/16");
    assert.deepEqual(cluster.inputs.oidcIssuerProfile, { enabled: true });
    assert.deepEqual(cluster.inputs.securityProfile, { workloadIdentity: { enabled: true } });
    assert.equal(cluster.inputs.kubernetesVersion, "1.33");
    assert.equal(cluster.inputs.enableRBAC, true);
    const [pool] = cluster.inputs.agentPoolProfiles;
    assert.deepEqual([pool.mode, pool.count, pool.vmSize, pool.vnetSubnetID, pool.enableAutoScaling], ["System", 3, "Standard_D2s_v5", nodeSubnetId, false]);
    assert.equal(cluster.inputs.identity.type, "UserAssigned");
    assert.deepEqual(cluster.inputs.identity.userAssignedIdentities, [`/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/c-control-plane`]);
    assert.equal(await valueOf(aks.oidcIssuerUrl), OIDC_ISSUER);
    assert.equal(await valueOf(aks.kubeletIdentityObjectId), "kubelet-principal-c-aks");
    assert.ok(calls.some((c) => c.token === "azure-native:containerservice:listManagedClusterUserCredentials"));
  });

  it("grants the control-plane identity Network Contributor on the node subnet", async () => {
    const { resources } = await declared(() => new AksCluster("c", { resourceGroupName: "rg", nodeSubnetId }));
    const grant = oneOfType(resources, "azure-native:authorization:RoleAssignment");
    assert.equal(grant.inputs.scope, nodeSubnetId);
    assert.equal(grant.inputs.principalId, "principal-c-control-plane");
    assert.equal(grant.inputs.roleDefinitionId, `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`);
  });

  it("outputs the kubeconfig as a secret", async () => {
    let aks!: AksCluster;
    await declared(() => (aks = new AksCluster("c", { resourceGroupName: "rg", nodeSubnetId })));
    assert.equal(await pulumi.isSecret(aks.kubeconfig), true);
    assert.equal(await valueOf(aks.kubeconfig), TEST_KUBECONFIG);
  });

  it("turns autoscaling and Entra ID on when asked", async () => {
    const { resources, calls } = await declared(
      () => new AksCluster("c", { resourceGroupName: "rg", nodeSubnetId, systemPool: { count: 2, autoscaling: { min: 1, max: 5 } }, localAccounts: false, aad: { adminGroupObjectIds: ["group"] } }),
    );
    const cluster = oneOfType(resources, "azure-native:containerservice:ManagedCluster");
    const [pool] = cluster.inputs.agentPoolProfiles;
    assert.deepEqual([pool.enableAutoScaling, pool.minCount, pool.maxCount], [true, 1, 5]);
    assert.equal(cluster.inputs.disableLocalAccounts, true);
    assert.deepEqual(cluster.inputs.aadProfile, { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: ["group"] });
    assert.equal(calls.find((c) => c.token.endsWith("listManagedClusterUserCredentials"))?.inputs.format, "exec");
  });

  it("names the field in every validation error", () => {
    assert.throws(() => new AksCluster("v", { resourceGroupName: "rg", nodeSubnetId, kubernetesVersion: "latest" }), /AksCluster "v": kubernetesVersion: must look like 1\.33/);
    assert.throws(() => new AksCluster("p", { resourceGroupName: "rg", nodeSubnetId, systemPool: { count: 0 } }), /systemPool\.count: must be an integer from 1 to 1000, got 0/);
    assert.throws(() => new AksCluster("a", { resourceGroupName: "rg", nodeSubnetId, systemPool: { count: 6, autoscaling: { min: 1, max: 5 } } }), /systemPool\.autoscaling: .*min 1, count 6, max 5/);
    assert.throws(() => new AksCluster("l", { resourceGroupName: "rg", nodeSubnetId, localAccounts: false }), /localAccounts: can only be false with aad set/);
  });
});
