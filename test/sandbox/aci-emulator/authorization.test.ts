import assert from "node:assert/strict";
import https from "node:https";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { actionMatches, Authorizer, type AciEmulator, BUILT_IN_ROLE_DEFINITIONS, scopeCovers } from "../../../sandbox/aci-emulator";
import { linkedPermissions, requiredPermissions } from "../../../sandbox/aci-emulator/actions";
import { assertNoSpecViolations, collect, fastEmulator, group, POLL, rejection } from "./fixture";

const SUB = "/subscriptions/6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80";
const RG = `${SUB}/resourceGroups/burstlet-sandbox`;
const SUBNET = `${SUB}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci`;
const PULL = `${SUB}/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull`;
const role = (name: string): string => BUILT_IN_ROLE_DEFINITIONS.find((r) => r.name === name)!.id;

describe("ACI emulator: authorization (pure)", () => {
  it("matches actions like ARM: case-insensitive, * over any text, a * segment also over none", () => {
    assert.ok(actionMatches("*", "Microsoft.ContainerInstance/containerGroups/write"));
    assert.ok(actionMatches("*/read", "microsoft.containerinstance/locations/usages/READ"));
    assert.ok(!actionMatches("*/read", "Microsoft.ContainerInstance/containerGroups/write"));
    assert.ok(actionMatches("Microsoft.Network/*", "Microsoft.Network/virtualNetworks/subnets/join/action"));
    assert.ok(actionMatches("Microsoft.ManagedIdentity/userAssignedIdentities/*/assign/action", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action"));
    assert.ok(actionMatches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write"));
    assert.ok(!actionMatches("Microsoft.Network/*", "Microsoft.NetworkFunction/x/read"));
    assert.ok(!actionMatches("Microsoft.ContainerInstance/containerGroups/read", "Microsoft.ContainerInstance/containerGroups/readx"));
  });

  it("grants a scope's children, never its parent or a sibling with a longer name", () => {
    assert.ok(scopeCovers(SUB, `${RG}/providers/Microsoft.ContainerInstance/containerGroups/a`));
    assert.ok(scopeCovers(RG.toUpperCase(), RG));
    assert.ok(!scopeCovers(RG, SUB));
    assert.ok(!scopeCovers(RG, `${RG}-other/providers/x`));
  });

  it("Contributor may do anything but grant access; Network Contributor joins subnets; Reader only reads", () => {
    const a = new Authorizer({ assignments: [
      { principalId: "p", roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role("Contributor")}`, scope: RG },
      { principalId: "p", roleDefinitionId: role("Network Contributor"), scope: SUBNET },
      { principalId: "r", roleDefinitionId: role("Reader"), scope: SUB },
    ] });
    assert.ok(a.allows("p", { action: "Microsoft.ContainerInstance/containerGroups/write", scope: `${RG}/providers/Microsoft.ContainerInstance/containerGroups/g` }));
    assert.ok(!a.allows("p", { action: "Microsoft.Authorization/roleAssignments/write", scope: RG }));
    assert.ok(!a.allows("p", { action: "Microsoft.ContainerInstance/locations/usages/read", scope: `${SUB}/providers/Microsoft.ContainerInstance/locations/westeurope` }));
    assert.ok(a.allows("p", { action: "Microsoft.Network/virtualNetworks/subnets/join/action", scope: SUBNET }));
    assert.ok(!a.allows("p", { action: "Microsoft.Network/virtualNetworks/subnets/join/action", scope: SUBNET.replace("/aci", "/other") }));
    assert.ok(a.allows("r", { action: "Microsoft.ContainerInstance/locations/usages/read", scope: `${SUB}/providers/Microsoft.ContainerInstance/locations/westeurope` }));
    assert.ok(!a.allows("r", { action: "Microsoft.ContainerInstance/containerGroups/delete", scope: RG }));
  });

  it("refuses an assignment of a role it does not know, naming it", () => {
    assert.throws(() => new Authorizer().assign({ principalId: "p", roleDefinitionId: "0000", scope: SUB }), /unknown role definition '0000'/);
  });

  it("a create needs the group's write, a join per subnet and an assign per user-assigned identity", () => {
    const body = { location: "westeurope", identity: { type: "UserAssigned", userAssignedIdentities: { [PULL]: {} } }, properties: { subnetIds: [{ id: SUBNET }] } };
    const params = { subscriptionId: SUB.split("/")[2], resourceGroupName: "burstlet-sandbox", containerGroupName: "g" };
    const required = requiredPermissions("ContainerGroups_CreateOrUpdate", params, body)!;
    assert.deepEqual(required.primary, { action: "Microsoft.ContainerInstance/containerGroups/write", scope: `${RG}/providers/Microsoft.ContainerInstance/containerGroups/g` });
    assert.deepEqual(linkedPermissions(body), [
      { action: "Microsoft.Network/virtualNetworks/subnets/join/action", scope: SUBNET },
      { action: "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", scope: PULL },
    ]);
    assert.equal(requiredPermissions("Operations_List", {}, undefined), undefined);
  });
});

describe("ACI emulator: authorization through the SDK", () => {
  let emu: AciEmulator;
  const outsider = { clientId: "outsider-client", objectId: "outsider-object" };
  let outsiderClient: ContainerInstanceManagementClient;

  before(async () => {
    emu = await fastEmulator();
    emu.tokens.addClient(outsider);
    outsiderClient = new ContainerInstanceManagementClient(emu.credential(outsider.clientId), emu.subscriptionId, { endpoint: emu.endpoint, agent: emu.agent(), retryOptions: { maxRetries: 0 } });
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });
  afterEach(() => emu.authorization!.clearDenials());

  it("lets the emulator's own client do what burstlet's grants allow, with no denial", async () => {
    const client = emu.client();
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "own", group(emu), POLL);
    assert.ok((await collect(client.location.listUsage(emu.location))).length > 0);
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "own", POLL);
    assert.equal(emu.authorization!.denials.total, 0);
  });

  it("answers a principal without a role ARM's 403 AuthorizationFailed, naming client, action and scope", async () => {
    const err = await rejection(collect(outsiderClient.containerGroups.listByResourceGroup(emu.resourceGroup)));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, "AuthorizationFailed");
    assert.equal(err.message, `The client '${outsider.objectId}' with object id '${outsider.objectId}' does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/read' over scope '${RG}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
    assert.deepEqual(emu.authorization!.denials.recent.map((d) => [d.principalId, d.action, d.linked]), [[outsider.objectId, "Microsoft.ContainerInstance/containerGroups/read", false]]);
  });

  it("takes the principal from the token: the same call with the own client's token passes", async () => {
    assert.deepEqual(await collect(emu.client().containerGroups.listByResourceGroup(emu.resourceGroup)), []);
  });

  it("checks linked resources: a subnet to join without Network Contributor is LinkedAuthorizationFailed; granted, it passes", async () => {
    const client = emu.client({ retryOptions: { maxRetries: 0 } });
    const body = { ...group(emu), subnetIds: [{ id: SUBNET }] };
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "joined", body, POLL));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, "LinkedAuthorizationFailed");
    assert.match(err.message, new RegExp(`perform action\\(s\\) 'Microsoft\\.Network/virtualNetworks/subnets/join/action' on the linked scope\\(s\\) '${SUBNET.replace(/[.]/g, "\\.")}'`));
    assert.equal(emu.groups().length, 0, "a denied create creates nothing");
    emu.authorization!.assign({ principalId: emu.tokens.principal.objectId, roleDefinitionId: role("Network Contributor"), scope: SUBNET });
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "joined", body, POLL);
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "joined", POLL);
  });

  it("needs Managed Identity Operator on a user-assigned identity to assign it to a group", async () => {
    const client = emu.client({ retryOptions: { maxRetries: 0 } });
    const body = { ...group(emu), identity: { type: "UserAssigned" as const, userAssignedIdentities: { [PULL]: {} } } };
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "assigned", body, POLL));
    assert.equal(err.code, "LinkedAuthorizationFailed");
    assert.match(err.message, /'Microsoft\.ManagedIdentity\/userAssignedIdentities\/assign\/action'/);
    emu.authorization!.assign({ principalId: emu.tokens.principal.objectId, roleDefinitionId: role("Managed Identity Operator"), scope: PULL });
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "assigned", body, POLL);
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, "assigned", POLL);
  });

  it("shows assignments and denials on the control endpoint", async () => {
    await rejection(collect(outsiderClient.containerGroups.listByResourceGroup(emu.resourceGroup)));
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`${emu.endpoint}/_emulator/authorization`, { agent: emu.agent() }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve(text));
      }).on("error", reject);
    });
    const answer = JSON.parse(body) as { enabled: boolean; assignments: Array<{ principalId: string }>; denials: { total: number; recent: Array<{ action: string }> } };
    assert.equal(answer.enabled, true);
    assert.ok(answer.assignments.some((x) => x.principalId === emu.tokens.principal.objectId));
    assert.equal(answer.denials.total, 1);
    assert.equal(answer.denials.recent[0].action, "Microsoft.ContainerInstance/containerGroups/read");
  });

  it("can be turned off, for tests of something else", async () => {
    const open = await fastEmulator({ authorization: false });
    try {
      open.tokens.addClient(outsider);
      const client = new ContainerInstanceManagementClient(open.credential(outsider.clientId), open.subscriptionId, { endpoint: open.endpoint, agent: open.agent() });
      assert.deepEqual(await collect(client.containerGroups.listByResourceGroup(open.resourceGroup)), []);
      assert.equal(open.authorization, undefined);
    } finally {
      await open.close();
    }
  });
});
