import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { PodRecords, deletionKey, splitDeletionKey } from "../../../kubelet/src/pods/pod-records";
import { PullBackoff } from "../../../kubelet/src/pods/pod-states";

const pod = (uid: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { namespace: "ns", name: "web", uid, labels: { app: "web" } },
  spec: { containers: [{ name: "main", image: "busybox:1.36" }] },
  status: { phase: "Pending" },
  ...extra,
});

describe("PodRecords", () => {
  const records = (): PodRecords => new PodRecords(() => new PullBackoff());

  it("creates one record on first sight and calls only changes beyond status work", () => {
    const r = records();
    assert.equal(r.see(pod("u1")).changed, true, "a new pod is work");
    assert.equal(r.see(pod("u1", { status: { phase: "Running", podIP: "10.0.0.9" } })).changed, false, "a status-only update (e.g. burstlet's own write echoed back) is not");
    const labelled = pod("u1");
    labelled.metadata!.labels = { app: "web", tier: "front" };
    assert.equal(r.see(labelled).changed, true, "a label is");
    const deleting = pod("u1");
    deleting.metadata!.labels = { app: "web", tier: "front" };
    deleting.metadata!.deletionTimestamp = new Date(0);
    assert.equal(r.see(deleting).changed, true, "a deletion is");
    const debug = structuredClone(deleting);
    debug.spec!.ephemeralContainers = [{ name: "debugger", image: "busybox:1.36" }];
    assert.equal(r.see(debug).changed, true, "an ephemeral container is");
    assert.equal(r.size, 1);
  });

  it("names the record a new pod under an old name replaces, and finds records by key and UID", () => {
    const r = records();
    r.see(pod("old"));
    const { record, replaced } = r.see(pod("new"));
    assert.equal(replaced?.uid, "old");
    assert.equal(replaced?.present, false);
    assert.equal(r.forKey("ns/web"), record);
    assert.equal(r.get("old"), replaced);
  });

  it("keeps a record until it is removed, and a vanished pod that comes back is work again", () => {
    const r = records();
    r.see(pod("u1"));
    r.vanished("u1");
    assert.equal(r.get("u1")?.present, false);
    assert.equal(r.see(pod("u1")).changed, true);
    r.remove("u1");
    assert.deepEqual([r.size, r.forKey("ns/web"), r.get("u1")], [0, undefined, undefined]);
  });

  it("records orphaned backing once, as running, without a pod", () => {
    const r = records();
    const orphan = r.orphan({ namespace: "ns", name: "gone", uid: "u9", handle: "group-u9" });
    assert.deepEqual([orphan.backing, orphan.present, orphan.handle], ["running", false, "group-u9"]);
    assert.equal(r.orphan({ namespace: "ns", name: "gone", uid: "u9" }), orphan);
    assert.deepEqual(r.counts(), { creating: 0, running: 1, deleting: 0, gone: 0 });
  });

  it("keys deletions by namespace, name and UID", () => {
    const key = deletionKey({ namespace: "ns", name: "web", uid: "u1" });
    assert.equal(key, "ns/web/u1");
    assert.deepEqual(splitDeletionKey(key), { namespace: "ns", name: "web", uid: "u1" });
  });
});
