import { strict as assert } from "node:assert";
import type { ContainerGroup, ContainerState, Event as AciEvent } from "@azure/arm-containerinstance";
import type { V1PodStatus } from "@kubernetes/client-node";
import { podStatusFromGroup } from "../../../kubelet/src/aci/status";
import { container, pod } from "./fixtures";

const GROUP_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/batch-worker-1-abc";
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

const waiting: ContainerState = { state: "Waiting", detailStatus: "Waiting" };
const running = (since = 0): ContainerState => ({ state: "Running", startTime: at(since) });
const exited = (exitCode: number, detailStatus?: string): ContainerState => ({ state: "Terminated", exitCode, startTime: at(0), finishTime: at(30), detailStatus });

interface View {
  currentState?: ContainerState;
  previousState?: ContainerState;
  restartCount?: number;
  events?: AciEvent[];
}

function group(views: View[], options: { restartPolicy?: string; init?: View[]; provisioningState?: string; groupEvents?: AciEvent[]; ip?: string; readiness?: boolean } = {}): ContainerGroup {
  return {
    id: GROUP_ID,
    name: "batch-worker-1-abc",
    osType: "Linux",
    restartPolicy: options.restartPolicy ?? "Never",
    provisioningState: options.provisioningState ?? "Succeeded",
    ipAddress: options.ip ? { type: "Private", ports: [], ip: options.ip } : undefined,
    instanceView: { state: "Running", events: options.groupEvents ?? [] },
    containers: views.map((v, i) => ({
      name: i === 0 ? "main" : `c${i}`,
      image: "busybox:1.36",
      resources: { requests: { cpu: 1, memoryInGB: 1 } },
      readinessProbe: options.readiness ? { exec: { command: ["true"] }, periodSeconds: 5 } : undefined,
      instanceView: v,
    })),
    initContainers: (options.init ?? []).map((v, i) => ({ name: `init${i}`, image: "alpine:3", instanceView: v })),
  };
}

function statusOf(g: ContainerGroup, options: { restartPolicy?: string; containers?: number; init?: number; previous?: V1PodStatus; now?: Date } = {}): V1PodStatus {
  const containers = Array.from({ length: options.containers ?? g.containers.length }, (_, i) => container({ name: i === 0 ? "main" : `c${i}` }));
  const initContainers = Array.from({ length: options.init ?? 0 }, (_, i) => container({ name: `init${i}`, image: "alpine:3" }));
  const p = pod({ restartPolicy: options.restartPolicy ?? g.restartPolicy, containers, initContainers });
  return podStatusFromGroup({ pod: p, group: g, hostIP: "10.1.0.4", previous: options.previous, now: options.now ?? at(60) });
}

const condition = (s: V1PodStatus, type: string): string | undefined => s.conditions?.find((c) => c.type === type)?.status;

describe("podStatusFromGroup: phase", () => {
  const table: { name: string; views: View[]; policy: string; phase: string }[] = [
    { name: "no instance view yet → Pending", views: [{}], policy: "Never", phase: "Pending" },
    { name: "waiting → Pending", views: [{ currentState: waiting }], policy: "Always", phase: "Pending" },
    { name: "running → Running", views: [{ currentState: running() }], policy: "Always", phase: "Running" },
    { name: "one running, one exited 0 → Running", views: [{ currentState: running() }, { currentState: exited(0) }], policy: "Never", phase: "Running" },
    { name: "Never, all exited 0 → Succeeded", views: [{ currentState: exited(0) }, { currentState: exited(0) }], policy: "Never", phase: "Succeeded" },
    { name: "Never, one exited 1 → Failed", views: [{ currentState: exited(0) }, { currentState: exited(1) }], policy: "Never", phase: "Failed" },
    { name: "OnFailure, all exited 0 → Succeeded", views: [{ currentState: exited(0) }], policy: "OnFailure", phase: "Succeeded" },
    { name: "OnFailure, exited 1 (about to restart) → Running", views: [{ currentState: exited(1), restartCount: 1 }], policy: "OnFailure", phase: "Running" },
    { name: "OnFailure, waiting after a failure → Running", views: [{ currentState: waiting, previousState: exited(2), restartCount: 1 }], policy: "OnFailure", phase: "Running" },
    { name: "Always, exited 0 → Running (never finishes)", views: [{ currentState: exited(0) }], policy: "Always", phase: "Running" },
  ];
  for (const t of table) {
    it(t.name, () => assert.equal(statusOf(group(t.views, { restartPolicy: t.policy })).phase, t.phase));
  }

  it("never moves back from a terminal phase", () => {
    const previous = statusOf(group([{ currentState: exited(0) }]));
    assert.equal(previous.phase, "Succeeded");
    assert.equal(statusOf(group([{ currentState: waiting }]), { previous }).phase, "Succeeded");
  });

  it("fails the pod with the reason when ACI cannot provision the group", () => {
    const s = statusOf(group([{}], { provisioningState: "Failed", groupEvents: [{ name: "Failed", type: "Warning", message: "subnet is full" }] }));
    assert.equal(s.phase, "Failed");
    assert.equal(s.reason, "ProviderFailed");
    assert.match(s.message ?? "", /subnet is full/);
  });
});

