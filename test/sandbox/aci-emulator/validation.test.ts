import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { assertNoSpecViolations, fastEmulator, group, POLL, rejection } from "./fixture";

describe("ACI emulator: request validation (spec schemas and service rules)", () => {
  let emu: AciEmulator;
  let client: ContainerInstanceManagementClient;

  before(async () => {
    emu = await fastEmulator();
    client = emu.client();
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  /** Sends a raw JSON body through the SDK's pipeline (auth, retries), bypassing its serializer. */
  async function putRaw(name: string, body: unknown, apiVersion: string | null = "2023-05-01"): Promise<{ status: number; error: { code: string; message: string; target?: string } }> {
    const query = apiVersion === null ? "" : `?api-version=${apiVersion}`;
    const url = `${emu.endpoint}/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${name}${query}`;
    const response = await client.sendRequest(createPipelineRequest({ url, method: "PUT", body: JSON.stringify(body), headers: undefined }));
    return { status: response.status, ...(JSON.parse(response.bodyAsText ?? "{}") as { error: { code: string; message: string } }) };
  }

  const valid = (): Record<string, unknown> => ({
    location: "westeurope",
    properties: { osType: "Linux", containers: [{ name: "main", properties: { image: "busybox", resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] },
  });

  it("rejects a body without `properties` with InvalidRequestContent naming the property", async () => {
    const r = await putRaw("raw1", { location: "westeurope" });
    assert.equal(r.status, 400);
    assert.equal(r.error.code, "InvalidRequestContent");
    assert.equal(r.error.message, "The request content was invalid and could not be deserialized: 'Required property 'properties' not found in JSON. Path ''.'.");
  });

  it("names the path of a missing nested field (image)", async () => {
    const body = valid();
    delete (body as { properties: { containers: Array<{ properties: Record<string, unknown> }> } }).properties.containers[0].properties.image;
    const r = await putRaw("raw2", body);
    assert.equal(r.status, 400);
    assert.equal(r.error.code, "InvalidRequestContent");
    assert.match(r.error.message, /Required property 'image' not found in JSON\. Path 'properties\.containers\[0\]\.properties'/);
    assert.equal(r.error.target, "properties.containers[0].properties.image");
  });

  it("rejects a wrong type with the JSON.NET conversion message and path", async () => {
    const body = valid() as { properties: { containers: Array<{ properties: { resources: { requests: Record<string, unknown> } } }> } };
    body.properties.containers[0].properties.resources.requests.cpu = "one";
    const r = await putRaw("raw3", body);
    assert.equal(r.error.code, "InvalidRequestContent");
    assert.match(r.error.message, /Error converting value "one" to type 'System\.Double'\. Path 'properties\.containers\[0\]\.properties\.resources\.requests\.cpu'/);
  });

  it("rejects a non-integer port (int32)", async () => {
    const body = valid() as { properties: { containers: Array<{ properties: Record<string, unknown> }> } };
    body.properties.containers[0].properties.ports = [{ port: 80.5 }];
    const r = await putRaw("raw4", body);
    assert.equal(r.error.code, "InvalidRequestContent");
    assert.match(r.error.message, /Path 'properties\.containers\[0\]\.properties\.ports\[0\]\.port'/);
  });

  it("requires the nested wire shape of x-ms-client-flatten models", async () => {
    const flattened = { location: "westeurope", properties: { osType: "Linux", containers: [{ name: "main", image: "busybox", resources: { requests: { cpu: 1, memoryInGB: 1 } } }] } };
    const r = await putRaw("raw5", flattened);
    assert.match(r.error.message, /Required property 'properties' not found in JSON\. Path 'properties\.containers\[0\]'/);
  });

  it("requires api-version", async () => {
    const r = await putRaw("raw6", valid(), null);
    assert.equal(r.status, 400);
    assert.equal(r.error.code, "MissingApiVersionParameter");
  });

  it("rejects an enum value outside the spec through the typed SDK", async () => {
    const body = group(emu);
    body.restartPolicy = "Sometimes";
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "enum", body, POLL));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "InvalidRequestContent");
    assert.match(err.message, /"Sometimes" to type 'ContainerGroupRestartPolicy'\. Path 'properties\.restartPolicy'/);
  });

  it("rejects a container limit above the group's total request (ContainerLimitGreaterThanContainerGroupTotalRequest)", async () => {
    const body = group(emu, { cpu: 0.5 });
    body.containers[0].resources.limits = { cpu: 1.5 };
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "limits", body, POLL));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "ContainerLimitGreaterThanContainerGroupTotalRequest");
    assert.equal(err.message, "The 'Cpu' limit '1.5' in container 'main' is greater than the total request '0.5' of container group 'limits'.");
  });

  it("enforces the regional per-group CPU and memory bounds", async () => {
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "huge", group(emu, { cpu: 5 }), POLL));
    assert.equal(err.statusCode, 409);
    assert.match(err.message, /'5' CPU .* is not available in the location 'westeurope'/);
    const zero = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "zero", group(emu, { memoryInGB: 0 }), POLL));
    assert.equal(zero.statusCode, 400);
  });

  it("enforces the naming rules of groups and containers", async () => {
    for (const name of ["Upper", "under_score", "-lead", "a".repeat(64)]) {
      const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, name, group(emu), POLL));
      assert.equal(err.code, "InvalidResourceName", name);
    }
    const body = group(emu);
    body.containers[0].name = "Main";
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "okname", body, POLL));
    assert.equal(err.code, "InvalidContainerName");
    const ok = await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "a".repeat(63), group(emu), POLL);
    assert.equal(ok.provisioningState, "Succeeded");
  });

  it("rejects an image that cannot be pulled with InaccessibleImage", async () => {
    const err = await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "badimage", group(emu, { image: "library/doesnotexist:latest" }), POLL));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, "InaccessibleImage");
  });

  it("requires a location ARM knows", async () => {
    const noLocation = group(emu);
    delete noLocation.location;
    assert.equal((await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "noloc", noLocation, POLL))).code, "LocationRequired");
    const elsewhere = { ...group(emu), location: "mars" };
    assert.equal((await rejection(client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "mars", elsewhere, POLL))).code, "LocationNotAvailableForResourceType");
  });

  it("created no group for any rejected request", () => {
    assert.deepEqual(emu.groups().map((g) => g.name), ["a".repeat(63)]);
  });
});
