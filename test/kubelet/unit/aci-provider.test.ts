/**
 * The ACI provider behind a fake ARM client, on a manual clock: creates are idempotent by pod UID,
 * a lost group is replaced or refused by restart policy, status notices carry Events until they
 * are acknowledged, and a deleted pod is no longer followed.
 */
import { strict as assert } from "node:assert";
import type { ContainerGroup, Usage } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { AciProvider, type ContainerGroupApi } from "../../../kubelet/src/aci/aci-provider";
import { containerGroupName } from "../../../kubelet/src/aci/naming";
import { TAGS } from "../../../kubelet/src/constants";
import { AciWindowThrottledError, BackingLostError, CreatePacedError, NotFoundError, TransientError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { PodNotice } from "../../../kubelet/src/provider/provider";
import { ManualClock } from "../../fixtures/manual-clock";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** ARM as a map of container groups, with a log of the calls made. */
class FakeArm implements ContainerGroupApi {
  /** The next create throws this without storing the group. */
  refuseNextCreate: Error | undefined;
  readonly groups = new Map<string, ContainerGroup>();
  readonly calls: string[] = [];
  readonly reads = { available: () => 100, burst: 100 };
  listPages = 1;
  /** The next create throws this after storing the group (an answer that was lost). */
  loseNextAnswer: Error | undefined;

  get(name: string): Promise<ContainerGroup> {
    this.calls.push(`get ${name}`);
    const group = this.groups.get(name);
    return group ? Promise.resolve(structuredClone(group)) : Promise.reject(new NotFoundError(`container group ${name} not found`));
  }
  create(name: string, group: ContainerGroup): Promise<void> {
    this.calls.push(`create ${name}`);
    const refused = this.refuseNextCreate;
    this.refuseNextCreate = undefined;
    if (refused) return Promise.reject(refused);
    this.groups.set(name, { ...structuredClone(group), name, provisioningState: "Succeeded" });
    const lost = this.loseNextAnswer;
    this.loseNextAnswer = undefined;
    return lost ? Promise.reject(lost) : Promise.resolve();
  }
  beginDelete(name: string): Promise<{ gone: boolean }> {
    this.calls.push(`delete ${name}`);
    this.groups.delete(name);
    return Promise.resolve({ gone: true });
  }
  list(): Promise<ContainerGroup[]> {
    this.calls.push("list");
    return Promise.resolve([...this.groups.values()].map((g): ContainerGroup => ({ name: g.name, tags: g.tags, provisioningState: g.provisioningState, containers: [], osType: g.osType })));
  }
  logs(name: string): Promise<string> {
    this.calls.push(`logs ${name}`);
    return this.groups.has(name) ? Promise.resolve("") : Promise.reject(new NotFoundError(`container group ${name} not found`));
  }
  /** Final logs by `group/container`; a container without one has no log (404). */
  readonly finalLogContent = new Map<string, string>();
  finalLogs(name: string, container: string): Promise<string> {
    this.calls.push(`final logs ${name}/${container}`);
    const log = this.finalLogContent.get(`${name}/${container}`);
    return log === undefined ? Promise.reject(new NotFoundError(`no log for ${name}/${container}`)) : Promise.resolve(log);
  }
  probeRead(): Promise<void> {
    return Promise.resolve();
  }
  /** The region's groups and cores in use, by the quotas' reading. */
  groupsInUse = 0;
  groupQuota = 60;
  /** Readings of the region's usages. */
  usageReads = 0;
  usages(): Promise<Usage[]> {
    this.usageReads++;
    return Promise.resolve([
      { name: { value: "StandardCores" }, limit: 40, currentValue: 0, unit: "Count" },
      { name: { value: "ContainerGroups" }, limit: this.groupQuota, currentValue: this.groupsInUse, unit: "Count" },
    ]);
  }
  onRecovered(): void {}
  unreachableSince(): number | undefined {
    return undefined;
  }
  /** Marks a group's container running, with the events ACI would list. */
  run(name: string, events: Array<{ name: string; count: number }>): void {
    const group = this.groups.get(name)! as Mutable<ContainerGroup>;
    group.instanceView = { state: "Running" };
    for (const c of group.containers as Array<Mutable<ContainerGroup["containers"][number]>>) {
      c.instanceView = { restartCount: 0, currentState: { state: "Running", startTime: new Date(0) }, events: events.map((e) => ({ ...e, type: "Normal", message: e.name, firstTimestamp: new Date(0), lastTimestamp: new Date(0) })) };
    }
  }
  count(prefix: string): number {
    return this.calls.filter((c) => c.startsWith(prefix)).length;
  }
}

const pod = (uid: string, restartPolicy = "Never", status?: V1Pod["status"]): V1Pod => ({
  metadata: { namespace: "ns", name: `pod-${uid}`, uid },
  spec: { restartPolicy, automountServiceAccountToken: false, containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "true"] }] },
  status: status ?? { phase: "Pending" },
});
const groupOf = (p: V1Pod): string => containerGroupName({ namespace: "ns", name: p.metadata!.name!, uid: p.metadata!.uid! });