describe("podStatusFromGroup: container statuses", () => {
  it("reports a Job container's exit code, reason, times, restarts, last state and ID", () => {
    const s = statusOf(group([{ currentState: exited(3, "Error"), previousState: exited(1), restartCount: 2 }]));
    const [c] = s.containerStatuses ?? [];
    assert.equal(c.containerID, `aci://${GROUP_ID}/main`);
    assert.equal(c.image, "busybox:1.36");
    assert.equal(c.restartCount, 2);
    assert.deepEqual(c.state?.terminated, { exitCode: 3, reason: "Error", startedAt: at(0), finishedAt: at(30) });
    assert.equal(c.lastState?.terminated?.exitCode, 1);
    assert.equal(c.ready, false);
  });

  it("reports success as Completed and OOM as OOMKilled", () => {
    assert.equal(statusOf(group([{ currentState: exited(0) }])).containerStatuses?.[0].state?.terminated?.reason, "Completed");
    assert.equal(statusOf(group([{ currentState: exited(137, "OOMKilled") }])).containerStatuses?.[0].state?.terminated?.reason, "OOMKilled");
  });

  it("reports a running container with its start time", () => {
    const [c] = statusOf(group([{ currentState: running(5) }], { restartPolicy: "Always" })).containerStatuses ?? [];
    assert.deepEqual(c.state, { running: { startedAt: at(5) } });
    assert.equal(c.started, true);
    assert.equal(c.ready, true);
  });

  it("reports a restarting container as CrashLoopBackOff", () => {
    const [c] = statusOf(group([{ currentState: waiting, previousState: exited(1), restartCount: 3 }], { restartPolicy: "Always" })).containerStatuses ?? [];
    assert.equal(c.state?.waiting?.reason, "CrashLoopBackOff");
  });

  it("reports a failed pull as ErrImagePull, then ImagePullBackOff, keeping the pod Pending", () => {
    const failed: AciEvent = { name: "Failed", type: "Warning", count: 1, message: 'Failed to pull image "busybox:1.36": not found', lastTimestamp: at(1) };
    const first = statusOf(group([{ currentState: waiting, events: [failed] }]));
    assert.equal(first.phase, "Pending");
    assert.deepEqual(first.containerStatuses?.[0].state?.waiting, { reason: "ErrImagePull", message: failed.message });
    const again = statusOf(group([{ currentState: waiting, events: [{ ...failed, count: 3 }] }]));
    assert.equal(again.containerStatuses?.[0].state?.waiting?.reason, "ImagePullBackOff");
  });

  it("reads an inaccessible image from the group's events, even when provisioning failed", () => {
    const s = statusOf(group([{}], { provisioningState: "Failed", groupEvents: [{ name: "InaccessibleImage", type: "Warning", message: "The image 'busybox:1.36' is not accessible" }] }));
    assert.equal(s.phase, "Pending");
    assert.equal(s.containerStatuses?.[0].state?.waiting?.reason, "ErrImagePull");
  });
});

describe("podStatusFromGroup: init containers", () => {
  it("keeps the pod Pending and main containers PodInitializing until init containers complete", () => {
    const s = statusOf(group([{}], { init: [{ currentState: running() }] }), { init: 1 });
    assert.equal(s.phase, "Pending");
    assert.equal(condition(s, "Initialized"), "False");
    assert.equal(s.initContainerStatuses?.[0].state?.running?.startedAt?.getTime(), at(0).getTime());
    assert.equal(s.containerStatuses?.[0].state?.waiting?.reason, "PodInitializing");
  });

  it("marks the pod Initialized once they exit 0", () => {
    const s = statusOf(group([{ currentState: running() }], { init: [{ currentState: exited(0) }], restartPolicy: "Always" }), { init: 1 });
    assert.equal(s.phase, "Running");
    assert.equal(condition(s, "Initialized"), "True");
    assert.equal(s.initContainerStatuses?.[0].state?.terminated?.reason, "Completed");
  });

  it("fails the pod when an init container fails under Never", () => {
    assert.equal(statusOf(group([{}], { init: [{ currentState: exited(1) }] }), { init: 1 }).phase, "Failed");
  });
});

