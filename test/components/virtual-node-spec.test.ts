import assert from "node:assert/strict";
import { parseConfig, SETTINGS } from "../../kubelet/src/config";
import { burstletConfigData, burstletPodEnv, formatTaint } from "../../components/virtual-node-spec";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";

describe("virtual-node-spec", () => {
  it("writes a configuration the kubelet's own parser accepts, value for value", () => {
    const data = burstletConfigData({
      nodeName: "aci",
      clusterName: "demo",
      subscriptionId: "00000000-1111-2222-3333-444444444444",
      resourceGroupName: "burst",
      location: "westeurope",
      subnetId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/aci",
      clusterDnsIp: "10.0.0.10",
      taint: VIRTUAL_NODE_TAINT,
      capacity: { cpu: 100, memoryGiB: 400, pods: 100 },
      logLevel: "debug",
    }) as Record<string, string>;
    const env = { ...data, [SETTINGS.nodeAddress[1]]: "10.224.0.7" };
    assert.equal(burstletPodEnv()[0].name, SETTINGS.nodeAddress[1]);
    const config = parseConfig([], env);
    assert.equal(config.nodeName, "aci");
    assert.equal(config.resourceGroup, "burst");
    assert.equal(config.subnetId, data[SETTINGS.subnetId[1]]);
    assert.deepEqual(config.taint, VIRTUAL_NODE_TAINT);
    assert.deepEqual(config.capacity, { cpu: 100, memoryGiB: 400, pods: 100 });
    assert.equal(config.nodeAddress, "10.224.0.7");
    assert.equal(config.logLevel, "debug");
  });

  it("formats the taint setting, or disables it", () => {
    assert.equal(formatTaint(VIRTUAL_NODE_TAINT), "virtual-kubelet.io/provider=azure:NoSchedule");
    assert.equal(formatTaint(undefined), "none");
  });
});
