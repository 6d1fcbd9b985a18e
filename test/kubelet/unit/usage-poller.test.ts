import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import type { GroupSamples } from "../../../kubelet/src/aci/monitor-client";
import { UsagePoller } from "../../../kubelet/src/aci/usage-poller";
import { AuthorizationError } from "../../../kubelet/src/errors";
import { createLogger, silentLogger } from "../../../kubelet/src/log";
import { UsageBook } from "../../../kubelet/src/usage/usage-book";
import { ManualClock } from "../../fixtures/manual-clock";

const started = new Date("2026-03-01T10:00:00Z");
const pod = (i: number, phase = "Running"): V1Pod => ({
  metadata: { name: `p${i}`, namespace: "ns", uid: `uid-${i}` },
  status: { phase, startTime: phase === "Running" ? started : undefined, containerStatuses: [{ name: "main", image: "i", imageID: "", ready: true, restartCount: 0, state: phase === "Running" ? { running: { startedAt: started } } : { waiting: { reason: "ContainerCreating" } } }] },
});
const idOf = (p: V1Pod): string => `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/${p.metadata!.name!}`;

/** A monitor that answers 100 millicores and 1 MiB for one minute-bucket of every container asked about. */
function fakeMonitor(fail: (ids: readonly string[]) => boolean = () => false) {
  const batches: string[][] = [];
  return {
    batches,
    usage: (ids: readonly string[]): Promise<GroupSamples> => {
      batches.push([...ids]);
      if (fail(ids)) return Promise.reject(new Error("throttled"));
      return Promise.resolve(new Map(ids.map((id) => [id.toLowerCase(), new Map([["main", [{ at: started.getTime(), grainMs: 60_000, cpuMillicores: 100, memoryBytes: 2 ** 20 }]]])])));
    },
  };
}

describe("UsagePoller", () => {
  it("asks about running pods only, at most 50 container groups per call", async () => {
    const pods = [...Array.from({ length: 120 }, (_, i) => pod(i)), pod(999, "Pending"), pod(998, "Succeeded")];
    const monitor = fakeMonitor();
    const book = new UsageBook();
    await new UsagePoller({ monitor, pods: () => pods, resourceId: idOf, book, intervalMs: 1000, log: silentLogger }).pollOnce();
    assert.deepEqual(monitor.batches.map((b) => b.length).sort((a, b) => b - a), [50, 50, 20]);
    assert.ok(!monitor.batches.flat().some((id) => id.endsWith("/p999") || id.endsWith("/p998")));
    assert.equal(book.container("uid-7", "main")?.cpuSeconds, 6);
  });

  it("skips a batch that failed, keeps the others, and forgets pods that stopped running", async () => {
    let pods = Array.from({ length: 60 }, (_, i) => pod(i));
    const monitor = fakeMonitor((ids) => ids.some((id) => id.endsWith("/p0")));
    const book = new UsageBook();
    const poller = new UsagePoller({ monitor, pods: () => pods, resourceId: idOf, book, intervalMs: 1000, concurrency: 1, log: silentLogger });
    await poller.pollOnce();
    assert.equal(poller.counts.failedBatches, 1);
    assert.equal(book.container("uid-0", "main"), undefined);
    assert.ok(book.container("uid-55", "main"));
    pods = pods.filter((p) => p.metadata!.name !== "p55");
    await poller.pollOnce();
    assert.equal(book.container("uid-55", "main"), undefined, "a pod no longer running is forgotten");
  });

  it("reports each batch refused for want of a role, logs the action and scope once a cycle, and leaves its pods' usage unknown rather than 0", async () => {
    const pods = Array.from({ length: 60 }, (_, i) => pod(i));
    const denial = new AuthorizationError("Microsoft.Insights/metrics/read", "/subscriptions/s", "AuthorizationFailed");
    const monitor = { usage: (): Promise<GroupSamples> => Promise.reject(denial) };
    const lines: Array<Record<string, unknown>> = [];
    const denied: AuthorizationError[] = [];
    const book = new UsageBook();
    const poller = new UsagePoller({ monitor, pods: () => pods, resourceId: idOf, book, intervalMs: 1000, log: createLogger("info", (l) => lines.push(JSON.parse(l) as Record<string, unknown>)), onDenied: (e) => denied.push(e) });
    await poller.pollOnce();
    assert.deepEqual(denied, [denial, denial], "one report per refused batch");
    assert.equal(poller.counts.deniedBatches, 2);
    assert.equal(book.container("uid-0", "main"), undefined, "no usage recorded, not even a zero");
    const logged = lines.filter((l) => l.level === "error");
    assert.equal(logged.length, 1, "one error line per cycle");
    assert.equal(logged[0].pods, 60);
    assert.equal(logged[0].action, "Microsoft.Insights/metrics/read");
    assert.equal(logged[0].scope, "/subscriptions/s");
    assert.match(String(logged[0].msg), /lacks a role/);
  });

  it("runs a cycle every intervalMs from the start of the last, over the last lookbackMs, however long a cycle takes", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const asked: Array<{ at: number; from: number; to: number }> = [];
    // Each answer takes 300 ms of the clock's time.
    const monitor = {
      usage: async (ids: readonly string[], from: Date, to: Date): Promise<GroupSamples> => {
        asked.push({ at: clock.now() - t0, from: from.getTime() - t0, to: to.getTime() - t0 });
        await clock.sleep(300);
        return new Map(ids.map((id) => [id.toLowerCase(), new Map()]));
      },
    };
    const poller = new UsagePoller({ monitor, pods: () => [pod(1)], resourceId: idOf, book: new UsageBook(), intervalMs: 2_000, lookbackMs: 60_000, log: silentLogger, clock });
    const stop = new AbortController();
    const running = poller.run(stop.signal);
    await clock.advance(6_200);
    assert.deepEqual(asked, [0, 2_000, 4_000, 6_000].map((at) => ({ at, from: at - 60_000, to: at })));
    assert.equal(poller.counts.cycles, 3, "the fourth cycle is still waiting for its answer");
    stop.abort();
    await clock.advance(300);
    await running;
    await clock.advance(10_000);
    assert.equal(asked.length, 4, "no cycle after the abort");
  });
});
