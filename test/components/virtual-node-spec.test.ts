import assert from "node:assert/strict";
import { parseConfig } from "../../kubelet/src/config";
import { SETTINGS } from "../../kubelet/src/settings";
import { burstletConfigData, burstletPodEnv, formatTaint } from "../../components/virtual-node-spec";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { DEFAULT_STATUS_FRESH_SHARE } from "../../kubelet/src/aci/read-schedule";

describe("virtual-node-spec", () => {
  it("writes a configuration the kubelet's own parser accepts, value for value", () => {
    const data = burstletConfigData({
      nodeName: "aci",
      clusterName: "demo",
      subscriptionId: "00000000-1111-2222-3333-444444444444",
      resourceGroupName: "burst",
      location: "westeurope",
      zone: "2",
      quotaShare: 0.3333,
      subnetId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/aci",
      clusterDnsIp: "10.0.0.10",
      taint: VIRTUAL_NODE_TAINT,
      capacity: { cpu: 100, memoryGiB: 400, pods: 100 },
      logLevel: "debug",
      leaderElectionNamespace: "burst-system",
    }) as Record<string, string>;
    const env = { ...data, [SETTINGS.nodeAddress[1]]: "10.224.0.7" };
    assert.equal(burstletPodEnv()[0].name, SETTINGS.nodeAddress[1]);
    const config = parseConfig([], env);
    assert.equal(config.nodeName, "aci");
    assert.equal(config.resourceGroup, "burst");
    assert.deepEqual([config.zone, config.quotaShare], ["2", 0.3333]);
    assert.equal(config.subnetId, data[SETTINGS.subnetId[1]]);
    assert.deepEqual(config.taint, VIRTUAL_NODE_TAINT);
    assert.deepEqual(config.capacity, { cpu: 100, memoryGiB: 400, pods: 100 });
    assert.equal(config.nodeAddress, "10.224.0.7");
    assert.equal(config.logLevel, "debug");
    assert.deepEqual([config.leaderElection.enabled, config.leaderElection.namespace], [true, "burst-system"]);
  });

  it("passes tuning to the kubelet under its own settings, and leaves the rest to the kubelet's defaults", () => {
    const base = { nodeName: "aci", clusterName: "demo", subscriptionId: "00000000-1111-2222-3333-444444444444", resourceGroupName: "burst", location: "westeurope" };
    const tuned = burstletConfigData({
      ...base,
      tuning: { armReadsPerSecond: 24, armReadBurst: 240, armWritesPerSecond: 9, armWriteBurst: 180, statusSteadySeconds: 30, statusSteadyReadsPerSecond: 18, kubeApiQps: 100, kubeApiBurst: 300, maxGroupCpu: 16, maxGroupMemoryGb: 64, notReadyAfterSeconds: 300 },
    }) as Record<string, string>;
    const config = parseConfig([], tuned);
    assert.deepEqual(config.armBudget, { readsPerSecond: 24, readBurst: 240, writesPerSecond: 9, writeBurst: 180, logReadShare: 0.2 });
    assert.deepEqual(config.status, { steadySeconds: 30, steadyReadsPerSecond: 18, freshShare: DEFAULT_STATUS_FRESH_SHARE });
    assert.deepEqual(config.kubeApi, { qps: 100, burst: 300 });
    assert.deepEqual(config.groupMaxima, { cpu: 16, memoryGB: 64 });
    assert.equal(config.notReadyAfterSeconds, 300);

    const plain = burstletConfigData({ ...base, tuning: { statusSteadyReadsPerSecond: 12 } }) as Record<string, string>;
    assert.equal(plain[SETTINGS.readsPerSecond[1]], undefined, "unset fields are not written");
    const defaults = parseConfig([], plain);
    assert.deepEqual(defaults.status, { steadySeconds: 25, steadyReadsPerSecond: 12, freshShare: DEFAULT_STATUS_FRESH_SHARE });
    assert.deepEqual(defaults.kubeApi, { qps: 50, burst: 200 });
  });

  it("formats the taint setting, or disables it", () => {
    assert.equal(formatTaint(VIRTUAL_NODE_TAINT), "virtual-kubelet.io/provider=azure:NoSchedule");
    assert.equal(formatTaint(undefined), "none");
  });
});
