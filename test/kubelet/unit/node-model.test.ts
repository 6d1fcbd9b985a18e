import { strict as assert } from "node:assert";
import type { V1NodeCondition } from "@kubernetes/client-node";
import { buildNode, buildNodeStatus, nodeLabels, type NodeModelInput } from "../../../kubelet/src/node/node-model";
import { VIRTUAL_NODE_TAINT } from "../../../kubelet/src/constants";

const healthy = { healthy: true, reason: "KubeletReady", message: "ok" };
const input: NodeModelInput = {
  name: "burstlet-westeurope",
  taint: { ...VIRTUAL_NODE_TAINT },
  address: "10.240.0.7",
  kubeletPort: 10250,
  capacity: { cpu: 100, memoryGiB: 400, pods: 100 },
  health: healthy,
};
const t0 = new Date("2025-03-01T10:00:00Z");
const t1 = new Date("2025-03-01T10:00:10Z");
const t2 = new Date("2025-03-01T10:00:20Z");

const conditionOf = (conditions: readonly V1NodeCondition[] | undefined, type: string): V1NodeCondition => {
  const found = conditions?.find((c) => c.type === type);
  assert.ok(found, `no ${type} condition`);
  return found;
};

describe("node model", () => {
  it("labels the node as a virtual kubelet that load balancers leave out, with only labels a node may set on itself", () => {
    const labels = buildNode(input, t0).metadata!.labels!;
    assert.deepEqual(labels, {
      type: "virtual-kubelet",
      "kubernetes.io/os": "linux",
      "kubernetes.io/hostname": "burstlet-westeurope",
      "node.kubernetes.io/exclude-from-external-load-balancers": "true",
    });
    assert.deepEqual(nodeLabels("x")["kubernetes.io/hostname"], "x");
  });

  it("carries the taint pods must tolerate, and none when it is disabled", () => {
    assert.deepEqual(buildNode(input, t0).spec!.taints, [{ key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" }]);
    assert.deepEqual(buildNode({ ...input, taint: { key: "team", value: "burst", effect: "NoExecute" } }, t0).spec!.taints, [{ key: "team", value: "burst", effect: "NoExecute" }]);
    assert.deepEqual(buildNode({ ...input, taint: undefined }, t0).spec!.taints ?? [], []);
  });

  it("is a v1 Node named as configured", () => {
    const node = buildNode(input, t0);
    assert.deepEqual([node.apiVersion, node.kind, node.metadata!.name], ["v1", "Node", "burstlet-westeurope"]);
  });

  it("advertises capacity as Kubernetes quantities, all of it allocatable", () => {
    const status = buildNodeStatus({ ...input, capacity: { cpu: 2.5, memoryGiB: 10.5, pods: 7 } }, t0);
    assert.deepEqual(status.capacity, { cpu: "2.5", memory: "10.5Gi", pods: "7" });
    assert.deepEqual(status.allocatable, status.capacity);
    for (const value of Object.values(status.capacity ?? {})) assert.match(value, /^\d+(\.\d+)?(Gi)?$/);
  });

  it("is Ready with reason KubeletReady while the provider is healthy, and has no pressure", () => {
    const status = buildNodeStatus(input, t0);
    assert.deepEqual(
      status.conditions!.map((c) => [c.type, c.status, c.reason]),
      [
        ["Ready", "True", "KubeletReady"],
        ["MemoryPressure", "False", "KubeletHasSufficientMemory"],
        ["DiskPressure", "False", "KubeletHasNoDiskPressure"],
        ["PIDPressure", "False", "KubeletHasSufficientPID"],
        ["NetworkUnavailable", "False", "RouteCreated"],
      ],
    );
    for (const c of status.conditions!) {
      assert.ok(c.message && c.message.length > 0, `${c.type} has a message`);
      assert.deepEqual([c.lastHeartbeatTime, c.lastTransitionTime], [t0, t0]);
    }
  });

  it("is Ready=False with the provider's reason and message when unhealthy", () => {
    const status = buildNodeStatus({ ...input, health: { healthy: false, reason: "ArmUnreachable", message: "ARM did not answer in 10 s" } }, t0);
    const ready = conditionOf(status.conditions, "Ready");
    assert.deepEqual([ready.status, ready.reason, ready.message], ["False", "ArmUnreachable", "ARM did not answer in 10 s"]);
  });

  it("keeps a condition's transition time while its status holds and moves the heartbeat", () => {
    const first = buildNodeStatus(input, t0);
    const second = buildNodeStatus(input, t1, first);
    const ready = conditionOf(second.conditions, "Ready");
    assert.deepEqual([ready.lastTransitionTime, ready.lastHeartbeatTime], [t0, t1]);
    assert.deepEqual(conditionOf(second.conditions, "DiskPressure").lastTransitionTime, t0);
  });

  it("moves the Ready transition time when health flips, and again when it recovers", () => {
    const first = buildNodeStatus(input, t0);
    const down = buildNodeStatus({ ...input, health: { healthy: false, reason: "CredentialsRejected", message: "401" } }, t1, first);
    assert.deepEqual(conditionOf(down.conditions, "Ready").lastTransitionTime, t1);
    assert.deepEqual(conditionOf(down.conditions, "MemoryPressure").lastTransitionTime, t0, "other conditions did not change");
    const stillDown = buildNodeStatus({ ...input, health: { healthy: false, reason: "ArmUnreachable", message: "timeout" } }, t2, down);
    assert.deepEqual(conditionOf(stillDown.conditions, "Ready").lastTransitionTime, t1, "a new reason is not a transition");
    const up = buildNodeStatus(input, t2, stillDown);
    assert.deepEqual(conditionOf(up.conditions, "Ready").lastTransitionTime, t2);
  });

  it("keeps transition times read back from the API server as strings", () => {
    const previous = { conditions: [{ type: "Ready", status: "True", lastTransitionTime: "2025-01-01T00:00:00Z" as unknown as Date }] };
    assert.equal(conditionOf(buildNodeStatus(input, t1, previous).conditions, "Ready").lastTransitionTime, previous.conditions[0].lastTransitionTime);
  });

  it("tells the API server where to reach the kubelet: InternalIP, hostname and the port actually bound", () => {
    const status = buildNodeStatus({ ...input, kubeletPort: 41234 }, t0);
    assert.deepEqual(status.addresses, [{ type: "InternalIP", address: "10.240.0.7" }, { type: "Hostname", address: "burstlet-westeurope" }]);
    assert.deepEqual(status.daemonEndpoints, { kubeletEndpoint: { Port: 41234 } });
  });

  it("reports a kubelet version that version parsers accept, and says it is burstlet on ACI", () => {
    const info = buildNodeStatus(input, t0).nodeInfo!;
    assert.match(info.kubeletVersion, /^v1\.\d+\.\d+-burstlet\.\d+\.\d+\.\d+$/);
    assert.equal(info.operatingSystem, "linux");
    assert.equal(buildNodeStatus({ ...input, os: "windows" }, t0).nodeInfo!.operatingSystem, "windows");
    assert.match(info.osImage, /Azure Container Instances/);
    assert.equal(info.architecture, "amd64");
  });
});
