/**
 * Pulls from an Azure Container Registry the emulator knows go through Azure RBAC, as ACI's do: the
 * user-assigned identity a group names in `imageRegistryCredentials` needs AcrPull's
 * `registries/pull/read` on the registry, else the create fails with 400 `InaccessibleImage`.
 */
import assert from "node:assert/strict";
import type { ContainerGroup } from "@azure/arm-containerinstance";
import { type AciEmulator, BUILT_IN_ROLE_DEFINITIONS } from "../../../sandbox/aci-emulator";
import { registryHost } from "../../../sandbox/aci-emulator/registries";
import { assertNoSpecViolations, fastEmulator, getUntil, group, POLL, rejection } from "./fixture";

const SUB = "/subscriptions/6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80";
const REGISTRY = `${SUB}/resourceGroups/acr/providers/Microsoft.ContainerRegistry/registries/burstletimages`;
const OTHER_REGISTRY = `${SUB}/resourceGroups/acr/providers/Microsoft.ContainerRegistry/registries/other`;
const PULL = `${SUB}/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull`;
const PULL_OBJECT = "pull-identity-object";
const IMAGE = "burstletimages.azurecr.io/worker:1";
const role = (name: string): string => BUILT_IN_ROLE_DEFINITIONS.find((r) => r.name === name)!.id;

describe("ACI emulator: registry host of an image", () => {
  it("is the first segment when it names a host, lower-cased; Docker Hub's short names have none", () => {
    assert.equal(registryHost("BurstletImages.azurecr.io/worker:1"), "burstletimages.azurecr.io");
    assert.equal(registryHost("localhost:5000/app"), "localhost:5000");
    assert.equal(registryHost("library/busybox:1.36"), undefined);
    assert.equal(registryHost("busybox"), undefined);
  });
});

describe("ACI emulator: pulls from Azure Container Registry by the pull identity's role assignments", () => {
  let emu: AciEmulator;
  let n = 0;

  before(async () => {
    emu = await fastEmulator({
      registries: [{ loginServer: "burstletimages.azurecr.io", id: REGISTRY }, { loginServer: "other.azurecr.io", id: OTHER_REGISTRY }],
      userAssignedIdentities: [{ id: PULL, principalId: PULL_OBJECT }],
    });
    // The emulator's own client may assign the pull identity (as burstlet's Managed Identity Operator grant allows).
    emu.authorization!.assign({ principalId: emu.tokens.principal.objectId, roleDefinitionId: role("Managed Identity Operator"), scope: PULL });
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });
  afterEach(() => emu.authorization!.clearDenials());

  /** A group pulling `image` with the pull identity (as burstlet translates a pod from an ACR image). */
  function pulling(image: string, credentials: ContainerGroup["imageRegistryCredentials"] = [{ server: image.split("/")[0], identity: PULL }]): ContainerGroup {
    const base = group(emu, { image, command: ["sleep", "infinity"] });
    return { ...base, identity: { type: "UserAssigned", userAssignedIdentities: { [PULL]: {} } }, imageRegistryCredentials: credentials };
  }

  it("refuses the create with ACI's InaccessibleImage when the pull identity has no AcrPull on the registry, recording the denial", async () => {
    const name = `denied-${++n}`;
    const err = await rejection(emu.client({ retryOptions: { maxRetries: 0 } }).containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, name, pulling(IMAGE), POLL));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "InaccessibleImage");
    assert.equal(err.message, `The image '${IMAGE}' in container group '${name}' is not accessible. Please check the image and registry credential.`);
    assert.deepEqual(emu.authorization!.denials.recent.map((d) => [d.principalId, d.action, d.scope]), [[PULL_OBJECT, "Microsoft.ContainerRegistry/registries/pull/read", REGISTRY]]);
    assert.equal(emu.groups().length, 0, "a refused create creates nothing");
  });

  it("refuses it too with AcrPull on another registry only, or with no credential for the registry", async () => {
    emu.authorization!.assign({ principalId: PULL_OBJECT, roleDefinitionId: role("AcrPull"), scope: OTHER_REGISTRY });
    try {
      const client = emu.client({ retryOptions: { maxRetries: 0 } });
      assert.equal((await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, `elsewhere-${++n}`, pulling(IMAGE), POLL))).code, "InaccessibleImage");
      assert.equal((await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, `anonymous-${++n}`, pulling(IMAGE, []), POLL))).code, "InaccessibleImage");
    } finally {
      emu.authorization!.unassign((a) => a.principalId === PULL_OBJECT);
    }
  });

  it("pulls and runs once the pull identity holds AcrPull on the registry", async () => {
    emu.authorization!.assign({ principalId: PULL_OBJECT, roleDefinitionId: role("AcrPull"), scope: REGISTRY });
    try {
      const client = emu.client();
      const name = `granted-${++n}`;
      await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, name, pulling(IMAGE), POLL);
      const running = await getUntil(client, emu, name, (g) => g.containers[0].instanceView?.currentState?.state === "Running");
      assert.ok(running.containers[0].instanceView?.events?.some((e) => e.name === "Pulled"));
      assert.equal(emu.authorization!.denials.total, 0);
      await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, name, POLL);
    } finally {
      emu.authorization!.unassign((a) => a.principalId === PULL_OBJECT);
    }
  });

  it("leaves registries it does not know to the behaviour convention", async () => {
    const client = emu.client();
    const name = `unknown-registry-${++n}`;
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, name, pulling("ghcr.io/acme/worker:1"), POLL);
    assert.equal(emu.authorization!.denials.total, 0);
    await client.containerGroups.beginDeleteAndWait(emu.resourceGroup, name, POLL);
  });
});