describe("AciProvider (fake ARM, manual clock)", () => {
  let arm: FakeArm;
  let clock: ManualClock;
  let provider: AciProvider;
  let notices: PodNotice[];
  let stop: AbortController;
  let running: Promise<void>;

  const start = (extra: Partial<ConstructorParameters<typeof AciProvider>[0]> = {}): AciProvider => new AciProvider({
      arm,
      references: { secret: () => Promise.resolve(undefined), configMap: () => Promise.resolve(undefined), serviceAccountToken: () => Promise.resolve("token") },
      images: { resolve: () => Promise.reject(new Error("no image lookups expected")) },
      log: silentLogger,
      clusterName: "c1",
      nodeName: "n1",
      location: "westeurope",
      hostIP: "10.0.0.1",
      clock,
      capacity: { pods: 50 },
      tracker: { activeMs: 100, steadyMs: 1_000, tickMs: 10, listEveryMs: 100_000, lostListMs: 100_000 },
      ...extra,
    });

  beforeEach(() => {
    arm = new FakeArm();
    clock = new ManualClock(0);
    notices = [];
    provider = start();
    provider.notify((n) => notices.push(n));
    stop = new AbortController();
    running = provider.run(stop.signal);
  });
  afterEach(async () => {
    stop.abort();
    await clock.advance(1_000);
    await running;
  });

  it("creates a group once per pod UID: a second create adopts it", async () => {
    const p = pod("u1");
    assert.deepEqual(await provider.createPod(p), { notes: [], adopted: false });
    assert.deepEqual(await provider.createPod(p), { notes: [], adopted: true });
    assert.equal(arm.count("create"), 1);
    const group = arm.groups.get(groupOf(p))!;
    assert.deepEqual([group.tags?.[TAGS.cluster], group.tags?.[TAGS.node], group.tags?.[TAGS.podUid]], ["c1", "n1", "u1"]);
  });

  it("looks before sending again a create whose answer was lost, and adopts what it finds", async () => {
    const p = pod("u2");
    arm.loseNextAnswer = new TransientError("connection reset");
    await assert.rejects(provider.createPod(p), TransientError);
    assert.deepEqual(await provider.createPod(p), { notes: [], adopted: true });
    assert.deepEqual(arm.calls, [`create ${groupOf(p)}`, `get ${groupOf(p)}`]);
  });

  it("adopts the groups it lists at start, tagged for its cluster and node only", async () => {
    const mine = pod("u3");
    const theirs = pod("u4");
    arm.groups.set(groupOf(mine), { name: groupOf(mine), containers: [], osType: "Linux", tags: { [TAGS.cluster]: "c1", [TAGS.node]: "n1", [TAGS.podUid]: "u3", [TAGS.namespace]: "ns", [TAGS.pod]: "pod-u3" } });
    arm.groups.set(groupOf(theirs), { name: groupOf(theirs), containers: [], osType: "Linux", tags: { [TAGS.cluster]: "c1", [TAGS.node]: "other", [TAGS.podUid]: "u4", [TAGS.namespace]: "ns", [TAGS.pod]: "pod-u4" } });
    await provider.start();
    assert.deepEqual(await provider.listPods(), [{ namespace: "ns", name: "pod-u3", uid: "u3", handle: groupOf(mine) }]);
    assert.equal((await provider.createPod(mine)).adopted, true);
    assert.equal(arm.count("create"), 0);
  });

  it("refuses to replace a lost group under restart policy Never, and replaces it counting a restart otherwise", async () => {
    const ran = { phase: "Running", containerStatuses: [{ name: "main", image: "busybox:1.36", imageID: "", ready: true, restartCount: 2, state: { running: { startedAt: new Date(0) } } }] };
    await assert.rejects(provider.createPod(pod("u5", "Never", ran)), BackingLostError);
    assert.equal(arm.count("create"), 0);
    assert.deepEqual(await provider.createPod(pod("u6", "Always", ran)), { notes: [], adopted: false, restartCount: 3 });
  });

  it("notifies each status change with every Event not acknowledged yet, and never again once acknowledged", async () => {
    const p = pod("u7");
    await provider.createPod(p);
    arm.run(groupOf(p), [{ name: "Pulling", count: 1 }, { name: "Started", count: 1 }]);
    await clock.advance(5_000);
    const first = notices.filter((n) => n.kind === "status");
    assert.ok(first.length >= 1, "the running group was read");
    const running = first.at(-1)!;
    assert.equal(running.kind === "status" && running.status.phase, "Running");
    const keys = running.kind === "status" ? running.events.map((e) => e.key) : [];
    assert.equal(keys.length, 2, `the two Events, got ${JSON.stringify(keys)}`);
    provider.acknowledge("u7", keys);
    const container = arm.groups.get(groupOf(p))!.containers[0] as Mutable<ContainerGroup["containers"][number]>;
    container.instanceView = { ...container.instanceView, currentState: { state: "Terminated", exitCode: 0, startTime: new Date(0), finishTime: new Date(1) } };
    const before = notices.length;
    await clock.advance(5_000);
    const done = notices.slice(before);
    assert.equal(done.length, 1, "the change is notified once");
    assert.equal(done[0].kind === "status" && done[0].status.phase, "Succeeded");
    assert.deepEqual(done[0].kind === "status" && done[0].events, [], "acknowledged Events are not sent again");
    const reads = arm.count("get");
    await clock.advance(10_000);
    assert.equal(arm.count("get"), reads, "a finished pod is not read again");
  });

  it("tells the controller when a followed group disappears", async () => {
    const p = pod("u8");
    await provider.createPod(p);
    arm.run(groupOf(p), []);
    await clock.advance(2_000);
    arm.groups.delete(groupOf(p));
    await clock.advance(2_000);
    assert.deepEqual(notices.filter((n) => n.kind === "lost"), [{ kind: "lost", namespace: "ns", name: "pod-u8", uid: "u8" }]);
  });

  it("stops following a pod it deletes, resolving once its group is gone", async () => {
    const p = pod("u9");
    await provider.createPod(p);
    arm.run(groupOf(p), []);
    await clock.advance(2_000);
    await provider.deletePod({ namespace: "ns", name: "pod-u9", uid: "u9" });
    assert.equal(arm.groups.has(groupOf(p)), false);
    const reads = arm.count("get");
    const before = notices.length;
    await clock.advance(10_000);
    assert.deepEqual([arm.count("get"), notices.length], [reads, before], "no reads and no notices after the delete");
  });

  it("keeps a finished pod's final logs, deletes its group, and serves its logs from them afterwards", async () => {
    const p = pod("f1");
    await provider.createPod(p);
    const name = groupOf(p);
    arm.finalLogContent.set(`${name}/main`, "2026-12-02T05:00:00Z hello\n2026-12-02T05:00:01Z bye\n");
    const finished: V1Pod = { ...p, status: { phase: "Succeeded" } };
    await provider.deletePod({ namespace: "ns", name: "pod-f1", uid: "f1" }, finished);
    assert.equal(arm.groups.has(name), false);
    assert.deepEqual(arm.calls.filter((c) => c.startsWith("final logs") || c.startsWith("delete")), [`final logs ${name}/main`, `delete ${name}`], "the logs are read before the group goes");
    const logsBefore = arm.calls.length;
    assert.equal(await provider.getContainerLogs(finished, "main", { tailLines: 1 }), "bye\n");
    assert.equal(await provider.getContainerLogs(finished, "main", { timestamps: true }), "2026-12-02T05:00:00Z hello\n2026-12-02T05:00:01Z bye\n");
    assert.equal(arm.calls.length, logsBefore, "served without a read");
    provider.forgetPod("f1");
    assert.equal(provider.finalLogs.size, 0);
  });

  it("says plainly that a finished pod's logs are gone when it kept none (a restart), not an error of its own", async () => {
    const finished = pod("f2", "Never", { phase: "Failed" });
    await assert.rejects(provider.getContainerLogs(finished, "main", {}), (err: Error) => err instanceof NotFoundError && /burstlet keeps final logs in memory only/.test(err.message));
  });

  it("holds a create back under ACI's create window, and says which window and when", async () => {
    provider = start({ createWindows: [{ max: 2, windowSeconds: 60 }] });
    await provider.createPod(pod("w1"));
    await provider.createPod(pod("w2"));
    const err = await provider.createPod(pod("w3")).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CreatePacedError);
    assert.deepEqual([err.limit, err.expectedAt, err.retryAt], ["2 container group creates per minute", 62_000, 62_000]);
    assert.equal(arm.count("create"), 2, "nothing sent that ACI would refuse");
    await clock.advance(62_000);
    assert.equal((await provider.createPod(pod("w3"))).adopted, false);
  });

  it("slows the window for every pod when ACI answers 429 from it, and never adds a backoff to the pod", async () => {
    arm.refuseNextCreate = new AciWindowThrottledError("create: TooManyRequests", 30_000);
    const err = await provider.createPod(pod("t1")).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CreatePacedError);
    assert.deepEqual([err.expectedAt, provider.creates.throttled], [30_000, 1]);
    const other = await provider.createPod(pod("t2")).then(() => undefined, (e: unknown) => e);
    assert.ok(other instanceof CreatePacedError && other.expectedAt === 30_000, "another pod waits for the same window");
    assert.equal(arm.count("create"), 1);
    await clock.advance(30_000);
    await provider.createPod(pod("t1"));
    await provider.createPod(pod("t2"));
    assert.equal(arm.count("create"), 3);
  });

  it("waits for the region's container group quota, which finished groups hold until deleted", async () => {
    arm.groupQuota = 2;
    arm.groupsInUse = 1;
    await provider.createPod(pod("q1"));
    const err = await provider.createPod(pod("q2")).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof CreatePacedError);
    assert.match(err.limit, /quota of 2 container groups \(2 exist; groups count until they are deleted\)/);
    assert.equal(err.expectedAt, undefined);
    assert.equal(arm.count("create"), 1);
    // A group is deleted; the next reading of usages (at most 10 s old) frees the slot.
    arm.groupsInUse = 1;
    await clock.advance(10_000);
    await provider.createPod(pod("q2"));
    assert.equal(arm.count("create"), 2);
  });

  it("offers the region's quota as capacity, with overrides, and memory at 4 GiB per core", async () => {
    assert.deepEqual(await provider.capacity(), { cpu: 40, pods: 50, memoryGiB: 160 });
  });

  it("reads the region's usages once for the health check and the capacity asking together, and again only after 10 s", async () => {
    const before = arm.usageReads;
    await Promise.all([provider.health(), provider.capacity(), provider.health()]);
    assert.equal(arm.usageReads - before, 1);
    await provider.capacity();
    assert.equal(arm.usageReads - before, 1, "within 10 s, the reading is reused");
    await clock.advance(10_000);
    await Promise.all([provider.health(), provider.capacity()]);
    assert.equal(arm.usageReads - before, 2);
  });
});
