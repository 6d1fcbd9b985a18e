import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { runningContainers, runningPods } from "../../../kubelet/src/usage/running-containers";

const started = new Date("2026-03-01T10:00:00Z");
const pod = (name: string, status: V1Pod["status"]): V1Pod => ({ metadata: { name, namespace: "ns", uid: `uid-${name}` }, status });

describe("runningPods and runningContainers", () => {
  it("keeps the pods that are running and started, in order", () => {
    const pods = [
      pod("a", { phase: "Running", startTime: started }),
      pod("pending", { phase: "Pending" }),
      pod("b", { phase: "Running", startTime: started }),
      pod("unstarted", { phase: "Running" }),
      pod("done", { phase: "Succeeded", startTime: started }),
      pod("no-status", undefined),
    ];
    assert.deepEqual(runningPods(pods).map((p) => p.metadata!.name), ["a", "b"]);
  });

  it("lists a pod's running containers with their start times, and no others", () => {
    const p = pod("a", {
      phase: "Running",
      startTime: started,
      containerStatuses: [
        { name: "main", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: started } } },
        { name: "waiting", image: "i", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ContainerCreating" } } },
        { name: "garbled", image: "i", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: new Date("not a date") } } },
      ],
    });
    assert.deepEqual(runningContainers(p), [{ name: "main", startedAt: started }]);
  });
});
