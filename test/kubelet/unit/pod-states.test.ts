import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { IMAGE_PULL_BACKOFF, PullBackoff, deadlineStatus, containersWaitingStatus, lostStatus, replacingStatus, waitingStatus } from "../../../kubelet/src/pods/pod-states";

const T0 = new Date("2026-01-01T00:00:00Z");

const pod = (): V1Pod => ({
  metadata: { name: "p", namespace: "ns", uid: "u" },
  spec: { containers: [{ name: "web", image: "registry.example/web:1" }, { name: "side", image: "busybox:1.36" }] },
  status: {
    phase: "Running",
    startTime: T0,
    conditions: [{ type: "PodScheduled", status: "True" }, { type: "Ready", status: "True", lastTransitionTime: T0 }],
    containerStatuses: [
      { name: "web", image: "registry.example/web:1", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: T0 } } },
      { name: "side", image: "busybox:1.36", imageID: "", ready: true, restartCount: 0, state: { terminated: { exitCode: 0, reason: "Completed" } } },
    ],
  },
});

describe("PullBackoff (the kubelet's image pull backoff, on a fake clock)", () => {
  it("waits 10 s after the first failure, doubling to 5 minutes, and forgets on success", () => {
    let now = 0;
    const backoff = new PullBackoff(IMAGE_PULL_BACKOFF, () => now);
    assert.equal(backoff.remaining(), 0);
    assert.equal(backoff.sinceFailure(), Number.POSITIVE_INFINITY);
    const waits = Array.from({ length: 7 }, () => {
      const wait = backoff.fail();
      now += wait;
      return wait / 1000;
    });
    assert.deepEqual(waits, [10, 20, 40, 80, 160, 300, 300]);
    backoff.fail();
    now += 1_000;
    assert.equal(backoff.remaining(), 299_000);
    assert.equal(backoff.sinceFailure(), 1_000);
    backoff.forget();
    assert.equal(backoff.remaining(), 0);
    assert.equal(backoff.fail(), 10_000, "after a success the next failure waits the base again");
  });
});
describe("pod states the controller writes", () => {
  it("an image pull failure: Pending, the container using the image waiting ErrImagePull, then ImagePullBackOff", () => {
    const err = containersWaitingStatus(pod(), "registry.example/web:1", "ErrImagePull", "not found", T0);
    assert.equal(err.phase, "Pending");
    assert.deepEqual(err.containerStatuses?.map((s) => s.state?.waiting?.reason), ["ErrImagePull", "ContainerCreating"]);
    assert.equal(err.containerStatuses?.[0].state?.waiting?.message, "not found");
    assert.equal(err.conditions?.find((c) => c.type === "Ready")?.status, "False");
    const backoff = containersWaitingStatus(pod(), "registry.example/web:1", "ImagePullBackOff", "not found", T0);
    assert.match(backoff.containerStatuses?.[0].state?.waiting?.message ?? "", /^Back-off pulling image "registry.example\/web:1"/);
    // A failure that names no image (a registry error): every container waits on it.
    assert.deepEqual(containersWaitingStatus(pod(), undefined, "ErrImagePull", "registry error", T0).containerStatuses?.map((s) => s.state?.waiting?.reason), ["ErrImagePull", "ErrImagePull"]);
    // A fully qualified name in the failure still finds the container.
    assert.equal(containersWaitingStatus(pod(), "docker.io/library/busybox:1.36", "ErrImagePull", "x", T0).containerStatuses?.[1].state?.waiting?.reason, "ErrImagePull");
  });

  it("a deadline passed: Failed DeadlineExceeded, running containers killed (137), finished ones kept", () => {
    const s = deadlineStatus(pod(), new Date(T0.getTime() + 60_000));
    assert.equal(s.phase, "Failed");
    assert.equal(s.reason, "DeadlineExceeded");
    assert.equal(s.containerStatuses?.[0].state?.terminated?.exitCode, 137);
    assert.equal(s.containerStatuses?.[1].state?.terminated?.exitCode, 0);
  });

  it("a lost group with restart policy Never: Failed ContainerGroupLost, exit code 137", () => {
    const s = lostStatus(pod(), "its container group disappeared", T0);
    assert.equal(s.phase, "Failed");
    assert.equal(s.reason, "ContainerGroupLost");
    assert.equal(s.containerStatuses?.[0].state?.terminated?.exitCode, 137);
  });

  it("a lost group being replaced: one more restart, the lost container's end as last state", () => {
    const s = replacingStatus(pod(), 1, T0);
    assert.equal(s.phase, "Running");
    assert.deepEqual(s.containerStatuses?.map((c) => c.restartCount), [1, 1]);
    assert.equal(s.containerStatuses?.[0].lastState?.terminated?.exitCode, 137);
    assert.equal(s.containerStatuses?.[0].state?.waiting?.reason, "ContainerCreating");
  });

  it("waiting for the backend keeps the Ready transition time while the reason holds", () => {
    const first = waitingStatus(pod(), "throttled", T0);
    const again = waitingStatus({ ...pod(), status: first }, "throttled", new Date(T0.getTime() + 5_000));
    assert.equal(again.phase, "Pending");
    assert.deepEqual(again.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime, T0);
  });
});
