import assert from "node:assert/strict";
import { BurstletIdentity } from "../../components/burstlet-identity";
import { declared, OIDC_ISSUER, ofType, oneOfType, SUBSCRIPTION_ID, useMocks, valueOf } from "./mocks";

const rgId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/burst-aci`;
const subnetId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aci`;
const registryId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr`;
const role = (guid: string): string => `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

const byScopeLength = (a: unknown[], b: unknown[]): number => String(a[1]).length - String(b[1]).length;

describe("BurstletIdentity", () => {
  before(() => useMocks());

  it("federates a managed identity to burstlet's service account", async () => {
    let id!: BurstletIdentity;
    const { resources } = await declared(() => {
      id = new BurstletIdentity("id", { resourceGroupName: "rg", containerGroupResourceGroupId: rgId, aciSubnetId: subnetId, oidcIssuerUrl: OIDC_ISSUER, namespace: "virtual", serviceAccountName: "kubelet" });
    });
    const fic = oneOfType(resources, "azure-native:managedidentity:FederatedIdentityCredential");
    assert.equal(fic.inputs.issuer, OIDC_ISSUER);
    assert.equal(fic.inputs.subject, "system:serviceaccount:virtual:kubelet");
    assert.deepEqual(fic.inputs.audiences, ["api://AzureADTokenExchange"]);
    assert.equal(fic.inputs.resourceName, "id-burstlet");
    assert.equal(await valueOf(id.clientId), "client-id-burstlet");
    assert.equal(ofType(resources, "azure-native:managedidentity:UserAssignedIdentity").length, 1, "no pull identity unless asked");
  });

  it("grants Contributor on the container group resource group, reading ACI usages and metrics on the subscription and Network Contributor on the ACI subnet only", async () => {
    const { resources } = await declared(() => {
      new BurstletIdentity("id", { resourceGroupName: "rg", containerGroupResourceGroupId: rgId, aciSubnetId: subnetId, oidcIssuerUrl: OIDC_ISSUER });
    });
    const custom = (name: string): string => ofType(resources, "azure-native:authorization:RoleDefinition").find((r) => r.name === name)!.id;
    // Registration order follows when each input resolves: compare in a fixed order.
    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map((r): unknown[] => [r.inputs.roleDefinitionId, r.inputs.scope, r.inputs.principalId, r.inputs.principalType]).sort((a, b) => byScopeLength(a, b) || String(a[0]).localeCompare(String(b[0])));
    assert.deepEqual(grants, [
      ...[custom("id-aci-usage-reader"), custom("id-metrics-reader")].sort((a, b) => a.localeCompare(b)).map((id) => [id, `/subscriptions/${SUBSCRIPTION_ID}`, "principal-id-burstlet", "ServicePrincipal"]),
      [role("b24988ac-6180-42a0-ab88-20f7382dd24c"), rgId, "principal-id-burstlet", "ServicePrincipal"],
      [role("4d97b98b-1d4f-4787-a291-c67834d212e7"), subnetId, "principal-id-burstlet", "ServicePrincipal"],
    ]);
  });

  for (const [name, action, roleName] of [
    ["id-aci-usage-reader", "Microsoft.ContainerInstance/locations/usages/read", "burstlet ACI usage reader (id-burstlet)"],
    ["id-metrics-reader", "Microsoft.Insights/metrics/read", "burstlet metrics reader (id-burstlet)"],
  ] as const) {
    it(`defines ${roleName.split(" (")[0]} with exactly the one action ${action}, assignable only on the subscription`, async () => {
      const { resources } = await declared(() => {
        new BurstletIdentity("id", { resourceGroupName: "rg", containerGroupResourceGroupId: rgId, oidcIssuerUrl: OIDC_ISSUER });
      });
      const definition = ofType(resources, "azure-native:authorization:RoleDefinition").find((r) => r.name === name)!;
      assert.deepEqual(definition.inputs.permissions, [{ actions: [action], notActions: [], dataActions: [], notDataActions: [] }]);
      assert.deepEqual(definition.inputs.assignableScopes, [`/subscriptions/${SUBSCRIPTION_ID}`]);
      assert.equal(definition.inputs.scope, `/subscriptions/${SUBSCRIPTION_ID}`);
      assert.equal(definition.inputs.roleType, "CustomRole");
      assert.equal(definition.inputs.roleName, roleName);
    });
  }

  it("adds a pull identity with AcrPull, and lets burstlet assign only that identity", async () => {
    let id!: BurstletIdentity;
    const { resources } = await declared(() => {
      id = new BurstletIdentity("id", { resourceGroupName: "rg", containerGroupResourceGroupId: rgId, oidcIssuerUrl: OIDC_ISSUER, pullRegistryId: registryId });
    });
    const pullIdentityId = await valueOf(id.pullIdentityId!);
    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map((r): unknown[] => [r.name, r.inputs.roleDefinitionId, r.inputs.scope, r.inputs.principalId]);
    assert.deepEqual(grants.filter(([n]) => n === "id-pull-acr" || n === "id-assign-pull").sort(), [
      ["id-assign-pull", role("f1a07417-d97a-45cb-824c-7a7467783830"), pullIdentityId, "principal-id-burstlet"],
      ["id-pull-acr", role("7f951dda-4ed3-4680-a7ca-43fe172d538d"), registryId, "principal-id-pull"],
    ]);
    for (const r of resources) assert.doesNotMatch(JSON.stringify(r.inputs), /secret|password/i, `${r.name} carries no secret`);
  });

  it("rejects a namespace that is not a DNS label", () => {
    assert.throws(
      () => new BurstletIdentity("bad", { resourceGroupName: "rg", containerGroupResourceGroupId: rgId, oidcIssuerUrl: OIDC_ISSUER, namespace: "Burst_Let" }),
      /BurstletIdentity "bad": namespace: must be a DNS label.*"Burst_Let"/,
    );
  });
});
