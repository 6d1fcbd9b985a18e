import assert from "node:assert/strict";
import type { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { createPipelineRequest, type HttpMethods } from "@azure/core-rest-pipeline";
import { loadSpec, type AciEmulator } from "../../../sandbox/aci-emulator";
import { assertNoSpecViolations, fastEmulator, getUntil, POLL } from "./fixture";

describe("ACI emulator: every response validates against the specification", () => {
  const spec = loadSpec();
  let emu: AciEmulator;
  let client: ContainerInstanceManagementClient;
  const seen = new Set<string>();

  before(async () => {
    emu = await fastEmulator({ pageSize: 1, extraResourceGroups: ["other"] });
    client = emu.client();
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  /** Sends through the SDK pipeline and checks the raw answer against the spec's response schema. */
  async function checked(operationId: string, method: HttpMethods, path: string, body?: unknown, query = ""): Promise<{ status: number; body: unknown }> {
    const url = path.startsWith("https://") ? path : `${emu.endpoint}${path}?api-version=${spec.apiVersion}${query}`;
    const res = await client.sendRequest(createPipelineRequest({ url, method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
    const parsed = res.bodyAsText ? (JSON.parse(res.bodyAsText) as unknown) : undefined;
    assert.deepEqual(spec.checkResponse(operationId, res.status, parsed), [], `${operationId} ${res.status}: ${res.bodyAsText ?? ""}`);
    seen.add(operationId);
    return { status: res.status, body: parsed };
  }

  const sub = (): string => `/subscriptions/${emu.subscriptionId}`;
  const rg = (): string => `${sub()}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.ContainerInstance`;
  const full = (name: string): Record<string, unknown> => ({
    location: emu.location,
    tags: { app: "demo" },
    identity: { type: "SystemAssigned" },
    properties: {
      osType: "Linux",
      restartPolicy: "OnFailure",
      containers: [
        {
          name: "app",
          properties: {
            image: "nginx",
            command: ["sh", "-c", "echo up; exit 1"],
            ports: [{ port: 80, protocol: "TCP" }],
            environmentVariables: [{ name: "K", secureValue: "v" }],
            resources: { requests: { cpu: 1, memoryInGB: 1.5 }, limits: { cpu: 1, memoryInGB: 1.5 } },
            volumeMounts: [{ name: "cfg", mountPath: "/cfg" }],
            livenessProbe: { exec: { command: ["true"] }, periodSeconds: 10 },
          },
        },
      ],
      initContainers: [{ name: "init", properties: { image: "busybox", command: ["true"] } }],
      imageRegistryCredentials: [{ server: "registry.example", username: "u", password: "p" }],
      ipAddress: { type: "Public", ports: [{ port: 80, protocol: "TCP" }], dnsNameLabel: name },
      volumes: [{ name: "cfg", secret: { "a.txt": "aGk=" } }],
      diagnostics: { logAnalytics: { workspaceId: "w", workspaceKey: "k" } },
    },
  });

  it("covers creation, reads, lists, actions, logs, exec, usages, capabilities and errors", async () => {
    const created = await checked("ContainerGroups_CreateOrUpdate", "PUT", `${rg()}/containerGroups/full`, full("full"));
    assert.equal(created.status, 201);
    await getUntil(client, emu, "full", (g) => (g.containers[0].instanceView?.restartCount ?? 0) >= 1);
    const got = await checked("ContainerGroups_Get", "GET", `${rg()}/containerGroups/full`);
    assert.equal((got.body as { properties: { initContainers: Array<{ properties: { instanceView: { currentState: { exitCode: number } } } }> } }).properties.initContainers[0].properties.instanceView.currentState.exitCode, 0);
    await checked("ContainerGroups_CreateOrUpdate", "PUT", `${rg()}/containerGroups/second`, full("second"));
    const page1 = await checked("ContainerGroups_ListByResourceGroup", "GET", `${rg()}/containerGroups`);
    const next = (page1.body as { nextLink?: string }).nextLink;
    assert.ok(next, "a page size of 1 gives a nextLink");
    await checked("ContainerGroups_ListByResourceGroup", "GET", next);
    await checked("ContainerGroups_List", "GET", `${sub()}/providers/Microsoft.ContainerInstance/containerGroups`);
    await checked("ContainerGroups_Update", "PATCH", `${rg()}/containerGroups/full`, { tags: { app: "changed" } });
    await checked("Containers_ListLogs", "GET", `${rg()}/containerGroups/full/containers/app/logs`, undefined, "&tail=5&timestamps=true");
    await checked("ContainerGroups_GetOutboundNetworkDependenciesEndpoints", "GET", `${rg()}/containerGroups/full/outboundNetworkDependenciesEndpoints`);
    await checked("ContainerGroups_Stop", "POST", `${rg()}/containerGroups/full/stop`);
    await checked("ContainerGroups_Start", "POST", `${rg()}/containerGroups/full/start`);
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "runner", { location: emu.location, osType: "Linux", containers: [{ name: "c", image: "busybox", resources: { requests: { cpu: 0.5, memoryInGB: 0.5 } } }] }, POLL);
    await checked("Containers_ExecuteCommand", "POST", `${rg()}/containerGroups/runner/containers/c/exec`, { command: "sh", terminalSize: { rows: 10, cols: 40 } });
    await checked("Containers_Attach", "POST", `${rg()}/containerGroups/runner/containers/c/attach`);
    await checked("ContainerGroups_Restart", "POST", `${rg()}/containerGroups/runner/restart`);
    await checked("Location_ListUsage", "GET", `${sub()}/providers/Microsoft.ContainerInstance/locations/${emu.location}/usages`);
    await checked("Location_ListCapabilities", "GET", `${sub()}/providers/Microsoft.ContainerInstance/locations/${emu.location}/capabilities`);
    await checked("Location_ListCachedImages", "GET", `${sub()}/providers/Microsoft.ContainerInstance/locations/${emu.location}/cachedImages`);
    await checked("Operations_List", "GET", "/providers/Microsoft.ContainerInstance/operations");
    const deleted = await checked("ContainerGroups_Delete", "DELETE", `${rg()}/containerGroups/second`);
    assert.equal(deleted.status, 202);
    // Errors answer with the spec's CloudError ("default").
    assert.equal((await checked("ContainerGroups_Get", "GET", `${rg()}/containerGroups/absent`)).status, 404);
    assert.equal((await checked("ContainerGroups_Get", "GET", `${sub()}/resourceGroups/other/providers/Microsoft.ContainerInstance/containerGroups/absent`)).status, 404);
    assert.equal((await checked("ContainerGroups_CreateOrUpdate", "PUT", `${rg()}/containerGroups/bad`, { location: emu.location })).status, 400);
    assert.equal((await checked("Containers_ListLogs", "GET", `${rg()}/containerGroups/full/containers/nope/logs`)).status, 404);
  });

  it("exercised every operation of the spec that concerns container groups", () => {
    const expected = spec.operationIds().filter((id) => id !== "SubnetServiceAssociationLink_Delete");
    assert.deepEqual(expected.filter((id) => !seen.has(id)), []);
  });

  it("detects a response that breaks the spec (the check is not vacuous)", () => {
    const problems = spec.checkResponse("ContainerGroups_Get", 200, { properties: { containers: [{ name: "x", properties: { image: 3 } }], osType: "Linux" } });
    assert.ok(problems.length > 0);
    assert.ok(spec.checkResponse("ContainerGroups_Restart", 200, undefined).length > 0, "an undeclared status is a violation");
  });
});
