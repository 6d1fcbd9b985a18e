/**
 * Virtual nodes per availability zone: three burstlets, one per zone of one region, against one ACI
 * emulator and a real control plane. A zone-spread Job lands evenly across them, every container
 * group pinned to its node's zone; with a zone down, the pods bound to its node that never started
 * are given up and their replacements complete on the other two.
 */
import { strict as assert } from "node:assert";
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from "@kubernetes/client-node";
import { type AciEmulator, startAciEmulator } from "../../sandbox/aci-emulator";
import type { ControlPlane } from "../../sandbox/control-plane";
import { TAGS, ZONE_LABEL } from "../../kubelet/src/constants";
import { DISRUPTION_TARGET } from "../../kubelet/src/pods/pod-states";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";
import { zoneSpreadJob } from "../fixtures/jobs";

const ZONES = ["1", "2", "3"] as const;
const PODS = 90;
/** 600 s at the emulator's time scale of 0.05: 30 s, long enough for all 90 pods to be bound while the first still run. */
const WORK = ["sleep", "600"];

describe("virtual nodes per availability zone", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let nodes: SandboxBurstlet[] = [];
  let namespace: string;
  let core: CoreV1Api;
  let batch: BatchV1Api;
  const nodeOfZone = (zone: string): string => `burstlet-zone-${zone}`;

  before(async () => {
    cp = await sharedControlPlane();
    emulator = await startAciEmulator({ timeScale: 0.05, limits: "unlimited", quotas: "unlimited" });
    nodes = await Promise.all(ZONES.map((zone) => startSandboxBurstlet(cp, { nodeName: nodeOfZone(zone), sharedEmulator: emulator, flags: [`--zone=${zone}`, "--not-ready-after-seconds=4"] })));
    namespace = await testNamespace(cp, "zones");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    batch = cp.kubeConfig().makeApiClient(BatchV1Api);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await emulator?.close();
  });
  afterEach(() => emulator.faults.clear());

  const podsOf = async (job: string): Promise<V1Pod[]> => (await core.listNamespacedPod({ namespace, labelSelector: `job-name=${job}` })).items;
  const completed = (name: string): Promise<V1Job> =>
    eventually(async () => {
      const j = await batch.readNamespacedJob({ namespace, name });
      assert.ok(j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), JSON.stringify(j.status));
      return j;
    }, { timeoutMs: 240_000, what: `Job ${name} to complete` });
  /** Every group of the Job's pods is gone once they finished, and none was created twice. */
  const noLeaksNorDuplicates = async (pods: readonly V1Pod[]): Promise<void> => {
    const uids = new Set(pods.map((p) => p.metadata!.uid));
    await eventually(() => assert.equal(emulator.groups().filter((g) => uids.has(g.tags?.[TAGS.podUid])).length, 0, "groups left after the Job"), { timeoutMs: 60_000, what: "no container group left" });
    assert.deepEqual(emulator.groupRestarts(), [], "no group was redeployed or restarted");
  };

  it("labels each node with its region and zone", async () => {
    for (const zone of ZONES) {
      const node = await core.readNode({ name: nodeOfZone(zone) });
      assert.equal(node.metadata?.labels?.[ZONE_LABEL], `${emulator.location}-${zone}`);
      assert.equal(node.metadata?.labels?.["topology.kubernetes.io/region"], emulator.location);
    }
  });

  it("spreads a 90-pod Job evenly across three zones, every group pinned to its node's zone", async () => {
    const zonesSeen = new Map<string, string[]>();
    const watch = setInterval(() => {
      for (const g of emulator.groups()) zonesSeen.set(g.name, [g.tags?.[TAGS.node] ?? "", ...(g.spec.zones ?? [])]);
    }, 50);
    try {
      await batch.createNamespacedJob({ namespace, body: zoneSpreadJob("spread", PODS, WORK) });
      await completed("spread");
    } finally {
      clearInterval(watch);
    }
    const pods = await podsOf("spread");
    assert.equal(pods.length, PODS, "one pod per completion: none failed and was replaced");
    for (const zone of ZONES) {
      const here = pods.filter((p) => p.spec?.nodeName === nodeOfZone(zone)).length;
      assert.ok(Math.abs(here - PODS / ZONES.length) <= 1, `zone ${zone} ran ${here} pods, expected 30 ± 1`);
    }
    assert.equal(zonesSeen.size, PODS, "every pod's group was seen");
    for (const [group, [node, ...zones]] of zonesSeen) assert.deepEqual(zones, [node.replace("burstlet-zone-", "")], `group ${group} of node ${node}`);
    await noLeaksNorDuplicates(pods);
  });

  it("completes the Job on the two other zones when one zone is down, giving up only pods that never started", async () => {
    emulator.faults.set({ placementOutages: [{ location: emulator.location, zone: "3" }] });
    await batch.createNamespacedJob({ namespace, body: zoneSpreadJob("failover", PODS, WORK) });
    await completed("failover");
    const pods = await podsOf("failover");
    const succeeded = pods.filter((p) => p.status?.phase === "Succeeded");
    const givenUp = pods.filter((p) => p.status?.phase === "Failed");
    assert.equal(succeeded.length, PODS, "each completion ran once");
    assert.ok(succeeded.every((p) => p.spec?.nodeName !== nodeOfZone("3")), "nothing ran in the zone that is down");
    assert.ok(givenUp.length > 0, "the zone's node had pods bound before it turned NotReady");
    for (const p of givenUp) {
      assert.equal(p.spec?.nodeName, nodeOfZone("3"));
      assert.equal(p.status?.reason, "ZoneUnavailable");
      assert.ok(p.status?.conditions?.some((c) => c.type === DISRUPTION_TARGET.type && c.status === "True"), `pod ${p.metadata?.name} carries DisruptionTarget`);
    }
    assert.ok(emulator.groups().every((g) => !(g.spec.zones ?? []).includes("3")), "no group was created in the zone that is down");
    await noLeaksNorDuplicates(pods);
  });
});
