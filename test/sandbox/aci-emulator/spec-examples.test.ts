import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { createPipelineRequest, type HttpMethods } from "@azure/core-rest-pipeline";
import { loadSpec, type AciEmulator } from "../../../sandbox/aci-emulator";
import { asOwner, assertNoSpecViolations, fastEmulator, getUntil } from "./fixture";
import { OFFICIAL_SPEC_MISSING, officialExamples, officialSpecDir } from "./official-spec";

/** Every key of `expected` exists in `actual` with the same JSON type, recursively (arrays index by index). */
function assertShape(actual: unknown, expected: unknown, path = "$"): void {
  if (expected === null || expected === undefined) return;
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path} should be an array`);
    if (expected.length > 0) assert.ok(actual.length > 0, `${path} should not be empty`);
    expected.forEach((item, i) => i < actual.length && assertShape(actual[i], item, `${path}[${i}]`));
    return;
  }
  if (typeof expected === "object") {
    assert.ok(typeof actual === "object" && actual !== null && !Array.isArray(actual), `${path} should be an object`);
    for (const [k, v] of Object.entries(expected)) {
      assert.ok(k in actual, `${path}.${k} is missing`);
      assertShape((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    }
    return;
  }
  assert.equal(typeof actual, typeof expected, `${path} should be a ${typeof expected}`);
}

/** A response body of the spec turned back into a request: read-only properties removed. */
function asRequest(body: Record<string, unknown>, image?: string): Record<string, unknown> {
  const copy = structuredClone(body) as { properties: Record<string, unknown> & { containers: Array<{ properties: Record<string, unknown> }>; ipAddress?: Record<string, unknown> } };
  for (const k of ["id", "name", "type"]) delete (copy as Record<string, unknown>)[k];
  delete copy.properties.provisioningState;
  delete copy.properties.instanceView;
  delete copy.properties.ipAddress?.ip;
  delete copy.properties.ipAddress?.fqdn;
  for (const c of copy.properties.containers) {
    delete c.properties.instanceView;
    if (image) c.properties.image = image;
  }
  return copy;
}

const officialDir = officialSpecDir();

describe("ACI emulator: every example of the official specification round-trips", () => {
  if (!officialDir) {
    it(`pending: ${OFFICIAL_SPEC_MISSING}`);
    return;
  }
  const spec = loadSpec();
  const examples = officialExamples(officialDir);
  let emu: AciEmulator;
  let client: ContainerInstanceManagementClient;

  before(async () => {
    emu = await fastEmulator(asOwner({ extraLocations: ["westus"] }));
    client = emu.client();
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  async function send(method: HttpMethods, path: string, body?: unknown, query = ""): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
    const url = `${emu.endpoint}/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.ContainerInstance/${path}?api-version=${spec.apiVersion}${query}`;
    const res = await client.sendRequest(createPipelineRequest({ url, method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    return { status: res.status, headers: res.headers.toJSON(), body: res.bodyAsText ? (JSON.parse(res.bodyAsText) as unknown) : undefined };
  }

  it("has the examples beside the spec, each valid against the spec's own response schemas", () => {
    assert.deepEqual(examples.map((e) => e.operationId).sort(), ["ContainerGroups_CreateOrUpdate", "ContainerGroups_Delete", "ContainerGroups_Get", "ContainerGroups_Get", "ContainerGroups_Start", "Containers_ListLogs"]);
    for (const e of examples) {
      for (const [status, response] of Object.entries(e.responses)) {
        assert.deepEqual(spec.checkResponse(e.operationId, Number(status), response.body), [], `${e.file} ${status}`);
      }
    }
  });

  for (const example of examples) {
    it(`${example.file}: the request is accepted and the answer has the example's shape`, async () => {
      const name = String(example.parameters.containerGroupName);
      let answer: Awaited<ReturnType<typeof send>>;
      switch (example.operationId) {
        case "ContainerGroups_CreateOrUpdate": {
          // The example lists `zones` beside the body; on the wire (and in the SDK's model) it is part of it.
          const body = { ...(example.parameters.containerGroup as Record<string, unknown>), ...(example.parameters.zones ? { zones: example.parameters.zones } : {}) };
          assert.deepEqual(spec.check("ContainerGroup", body), [], "the example request is valid");
          answer = await send("PUT", `containerGroups/${name}-put`, body);
          break;
        }
        case "ContainerGroups_Get": {
          const failed = example.file.includes("Failed");
          const source = example.responses["200"].body as Record<string, unknown>;
          const target = `${name}-${failed ? "failed" : "ok"}`;
          const created = await send("PUT", `containerGroups/${target}`, asRequest(source, failed ? "private.example/unpullable:1" : undefined));
          assert.equal(created.status, 201);
          await getUntil(client, emu, target, (g) => g.provisioningState === (failed ? "Failed" : "Succeeded"));
          answer = await send("GET", `containerGroups/${target}`);
          break;
        }
        case "ContainerGroups_Delete":
        case "ContainerGroups_Start": {
          const source = examples.find((e) => e.file === "ContainerGroupsGet_Succeeded.json")!.responses["200"].body as Record<string, unknown>;
          const target = `${name}-${example.operationId === "ContainerGroups_Delete" ? "del" : "start"}`;
          await send("PUT", `containerGroups/${target}`, asRequest(source));
          await getUntil(client, emu, target, (g) => g.provisioningState === "Succeeded");
          answer = example.operationId === "ContainerGroups_Delete" ? await send("DELETE", `containerGroups/${target}`) : await send("POST", `containerGroups/${target}/start`);
          break;
        }
        case "Containers_ListLogs": {
          await send("PUT", `containerGroups/${name}-logs`, { location: emu.location, properties: { osType: "Linux", restartPolicy: "Never", containers: [{ name: String(example.parameters.containerName), properties: { image: "busybox", command: ["echo", "log content"], resources: { requests: { cpu: 1, memoryInGB: 1 } } } }] } });
          await getUntil(client, emu, `${name}-logs`, (g) => g.instanceView?.state === "Succeeded");
          answer = await send("GET", `containerGroups/${name}-logs/containers/${String(example.parameters.containerName)}/logs`, undefined, `&tail=${String(example.parameters.tail)}`);
          assert.equal((answer.body as { content: string }).content, "log content\n");
          break;
        }
        default:
          assert.fail(`no round-trip for ${example.operationId}`);
      }
      const expected = example.responses[String(answer.status)];
      assert.ok(expected, `${example.file}: status ${answer.status} is one of ${Object.keys(example.responses).join(", ")}`);
      assertShape(answer.body, expected.body);
      for (const header of Object.keys(expected.headers ?? {})) assert.ok(answer.headers[header.toLowerCase()], `header ${header}`);
      assert.deepEqual(spec.checkResponse(example.operationId, answer.status, answer.body), []);
    });
  }
});
