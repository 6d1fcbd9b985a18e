/**
 * Virtual nodes in two regions: when the home region's ACI quota (50 container groups here) is
 * full, an overflow Job's remaining pods go to the second region's virtual node. Each node's pod
 * capacity is its region's group quota, so the scheduler itself sees the home node full.
 */
import { strict as assert } from "node:assert";
import { BatchV1Api, CoreV1Api } from "@kubernetes/client-node";
import { type AciEmulator, startAciEmulator } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";
import { regionalOverflowJob } from "../fixtures/jobs";

const HOME_QUOTA = 50;
const PODS = 120;

describe("virtual nodes in two regions", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let nodes: SandboxBurstlet[] = [];
  let namespace: string;

  before(async () => {
    cp = await sharedControlPlane();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: "unlimited", quotas: "unlimited", extraLocations: ["northeurope"], regions: { westeurope: { quotas: { containerGroups: HOME_QUOTA } } } });
    nodes = await Promise.all([
      startSandboxBurstlet(cp, { nodeName: "burstlet-westeurope", sharedEmulator: emulator }),
      startSandboxBurstlet(cp, { nodeName: "burstlet-northeurope", sharedEmulator: emulator, flags: ["--location=northeurope", `--azure-monitor-endpoint=${emulator.metricsEndpoint}`] }),
    ]);
    namespace = await testNamespace(cp, "regions");
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await emulator?.close();
  });

  it("fills the home region's quota, then overflows into the second region, and completes the Job", async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    assert.equal((await core.readNode({ name: "burstlet-westeurope" })).status?.capacity?.pods, String(HOME_QUOTA), "the home node offers its region's group quota");
    const created = new Map<string, string>();
    const watch = setInterval(() => {
      for (const g of emulator.groups()) created.set(g.name, g.location);
    }, 50);
    try {
      await batch.createNamespacedJob({ namespace, body: regionalOverflowJob("overflow", PODS, emulator.location, ["sleep", "600"], { cpu: "1", memory: "1Gi" }) });
      await eventually(async () => {
        const j = await batch.readNamespacedJob({ namespace, name: "overflow" });
        assert.ok(j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), JSON.stringify(j.status));
      }, { timeoutMs: 300_000, what: "the overflow Job to complete" });
    } finally {
      clearInterval(watch);
    }
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: "job-name=overflow" })).items;
    assert.equal(pods.length, PODS, "no pod failed and was replaced");
    const on = (node: string): number => pods.filter((p) => p.spec?.nodeName === node).length;
    const ordinary = PODS - on("burstlet-westeurope") - on("burstlet-northeurope");
    assert.equal(on("burstlet-westeurope"), HOME_QUOTA, "the home region takes its quota");
    assert.equal(on("burstlet-northeurope"), PODS - HOME_QUOTA - ordinary, "the rest goes to the second region");
    const byRegion = [...created.values()].reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());
    assert.deepEqual([byRegion.get("westeurope"), byRegion.get("northeurope")], [HOME_QUOTA, PODS - HOME_QUOTA - ordinary], "each group in its node's region");
  });
});