describe("podStatusFromGroup: readiness and conditions", () => {
  it("is Ready when every container runs and has no readiness probe", () => {
    const s = statusOf(group([{ currentState: running() }], { restartPolicy: "Always" }));
    assert.deepEqual(["PodScheduled", "Initialized", "ContainersReady", "Ready"].map((t) => condition(s, t)), ["True", "True", "True", "True"]);
  });

  it("is not Ready while a container waits, naming it", () => {
    const s = statusOf(group([{ currentState: running() }, { currentState: waiting }], { restartPolicy: "Always" }));
    assert.equal(condition(s, "Ready"), "False");
    assert.match(s.conditions?.find((c) => c.type === "Ready")?.message ?? "", /\[c1\]/);
  });

  it("with a readiness probe: unready until the first probe could pass, then ready", () => {
    const g = group([{ currentState: running(0) }], { restartPolicy: "Always", readiness: true });
    assert.equal(condition(statusOf(g, { now: at(2) }), "Ready"), "False");
    assert.equal(condition(statusOf(g, { now: at(6) }), "Ready"), "True");
  });

  it("with a readiness probe: unready while ACI reports recent readiness failures", () => {
    const unhealthy: AciEvent = { name: "Unhealthy", type: "Warning", message: "Readiness probe failed: exit 1", lastTimestamp: at(50) };
    const g = group([{ currentState: running(0), events: [unhealthy] }], { restartPolicy: "Always", readiness: true });
    assert.equal(condition(statusOf(g, { now: at(55) }), "Ready"), "False");
    assert.equal(condition(statusOf(g, { now: at(80) }), "Ready"), "True");
  });

  it("is not Ready once the pod has completed", () => {
    const s = statusOf(group([{ currentState: exited(0) }]));
    assert.deepEqual(s.conditions?.find((c) => c.type === "Ready")?.reason, "PodCompleted");
  });

  it("keeps transition times and start time stable when nothing changed", () => {
    const g = group([{ currentState: running() }], { restartPolicy: "Always" });
    const first = statusOf(g, { now: at(60) });
    const second = statusOf(g, { previous: first, now: at(120) });
    assert.equal(second.startTime, first.startTime);
    assert.deepEqual(second.conditions?.map((c) => c.lastTransitionTime), first.conditions?.map((c) => c.lastTransitionTime));
  });

  it("reports the pod IP from the group and the host IP from the node", () => {
    const s = statusOf(group([{ currentState: running() }], { ip: "10.2.0.7", restartPolicy: "Always" }));
    assert.equal(s.podIP, "10.2.0.7");
    assert.deepEqual(s.podIPs, [{ ip: "10.2.0.7" }]);
    assert.equal(s.hostIP, "10.1.0.4");
  });
});

describe("podStatusFromGroup: groups that replaced lost ones, and ephemeral containers", () => {
  it("counts the restarts before this group from its tag and keeps the lost container's end as last state", () => {
    const g = { ...group([{ currentState: waiting, restartCount: 0 }], { restartPolicy: "Always" }), tags: { "burstlet.io/restarts": "2" } };
    const lostEnd = { exitCode: 137, reason: "ContainerStatusUnknown", startedAt: at(0), finishedAt: at(20) };
    const previous: V1PodStatus = { phase: "Running", containerStatuses: [{ name: "main", image: "busybox:1.36", imageID: "", ready: false, restartCount: 2, state: { waiting: { reason: "ContainerCreating" } }, lastState: { terminated: lostEnd } }] };
    const s = statusOf(g, { previous });
    const main = s.containerStatuses![0];
    assert.equal(main.restartCount, 2);
    assert.deepEqual(main.lastState?.terminated, lostEnd);
    assert.equal(main.state?.waiting?.reason, "ContainerCreating", "a replacement being created is not a crash loop");
    assert.equal(s.phase, "Running", "a restarting pod stays Running, as a kubelet reports it");
    const later = statusOf({ ...g, containers: [{ ...g.containers[0], instanceView: { currentState: running(30), restartCount: 1 } }] }, { previous });
    assert.equal(later.containerStatuses![0].restartCount, 3);
  });

  it("gives each ephemeral container a waiting status that says ACI cannot add it", () => {
    const p = pod({ restartPolicy: "Always", ephemeralContainers: [{ name: "debugger", image: "busybox:1.36" }] });
    const s = podStatusFromGroup({ pod: p, group: group([{ currentState: running() }], { restartPolicy: "Always" }), hostIP: "10.1.0.4", now: at(60) });
    const e = s.ephemeralContainerStatuses?.[0];
    assert.equal(e?.name, "debugger");
    assert.equal(e?.state?.waiting?.reason, "CreateContainerError");
    assert.match(e?.state?.waiting?.message ?? "", /cannot add a container to a running container group/);
    assert.equal(statusOf(group([{ currentState: running() }])).ephemeralContainerStatuses, undefined);
  });
});
