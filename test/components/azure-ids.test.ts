import assert from "node:assert/strict";
import fc from "fast-check";
import { parseVirtualNetworkId, registryLogicalName, roleDefinitionId, roleGuidOf, serviceAccountSubject, subscriptionOf } from "../../components/azure-ids";

const sub = "00000000-1111-2222-3333-444444444444";

describe("azure-ids", () => {
  it("writes role definition IDs in subscription-qualified form", () => {
    assert.equal(roleDefinitionId(sub, "acrPull"), `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`);
    assert.equal(roleGuidOf(roleDefinitionId(sub, "contributor")), "b24988ac-6180-42a0-ab88-20f7382dd24c");
  });

  it("finds the subscription of any resource ID", () => {
    assert.equal(subscriptionOf(`/subscriptions/${sub}/resourceGroups/rg`, "f"), sub);
    assert.throws(() => subscriptionOf("rg", "scope"), /scope: must be an Azure resource ID/);
  });

  it("splits VNet IDs", () => {
    assert.deepEqual(parseVirtualNetworkId(`/subscriptions/${sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp`, "f"), {
      subscriptionId: sub,
      resourceGroupName: "net",
      virtualNetworkName: "corp",
    });
  });

  it("makes registry names of 5-42 letters and digits from any name", () => {
    fc.assert(fc.property(fc.string(), (name) => assert.match(registryLogicalName(name), /^[a-z0-9]{5,42}$/)));
  });

  it("builds the service account subject", () => {
    assert.equal(serviceAccountSubject("burstlet", "burstlet"), "system:serviceaccount:burstlet:burstlet");
  });
});
