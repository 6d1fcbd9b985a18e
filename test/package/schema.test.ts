import assert from "node:assert/strict";
import * as path from "node:path";
import { getPulumiComponents } from "@pulumi/pulumi/provider/experimental/provider";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { GetSchemaRequest, type GetSchemaResponse } from "@pulumi/pulumi/proto/provider_pb";
import * as plugin from "../../plugin";
import pluginPackage from "../../plugin/package.json";
import { call, insecure, startPlugin } from "../fixtures/pulumi-plugin";

const pluginDir = path.join(__dirname, "../../plugin");
const SEVEN = ["AciNetwork", "AksCluster", "BurstJob", "BurstletIdentity", "HybridCluster", "KubeletImage", "VirtualNode"];

interface Property { readonly $ref?: string; readonly type?: string; readonly description?: string; readonly items?: Property }
interface Schema {
  readonly name: string;
  readonly version: string;
  readonly resources: Record<string, { isComponent?: boolean; inputProperties: Record<string, Property>; requiredInputs?: string[]; properties: Record<string, Property> }>;
  readonly types: Record<string, { type: string; enum?: { value: string }[]; properties?: Record<string, Property> }>;
}

describe("the plugin package for other Pulumi languages, started as the engine starts it (run-plugin, GetSchema)", function () {
  // The plugin runs Pulumi's schema analyzer: one TypeScript program over the components and all they import.
  this.timeout(300_000);
  let schema: Schema;
  before(async () => {
    const provider = await startPlugin("component-provider", pluginDir, { timeoutMs: 90_000 });
    const client = new ResourceProviderClient(provider.address, insecure());
    try {
      const response = await call<GetSchemaRequest, GetSchemaResponse>(client.getSchema.bind(client), new GetSchemaRequest());
      schema = JSON.parse(response.getSchema()) as Schema;
    } finally {
      client.close();
      await provider.stop();
    }
  });

  it("exports every component of the package, and the analyzer accepts all seven", () => {
    assert.deepEqual(getPulumiComponents(plugin).map((c) => c.name).sort(), SEVEN);
    assert.deepEqual(Object.keys(schema.resources).sort(), SEVEN.map((n) => `burstlet:index:${n}`));
    assert.ok(Object.values(schema.resources).every((r) => r.isComponent === true));
    assert.equal(schema.name, pluginPackage.name);
    assert.equal(schema.version, pluginPackage.version);
  });

  it("describes each input from its TSDoc, with the required ones required", () => {
    const virtualNode = schema.resources["burstlet:index:VirtualNode"];
    assert.deepEqual([...(virtualNode.requiredInputs ?? [])].sort(), ["clusterName", "identity", "image", "location", "resourceGroupName", "subscriptionId"]);
    assert.match(virtualNode.inputProperties.deploymentAwait.description ?? "", /How `pulumi up` waits for burstlet's Deployment/);
    assert.equal(virtualNode.inputProperties.deploymentAwait.$ref, "#/types/burstlet:index:DeploymentAwait");
    assert.equal(virtualNode.inputProperties.identity.$ref, "#/types/burstlet:index:AzureIdentity");
    assert.equal(virtualNode.inputProperties.replicas.type, "number");
    assert.match(virtualNode.inputProperties.replicas.description ?? "", /elect a leader/);
    assert.equal(schema.resources["burstlet:index:HybridCluster"].inputProperties.network.$ref, "#/types/burstlet:index:AddressPlanArgs");
    assert.equal(virtualNode.inputProperties.zones.items?.type, "string");
    assert.equal(virtualNode.inputProperties.regions.items?.$ref, "#/types/burstlet:index:VirtualNodeRegion");
    assert.deepEqual(Object.keys(schema.types["burstlet:index:VirtualNodeRegion"].properties ?? {}).sort(), ["location", "subnetId", "zones"]);
    assert.equal(schema.resources["burstlet:index:HybridCluster"].inputProperties.regions.items?.$ref, "#/types/burstlet:index:VirtualNodeRegion");
    assert.equal(virtualNode.properties.nodeNames.items?.type, "string");
  });

  it("takes the burst target by name (or all of its nodes' names) and taint, and literal choices as string enums", () => {
    const burstJob = schema.resources["burstlet:index:BurstJob"];
    assert.equal(burstJob.inputProperties.virtualNode.$ref, "#/types/burstlet:index:VirtualNodeTarget");
    assert.deepEqual(Object.keys(schema.types["burstlet:index:VirtualNodeTarget"].properties ?? {}).sort(), ["name", "nodes", "taint"]);
    // In the order TypeScript keeps the union's members, not the source's.
    const values = (name: string): string[] => (schema.types[`burstlet:index:${name}`].enum ?? []).map((e) => e.value).sort();
    assert.deepEqual(values("TaintEffect"), ["NoExecute", "NoSchedule", "PreferNoSchedule"]);
    assert.deepEqual(values("PlacementMode"), ["overflow", "virtual"]);
    assert.deepEqual(values("LogLevel"), ["debug", "error", "info", "warn"]);
    assert.deepEqual(values("RegistrySku"), ["Basic", "Premium", "Standard"]);
    assert.deepEqual(values("ClusterTier"), ["Free", "Premium", "Standard"]);
  });
});
