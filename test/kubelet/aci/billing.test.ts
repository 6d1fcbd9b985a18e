import { strict as assert } from "node:assert";
import type { Container, ContainerGroup } from "@azure/arm-containerinstance";
import { allocatedResources, billedQuantities, billedSeconds, groupBilling, RunningMeters } from "../../../kubelet/src/aci/billing";
import { translateResources } from "../../../kubelet/src/aci/resources";
import { Problems } from "../../../kubelet/src/aci/problems";

const T0 = Date.parse("2026-12-02T10:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function container(name: string, cpu: number, memoryInGB: number, view: Container["instanceView"]): Container {
  return { name, image: "busybox", resources: { requests: { cpu, memoryInGB } }, instanceView: view };
}

function finished(name: string, cpu: number, memoryInGB: number, pulledAt: number | undefined, startedAt: number, endedAt: number): Container {
  return container(name, cpu, memoryInGB, {
    events: pulledAt === undefined ? [] : [{ name: "Pulling", firstTimestamp: at(pulledAt), lastTimestamp: at(pulledAt), count: 1, message: "pulling image" }],
    currentState: { state: "Terminated", startTime: at(startedAt), finishTime: at(endedAt), exitCode: 0, detailStatus: "Completed" },
  });
}

function group(containers: Container[], initContainers: ContainerGroup["initContainers"] = []): ContainerGroup {
  return { name: "g", osType: "Linux", containers, initContainers };
}

describe("billing: ACI's published example", () => {
  // https://azure.microsoft.com/pricing/details/container-instances/ ("Pricing examples", Linux):
  // a container group of 1 vCPU and 1 GB created 50 times a day for 30 days, each lasting 150
  // seconds: memory 50 × 150 s × 1 GB × 30 days, vCPU 50 × 150 s × 1 vCPU × 30 days.
  it("bills one run of 150 s at 1 vCPU and 1 GB as 150 vCPU-s and 150 GB-s, 225,000 of each over the month", () => {
    const run = groupBilling(group([finished("worker", 1, 1, 0, 3, 150)]));
    assert.ok(run);
    assert.equal(run.seconds, 150);
    assert.deepEqual({ vcpuSeconds: run.vcpuSeconds, gbSeconds: run.gbSeconds }, { vcpuSeconds: 150, gbSeconds: 150 });
    const month = billedQuantities({ cpu: 1, memoryGB: 1 }, 50 * 30 * run.seconds);
    assert.deepEqual(month, { vcpuSeconds: 225_000, gbSeconds: 225_000 });
  });
});

describe("billing: the meter", () => {
  it("runs from the first image pull, not from the container's start", () => {
    const run = groupBilling(group([finished("worker", 2, 4, 10, 40, 100)]));
    assert.equal(run?.seconds, 90);
    assert.equal(run?.from.toISOString(), at(10).toISOString());
    assert.deepEqual({ v: run?.vcpuSeconds, g: run?.gbSeconds }, { v: 180, g: 360 });
  });

  it("stops when the last container stops, counting every container's allocation", () => {
    const run = groupBilling(group([finished("a", 1, 1.5, 0, 2, 30), finished("b", 0.5, 0.5, 1, 2, 60)]));
    assert.equal(run?.seconds, 60);
    assert.deepEqual(run?.resources, { cpu: 1.5, memoryGB: 2 });
    assert.deepEqual({ v: run?.vcpuSeconds, g: run?.gbSeconds }, { v: 90, g: 120 });
  });

  it("counts an init container's pull as the group's start, its resources not at all", () => {
    const init = { name: "init", image: "busybox", instanceView: { events: [{ name: "Pulling", firstTimestamp: at(0), count: 1 }] } };
    const run = groupBilling(group([finished("main", 1, 1, 20, 25, 45)], [init]));
    assert.equal(run?.seconds, 45);
    assert.deepEqual(run?.resources, { cpu: 1, memoryGB: 1 });
  });

  it("counts from the first start when ACI reported no pull (a cached image)", () => {
    const run = groupBilling(group([finished("worker", 1, 1, undefined, 5, 65)]));
    assert.equal(run?.seconds, 60);
  });

  it("counts a started second in full", () => {
    assert.equal(billedSeconds(at(0), new Date(T0 + 150_200)), 151);
    assert.equal(billedSeconds(at(0), at(150)), 150);
    assert.equal(billedSeconds(at(5), at(0)), 0);
  });

  it("is still running while any container runs or waits", () => {
    const running = container("b", 1, 1, { currentState: { state: "Running", startTime: at(1) } });
    assert.equal(groupBilling(group([finished("a", 1, 1, 0, 1, 10), running])), undefined);
    assert.equal(groupBilling(group([container("c", 1, 1, undefined)])), undefined);
  });
});

describe("billing: the resources ACI allocated", () => {
  it("bills what the pod's requests became after rounding up to ACI's steps (1Gi → 1.1 GB, 0.333 cores → 0.34)", () => {
    const resources = translateResources([{ name: "w", resources: { requests: { cpu: "333m", memory: "1Gi" } } }], new Problems());
    const sent = group([{ ...finished("w", 0, 0, 0, 1, 100), resources: resources[0] }]);
    assert.deepEqual(allocatedResources(sent), { cpu: 0.34, memoryGB: 1.1 });
    const run = groupBilling(sent);
    assert.deepEqual({ v: run?.vcpuSeconds, g: run?.gbSeconds }, { v: 34, g: 110 });
  });

  it("sums without floating-point noise", () => {
    assert.deepEqual(allocatedResources(group([finished("a", 0.1, 0.1, 0, 0, 1), finished("b", 0.2, 0.2, 0, 0, 1)])), { cpu: 0.3, memoryGB: 0.3 });
    assert.deepEqual(billedQuantities({ cpu: 0.07, memoryGB: 0.3 }, 3), { vcpuSeconds: 0.21, gbSeconds: 0.9 });
  });

  it("refuses a negative duration", () => {
    assert.throws(() => billedQuantities({ cpu: 1, memoryGB: 1 }, -1), /billed seconds must be >= 0/);
  });
});

describe("billing: a group deleted while it runs", () => {
  const runningGroup = (): ContainerGroup => group([container("w", 0.5, 2, { events: [{ name: "Pulling", firstTimestamp: at(0) }], currentState: { state: "Running", startTime: at(4) } })]);

  it("bills from the first pull until the deletion", () => {
    const meters = new RunningMeters();
    meters.see("u1", runningGroup(), false);
    const billed = meters.stop("u1", at(100));
    assert.deepEqual({ s: billed?.seconds, v: billed?.vcpuSeconds, g: billed?.gbSeconds }, { s: 100, v: 50, g: 200 });
    assert.equal(meters.stop("u1", at(200)), undefined, "stopped once");
  });

  it("bills nothing at deletion for a group whose containers had all ended, or one never seen", () => {
    const meters = new RunningMeters();
    meters.see("u1", runningGroup(), false);
    meters.see("u1", group([finished("w", 0.5, 2, 0, 4, 50)]), true);
    assert.equal(meters.stop("u1", at(100)), undefined);
    assert.equal(meters.stop("never-read", at(100)), undefined);
    meters.see("u2", runningGroup(), false);
    meters.forget("u2");
    assert.equal(meters.size, 0);
  });
});
