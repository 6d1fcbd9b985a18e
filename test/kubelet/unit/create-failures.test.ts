import { strict as assert } from "node:assert";
import type { V1Pod, V1PodStatus } from "@kubernetes/client-node";
import { AdmissionError, CreatePacedError, ImagePullError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import { type CreateFailureContext, reportCreateError } from "../../../kubelet/src/pods/create-failures";
import { PullBackoff } from "../../../kubelet/src/pods/pod-states";

describe("reportCreateError", () => {
  const pod: V1Pod = { metadata: { namespace: "ns", name: "p", uid: "u1" }, spec: { containers: [{ name: "main", image: "example.invalid/app:1" }] }, status: { phase: "Pending" } };

  function context(): { ctx: CreateFailureContext; events: string[]; messages: string[]; statuses: V1PodStatus[]; retries: number[]; forgotten: string[] } {
    const events: string[] = [];
    const messages: string[] = [];
    const forgotten: string[] = [];
    const statuses: V1PodStatus[] = [];
    const retries: number[] = [];
    const ctx = {
      events: { record: (_p: V1Pod, e: { reason: string; message: string }) => Promise.resolve(void (events.push(e.reason), messages.push(e.message))) },
      queue: { addAfter: (_k: string, ms: number) => void retries.push(ms), addRateLimited: (_k: string, ms: number) => (retries.push(ms), ms), forget: (k: string) => void forgotten.push(k) },
      slot: {},
      pulls: new PullBackoff({ baseMs: 10_000, maxMs: 300_000 }, () => 0),
      now: () => new Date(0),
      log: silentLogger,
      setStatus: (_p: V1Pod, s: V1PodStatus) => Promise.resolve(void statuses.push(s)),
    } as unknown as CreateFailureContext;
    return { ctx, events, messages, statuses, retries, forgotten };
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

  it("keeps a pod waiting for a create slot Pending, says which limit and when, once per limit, and looks again then without a backoff", async () => {
    const { ctx, events, messages, statuses, retries, forgotten } = context();
    const window = new CreatePacedError("100 container group creates per 5 minutes", 90_000, 90_000);
    await reportCreateError(ctx, "ns/p", pod, window);
    await reportCreateError(ctx, "ns/p", pod, new CreatePacedError("100 container group creates per 5 minutes", 60_000, 60_000));
    assert.deepEqual(events, ["WaitingForCreateSlot"], "one Event while it waits for the same limit");
    assert.equal(messages[0], "waiting for a create slot under 100 container group creates per 5 minutes: a slot is expected at 1970-01-01T00:01:30.000Z (in 90 s)");
    assert.deepEqual(statuses.map((s) => s.phase), ["Pending", "Pending"]);
    const ready = statuses[1].conditions?.find((c) => c.type === "Ready");
    assert.deepEqual([ready?.status, ready?.reason, ready?.message], ["False", "WaitingForCreateSlot", "waiting for a create slot under 100 container group creates per 5 minutes: a slot is expected at 1970-01-01T00:01:00.000Z (in 60 s)"]);
    assert.deepEqual(retries, [90_000, 60_000], "it looks again when its slot is expected");
    assert.deepEqual(forgotten, ["ns/p", "ns/p"], "waiting grows no backoff");
    await reportCreateError(ctx, "ns/p", pod, new CreatePacedError("the region's quota of 100 container groups (100 exist; groups count until they are deleted)", 5_000));
    assert.deepEqual(events, ["WaitingForCreateSlot", "WaitingForCreateSlot"], "a new Event when the limit changes");
    assert.match(messages[1], /quota of 100 container groups .*: a slot is expected once container groups in the region are deleted$/);
  });

  it("rethrows what it does not know", async () => {
    const { ctx } = context();
    await assert.rejects(reportCreateError(ctx, "ns/p", pod, new Error("boom")), /boom/);
  });
});
