import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { DEFAULT_PRICE_TABLE } from "../../components/aci-prices";
import { burstCost, KEPT_HOURS } from "../../demo/cost";
import { BILLED_GB_SECONDS_ANNOTATION, BILLED_VCPU_SECONDS_ANNOTATION } from "../../kubelet/src/constants";

const pod = (vcpu?: number, gb?: number): V1Pod => ({
  metadata: { annotations: vcpu === undefined ? {} : { [BILLED_VCPU_SECONDS_ANNOTATION]: String(vcpu), [BILLED_GB_SECONDS_ANNOTATION]: String(gb) } },
  spec: { containers: [{ name: "w", resources: { requests: { cpu: "1", memory: "1500M" } } }] },
});

describe("demo: the cost of the burst", () => {
  it("sums the billed annotations, scales them to real time and prices them against kept machines", () => {
    const cost = burstCost([pod(3, 4.5), pod(3, 4.5), pod()], 10, { timeScale: 0.1 });
    assert.ok(cost);
    assert.equal(cost.billedPods, 2);
    assert.deepEqual([cost.vcpuSeconds, cost.gbSeconds], [60, 90]);
    const prices = DEFAULT_PRICE_TABLE.default;
    assert.ok(Math.abs(cost.cost - (60 * prices.regular.vcpuSecond + 90 * prices.regular.gbSecond)) < 1e-12);
    // 10 pods of 1 core and 1.5 GB at their peak: 3 machines of 4 vCPU and 16 GB, kept a day.
    assert.deepEqual(cost.kept, { machines: 3, size: prices.machine.size, hours: KEPT_HOURS, cost: 3 * prices.machine.hourly * KEPT_HOURS });
    assert.match(cost.source, /^estimate/);
  });

  it("has nothing to say when no pod carried billed compute", () => {
    assert.equal(burstCost([pod()], 1, { timeScale: 0.1 }), undefined);
  });
});
