import assert from "node:assert/strict";
import fc from "fast-check";
import { formatCpu, formatMemory, planAciResources } from "../../components/aci-resources";
import { parseQuantity } from "../../kubelet/src/aci/quantity";

describe("planAciResources", () => {
  it("formats ACI amounts as exact Kubernetes quantities", () => {
    assert.equal(formatCpu(0.34), "340m");
    assert.equal(formatCpu(2), "2000m");
    assert.equal(formatMemory(1.1), "1100M");
    assert.equal(formatMemory(0.1), "100M");
  });

  it("never grants less than asked, and never more than one ACI step more", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64_000 }), fc.integer({ min: 1, max: 64 * 1024 }), (milli, mebi) => {
        const [c] = planAciResources([{ name: "c", requests: { cpu: `${milli}m`, memory: `${mebi}Mi` } }], "f").containers;
        const cpu = parseQuantity(c.requests.cpu)!;
        const memory = parseQuantity(c.requests.memory)!;
        assert.ok(cpu >= milli / 1000 - 1e-9 && cpu - milli / 1000 < 0.01 + 1e-9);
        assert.ok(memory >= mebi * 2 ** 20 && memory - mebi * 2 ** 20 < 1e8);
      }),
    );
  });

  it("is idempotent: a planned request plans to itself without warnings", () => {
    const once = planAciResources([{ name: "c", requests: { cpu: "333m", memory: "1Gi" } }], "f");
    const twice = planAciResources([{ name: "c", requests: once.containers[0].requests }], "f");
    assert.deepEqual(twice.containers, once.containers);
    assert.deepEqual(twice.warnings, []);
  });

  it("caps limits at the pod's total request, as ACI requires", () => {
    const plan = planAciResources(
      [
        { name: "a", requests: { cpu: "1", memory: "1G" }, limits: { memory: "4G" } },
        { name: "b", requests: { cpu: "1", memory: "1G" } },
      ],
      "f",
    );
    assert.deepEqual(plan.containers[0].limits, { memory: "2000M" });
    assert.match(plan.warnings.join(), /container a: memory limit 4 GB lowered to 2 GB/);
  });

  it("requires both requests and rejects resources ACI does not offer", () => {
    assert.throws(() => planAciResources([{ name: "c", requests: { memory: "1G" } }], "job.containers"), /job\.containers\[0\]\.requests\.cpu: container "c" must request cpu/);
    assert.throws(() => planAciResources([{ name: "c", requests: { cpu: "lots", memory: "1G" } }], "f"), /f\[0\]\.requests\.cpu: "lots" is not a positive resource quantity/);
  });
});
