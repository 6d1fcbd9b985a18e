/**
 * The metrics batch API authorizes as Azure documents it: `Microsoft.Insights/metrics/read` on the
 * subscription of the path, for the whole call; read on the resource group (or every resource of
 * the batch) is refused with 401 ("How to migrate from the metrics API to the getBatch API",
 * "401 authorization errors").
 */
import assert from "node:assert/strict";
import { MetricsClient } from "@azure/monitor-query-metrics";
import { MonitorClient, METRIC_NAMESPACE } from "../../../kubelet/src/aci/monitor-client";
import { AuthorizationError } from "../../../kubelet/src/errors";
import { type AciEmulator, BUILT_IN_ROLE_DEFINITIONS, EMULATOR_METRICS_READER_ROLE } from "../../../sandbox/aci-emulator";
import { assertNoSpecViolations, fastEmulator, getUntil, group, rejection } from "./fixture";

const role = (name: string): string => BUILT_IN_ROLE_DEFINITIONS.find((r) => r.name === name)!.id;

describe("ACI emulator: authorization of the metrics batch API", () => {
  let emu: AciEmulator;
  let sub: string;
  let rg: string;
  let groupId: string;
  let n = 0;

  /** A new principal holding `grants` (role GUID on scope), and a metrics client as it. */
  function caller(grants: ReadonlyArray<readonly [string, string]>): { objectId: string; sdk: MetricsClient; monitor: MonitorClient } {
    const principal = { clientId: `metrics-client-${++n}`, objectId: `metrics-object-${n}` };
    emu.tokens.addClient(principal);
    for (const [roleDefinitionId, scope] of grants) emu.authorization!.assign({ principalId: principal.objectId, roleDefinitionId, scope });
    const credential = emu.credential(principal.clientId);
    return {
      objectId: principal.objectId,
      sdk: new MetricsClient(emu.metricsEndpoint, credential, { agent: emu.agent(), retryOptions: { maxRetries: 0 } }),
      monitor: new MonitorClient({ credential, endpoint: emu.metricsEndpoint, agent: emu.agent(), budget: { callsPerSecond: 50, burst: 50 } }),
    };
  }

  before(async () => {
    emu = await fastEmulator({ monitor: { timing: { grainSeconds: 1, delaySeconds: 0 }, limit: null } });
    sub = `/subscriptions/${emu.subscriptionId}`;
    rg = `${sub}/resourceGroups/${emu.resourceGroup}`;
    groupId = `${rg}/providers/Microsoft.ContainerInstance/containerGroups/watched`;
    const client = emu.client();
    await client.containerGroups.beginCreateOrUpdateAndWait(emu.resourceGroup, "watched", group(emu, { command: ["sleep", "infinity"] }), { updateIntervalInMs: 10 });
    await getUntil(client, emu, "watched", (g) => g.containers[0].instanceView?.currentState?.state === "Running");
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });
  afterEach(() => emu.authorization!.clearDenials());

  it("answers the emulator's own client, which holds the metrics reader on the subscription, with no denial", async () => {
    const results = await new MetricsClient(emu.metricsEndpoint, emu.credential(), { agent: emu.agent() }).queryResources([groupId], ["CpuUsage"], METRIC_NAMESPACE);
    assert.equal(results[0].metrics[0].errorCode, "Success");
    assert.equal(emu.authorization!.denials.total, 0);
  });

  it("refuses the whole call with 401 to a caller with Monitoring Reader (and Contributor) on the resource group only, naming action and subscription", async () => {
    const { objectId, sdk } = caller([[role("Monitoring Reader"), rg], [role("Contributor"), rg]]);
    const err = await rejection(sdk.queryResources([groupId], ["CpuUsage"], METRIC_NAMESPACE));
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, "AuthorizationFailed");
    assert.match(err.message, new RegExp(`'${objectId}'.*perform action 'Microsoft\\.Insights/metrics/read' over scope '${sub}'`));
    assert.deepEqual(emu.authorization!.denials.recent.map((d) => [d.principalId, d.action, d.scope]), [[objectId, "Microsoft.Insights/metrics/read", sub]]);
  });

  it("refuses a grant on the container group itself: the batch API authorizes on the subscription", async () => {
    const { sdk } = caller([[role("Monitoring Reader"), groupId]]);
    assert.equal((await rejection(sdk.queryResources([groupId], ["CpuUsage"], METRIC_NAMESPACE))).statusCode, 401);
  });

  it("answers Monitoring Reader on the subscription, and a custom role with only metrics read there", async () => {
    for (const roleDefinitionId of [role("Monitoring Reader"), EMULATOR_METRICS_READER_ROLE.id]) {
      const { sdk } = caller([[roleDefinitionId, sub]]);
      const results = await sdk.queryResources([groupId], ["CpuUsage", "MemoryUsage"], METRIC_NAMESPACE);
      assert.deepEqual(results[0].metrics.map((m) => m.errorCode), ["Success", "Success"]);
    }
    assert.equal(emu.authorization!.denials.total, 0);
  });

  it("burstlet's client turns the refusal into an AuthorizationError naming the action and scope Azure checks", async () => {
    const { monitor } = caller([[EMULATOR_METRICS_READER_ROLE.id, rg]]);
    const err = await monitor.usage([groupId], new Date(Date.now() - 60_000), new Date()).then(() => assert.fail("expected a refusal"), (e: unknown) => e);
    assert.ok(err instanceof AuthorizationError, String(err));
    assert.equal(err.action, "Microsoft.Insights/metrics/read");
    assert.equal(err.scope, sub);
    assert.equal(err.code, "AuthorizationFailed");
  });
});
