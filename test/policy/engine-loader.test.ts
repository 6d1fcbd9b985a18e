import assert from "node:assert/strict";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { PluginInfo } from "@pulumi/pulumi/proto/plugin_pb";
import { AnalyzerResource, AnalyzerResourceOptions, AnalyzeStackRequest, EnforcementLevel, type AnalyzeResponse, type AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";
import * as path from "node:path";
import { version as packageVersion } from "../../package.json";
import { RULES } from "../../policy/rules";
import { call, insecure, startPlugin, type RunningPlugin } from "../fixtures/pulumi-plugin";

const policyDir = path.join(__dirname, "../../policy");
const toleration = { key: "virtual-kubelet.io/provider", operator: "Equal", value: "azure", effect: "NoSchedule" };

function job(name: string, container: Record<string, unknown>): AnalyzerResource {
  const resource = new AnalyzerResource();
  resource.setType("kubernetes:batch/v1:Job");
  resource.setName(name);
  // The engine sends every resource with its options (protect, ignoreChanges, …).
  resource.setOptions(new AnalyzerResourceOptions());
  resource.setUrn(`urn:pulumi:dev::burst::burstlet:index:BurstJob$kubernetes:batch/v1:Job::${name}`);
  resource.setProperties(Struct.fromJavaScript({
    metadata: { name, namespace: "default" },
    spec: { template: { spec: { restartPolicy: "Never", tolerations: [toleration], containers: [container] } } },
  }));
  return resource;
}

function analyzeStack(client: AnalyzerClient, resources: AnalyzerResource[]): Promise<AnalyzeResponse> {
  const request = new AnalyzeStackRequest();
  request.setResourcesList(resources);
  return call(client.analyzeStack.bind(client), request);
}

describe("policy pack, started as the Pulumi engine starts it (run-policy-pack, gRPC)", function () {
  this.timeout(120_000);
  let pack: RunningPlugin;
  let client: AnalyzerClient;
  before(async () => {
    // PulumiPolicy.yaml's nodeargs reach run-policy-pack after its path, where they are ignored; pass some to prove the pack needs none.
    pack = await startPlugin("policy-pack", policyDir, { nodeargs: ["--require", "tsx/cjs"], timeoutMs: 90_000 });
    client = new AnalyzerClient(pack.address, insecure());
  });
  after(async () => {
    client?.close();
    await pack?.stop();
  });

  it("answers GetPluginInfo, which the engine asks first, with the policy SDK's version", async () => {
    const info = await call<Empty, PluginInfo>(client.getPluginInfo.bind(client), new Empty());
    assert.match(info.getVersion(), /^\d+\.\d+\.\d+/);
  });

  it("lists every rule of the pack, mandatory, at the package's version", async () => {
    const info = await call<Empty, AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
    assert.equal(info.getName(), "burstlet");
    assert.equal(info.getVersion(), packageVersion);
    assert.deepEqual(info.getPoliciesList().map((p) => p.getName()).sort(), RULES.map((r) => r.name).sort());
    assert.ok(info.getPoliciesList().every((p) => p.getEnforcementlevel() === EnforcementLevel.MANDATORY));
  });

  it("reports a burst Job that cannot run on the virtual node, at its URN, and passes one that can", async () => {
    const bad = job("no-memory", { name: "work", image: "worker:1", command: ["work"], resources: { requests: { cpu: "1" } } });
    const good = job("sized", { name: "work", image: "worker:1", command: ["work"], resources: { requests: { cpu: "1", memory: "1Gi" } } });
    const diagnostics = (await analyzeStack(client, [bad, good])).getDiagnosticsList();
    assert.deepEqual(diagnostics.map((d) => [d.getPolicyname(), d.getUrn(), d.getEnforcementlevel()]), [
      ["virtual-node-workloads-runnable", bad.getUrn(), EnforcementLevel.MANDATORY],
    ]);
    assert.match(diagnostics[0].getMessage(), /container "work" sets no memory request/);
    assert.equal(diagnostics[0].getPolicypackversion(), packageVersion);
  });
});
