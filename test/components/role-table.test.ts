import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { BUILT_IN_ROLES, roleGuidOf } from "../../components/azure-ids";
import { HybridCluster } from "../../components/hybrid-cluster";
import { CUSTOM_ROLES, ROLE_TABLE, roleTableMarkdown, scopeKindOf } from "../../components/role-table";
import { declared, ofType, SUBSCRIPTION_ID, useMocks } from "./mocks";

const SUB = `/subscriptions/${SUBSCRIPTION_ID}`;

describe("role table", () => {
  before(() => useMocks());

  it("is what docs/pulumi.md prints", () => {
    const docs = readFileSync(path.join(__dirname, "../../docs/pulumi.md"), "utf8");
    assert.ok(docs.includes(roleTableMarkdown()), "docs/pulumi.md carries the table of components/role-table.ts verbatim");
  });

  it("tells the kinds of scope apart", () => {
    assert.equal(scopeKindOf(SUB), "subscription");
    assert.equal(scopeKindOf(`${SUB}/resourceGroups/rg`), "resourceGroup");
    assert.equal(scopeKindOf(`${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`), "subnet");
    assert.equal(scopeKindOf(`${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i`), "userAssignedIdentity");
    assert.equal(scopeKindOf(`${SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r`), "registry");
    assert.equal(scopeKindOf(`${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`), "other");
    assert.equal(scopeKindOf("/"), "other");
  });

  it("has a row for every role assignment a HybridCluster declares, on its kind of scope", async () => {
    const { resources } = await declared(() => new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope" }));
    // A custom role is the table's by its actions.
    const custom = new Map(ofType(resources, "azure-native:authorization:RoleDefinition").map((r) => {
      const actions = JSON.stringify((r.inputs.permissions as Array<{ actions: string[] }>).flatMap((p) => p.actions));
      return [r.id, Object.entries(CUSTOM_ROLES).find(([, role]) => JSON.stringify(role.actions) === actions)?.[0]];
    }));
    const grants = ofType(resources, "azure-native:authorization:RoleAssignment").map((a) => {
      const id = String(a.inputs.roleDefinitionId);
      const role = custom.has(id) ? custom.get(id) : Object.entries(BUILT_IN_ROLES).find(([, guid]) => guid === roleGuidOf(id))?.[0];
      return `${role} on ${scopeKindOf(String(a.inputs.scope))}`;
    });
    const rows = new Set(ROLE_TABLE.map((r) => `${r.role} on ${r.scope}`));
    for (const g of grants) assert.ok(rows.has(g), `${g} is a row of the table`);
    assert.equal(new Set(grants).size, rows.size, "every row of the table is something HybridCluster grants");
  });
});
