import { strict as assert } from "node:assert";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { AdmissionError, ImagePullError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import { type CreateFailureContext, reportCreateError } from "../../../kubelet/src/pods/create-failures";
import { PullBackoff } from "../../../kubelet/src/pods/pod-states";

describe("reportCreateError", () => {
  const pod: V1Pod = { metadata: { namespace: "ns", name: "p", uid: "u1" }, spec: { containers: [{ name: "main", image: "example.invalid/app:1" }] }, status: { phase: "Pending" } };

  function context(): { ctx: CreateFailureContext; events: string[]; statuses: V1PodStatus[]; retries: number[] } {
    const events: string[] = [];
    const statuses: V1PodStatus[] = [];
    const retries: number[] = [];
    const ctx = {
      events: { record: (_p: V1Pod, e: { reason: string }) => Promise.resolve(void events.push(e.reason)) },
      queue: { addAfter: (_k: string, ms: number) => void retries.push(ms), addRateLimited: (_k: string, ms: number) => (retries.push(ms), ms) },
      pulls: new PullBackoff({ baseMs: 10_000, maxMs: 300_000 }, () => 0),
      now: () => new Date(0),
      log: silentLogger,
      setStatus: (_p: V1Pod, s: V1PodStatus) => Promise.resolve(void statuses.push(s)),
    } as unknown as CreateFailureContext;
    return { ctx, events, statuses, retries };
  }

  it("fails a pod refused at admission with its reason, an Event and no retry", async () => {
    const { ctx, events, statuses, retries } = context();
    await reportCreateError(ctx, "ns/p", pod, new AdmissionError("OutOfcpu", "spec.containers[0].resources.requests.cpu", "8 cores is more than 4"));
    assert.deepEqual(events, ["OutOfcpu"]);
    assert.equal(statuses[0]?.phase, "Failed");
    assert.equal(statuses[0]?.reason, "OutOfcpu");
    assert.deepEqual(retries, []);
  });

  it("keeps a pod whose image cannot be pulled waiting in ErrImagePull, never Failed, and schedules the next look", async () => {
    const { ctx, events, statuses, retries } = context();
    await reportCreateError(ctx, "ns/p", pod, new ImagePullError("example.invalid/app:1", "InaccessibleImage"));
    assert.deepEqual(events, ["Failed"]);
    assert.notEqual(statuses[0]?.phase, "Failed");
    assert.equal(statuses[0]?.containerStatuses?.[0]?.state?.waiting?.reason, "ErrImagePull");
    assert.equal(retries.length, 1);
  });

  it("rethrows what it does not know", async () => {
    const { ctx } = context();
    await assert.rejects(reportCreateError(ctx, "ns/p", pod, new Error("boom")), /boom/);
  });
});
