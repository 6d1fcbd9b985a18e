import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { resourceMetrics, statsSummary } from "../../../kubelet/src/api/stats";
import { UsageBook } from "../../../kubelet/src/usage/usage-book";

const started = new Date("2026-01-02T03:04:05Z");
const MINUTE = 60_000;
const pod = (name: string, phase: string, running = true, containers = ["main"]): V1Pod => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}` },
  status: {
    phase,
    startTime: started,
    containerStatuses: containers.map((c) => ({ name: c, image: "i", imageID: "", ready: running, restartCount: 0, state: running ? { running: { startedAt: started } } : { waiting: { reason: "ContainerCreating" } } })),
  },
});

/** A book where `uid-a`'s container used 0.5 cores and 64 MiB over two minutes after it started. */
function bookWithUsage(): UsageBook {
  const book = new UsageBook();
  const t0 = started.getTime();
  book.record("uid-a", "main", started, [
    { at: t0, grainMs: MINUTE, cpuMillicores: 500, memoryBytes: 64 * 2 ** 20 },
    { at: t0 + MINUTE, grainMs: MINUTE, cpuMillicores: 500, memoryBytes: 64 * 2 ** 20 },
  ]);
  return book;
}

describe("stats for the virtual node", () => {
  it("summarises running pods with their containers and start times, and no usage it cannot know", () => {
    const summary = statsSummary("vnode", new Date("2026-01-01T00:00:00Z"), [pod("a", "Running"), pod("b", "Pending", false), pod("c", "Succeeded", false)]);
    assert.deepEqual(summary, {
      node: { nodeName: "vnode", startTime: "2026-01-01T00:00:00.000Z", systemContainers: [] },
      pods: [{ podRef: { name: "a", namespace: "ns", uid: "uid-a" }, startTime: "2026-01-02T03:04:05.000Z", containers: [{ name: "main", startTime: "2026-01-02T03:04:05.000Z" }] }],
    });
  });

  it("carries usage for node, pod and container in the summary, timed by the newest bucket counted", () => {
    const summary = statsSummary("vnode", started, [pod("a", "Running"), pod("b", "Running")], bookWithUsage());
    const at = new Date(started.getTime() + 2 * MINUTE).toISOString();
    const cpu = { time: at, usageNanoCores: 500_000_000, usageCoreNanoSeconds: 60_000_000_000 };
    const memory = { time: at, usageBytes: 64 * 2 ** 20, workingSetBytes: 64 * 2 ** 20 };
    assert.deepEqual(summary.node.cpu, cpu);
    assert.deepEqual(summary.node.memory, memory);
    const [a, b] = summary.pods;
    assert.deepEqual([a.cpu, a.memory], [cpu, memory]);
    assert.deepEqual(a.containers, [{ name: "main", startTime: started.toISOString(), cpu, memory }]);
    // b has no usage yet: listed, without cpu and memory (never as 0).
    assert.deepEqual(b, { podRef: { name: "b", namespace: "ns", uid: "uid-b" }, startTime: started.toISOString(), containers: [{ name: "main", startTime: started.toISOString() }] });
  });

  it("exposes resource metrics with the kubelet's names, labels and millisecond timestamps", () => {
    const text = resourceMetrics([pod("a", "Running"), pod('we"ird', "Running")], bookWithUsage());
    assert.ok(text.endsWith("\n"));
    const lines = text.trimEnd().split("\n");
    const at = started.getTime() + 2 * MINUTE;
    for (const expected of [
      `node_cpu_usage_seconds_total 60 ${at}`,
      `node_memory_working_set_bytes ${64 * 2 ** 20} ${at}`,
      `container_cpu_usage_seconds_total{container="main",pod="a",namespace="ns"} 60 ${at}`,
      `container_memory_working_set_bytes{container="main",pod="a",namespace="ns"} ${64 * 2 ** 20} ${at}`,
      `container_start_time_seconds{container="main",pod="a",namespace="ns"} ${started.getTime() / 1000} ${at}`,
      `pod_cpu_usage_seconds_total{namespace="ns",pod="a"} 60 ${at}`,
      `pod_memory_working_set_bytes{namespace="ns",pod="a"} ${64 * 2 ** 20} ${at}`,
      "resource_scrape_error 0",
    ]) assert.ok(lines.includes(expected), `${expected}\n--- in ---\n${text}`);
    for (const name of ["node_cpu_usage_seconds_total", "container_cpu_usage_seconds_total", "pod_cpu_usage_seconds_total"]) assert.ok(lines.includes(`# TYPE ${name} counter`), name);
    // The pod without usage is left out entirely, start time included: metrics-server would drop it as incomplete.
    assert.ok(!text.includes('we\\"ird'), "a pod whose usage is unknown is not listed");
  });

  it("leaves out a pod until every one of its containers has usage", () => {
    const book = bookWithUsage();
    const twoContainers = pod("a", "Running", true, ["main", "sidecar"]);
    assert.ok(!resourceMetrics([twoContainers], book).includes('pod="a"'));
    book.record("uid-a", "sidecar", started, [{ at: started.getTime(), grainMs: MINUTE, cpuMillicores: 2, memoryBytes: 2 ** 20 }]);
    assert.match(resourceMetrics([twoContainers], book), /^container_cpu_usage_seconds_total\{container="sidecar",pod="a",namespace="ns"\} 0.12 /m);
  });

  it("is well formed with no pods at all", () => {
    assert.deepEqual(statsSummary("vnode", started, []).pods, []);
    assert.match(resourceMetrics([]), /^resource_scrape_error 0$/m);
    assert.ok(!/^node_/m.test(resourceMetrics([])), "no node figures before any usage is known");
  });
});
