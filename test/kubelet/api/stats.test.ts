import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { resourceMetrics, statsSummary } from "../../../kubelet/src/api/stats";

const started = new Date("2026-01-02T03:04:05Z");
const pod = (name: string, phase: string, running = true): V1Pod => ({
  metadata: { name, namespace: "ns", uid: `uid-${name}` },
  status: {
    phase,
    startTime: started,
    containerStatuses: [{ name: "main", image: "i", imageID: "", ready: running, restartCount: 0, state: running ? { running: { startedAt: started } } : { waiting: { reason: "ContainerCreating" } } }],
  },
});

describe("stats for the virtual node", () => {
  it("summarises running pods with their containers and start times, and no usage it cannot know", () => {
    const summary = statsSummary("vnode", new Date("2026-01-01T00:00:00Z"), [pod("a", "Running"), pod("b", "Pending", false), pod("c", "Succeeded", false)]);
    assert.deepEqual(summary, {
      node: { nodeName: "vnode", startTime: "2026-01-01T00:00:00.000Z", systemContainers: [] },
      pods: [{ podRef: { name: "a", namespace: "ns", uid: "uid-a" }, startTime: "2026-01-02T03:04:05.000Z", containers: [{ name: "main", startTime: "2026-01-02T03:04:05.000Z" }] }],
    });
  });

  it("exposes resource metrics in the Prometheus text format, with start times and no scrape error", () => {
    const text = resourceMetrics([pod("a", "Running"), pod('we"ird', "Running")], new Date(1_000_000));
    assert.ok(text.endsWith("\n"));
    const lines = text.trimEnd().split("\n");
    for (const name of ["node_cpu_usage_seconds_total", "node_memory_working_set_bytes", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "pod_cpu_usage_seconds_total", "pod_memory_working_set_bytes"]) {
      assert.ok(lines.includes(`# TYPE ${name} ${name.endsWith("_total") ? "counter" : "gauge"}`), name);
      assert.ok(!lines.some((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`)), `${name} has no samples`);
    }
    assert.ok(lines.includes(`container_start_time_seconds{container="main",namespace="ns",pod="a"} ${started.getTime() / 1000} 1000000`));
    assert.ok(lines.includes(`container_start_time_seconds{container="main",namespace="ns",pod="we\\"ird"} ${started.getTime() / 1000} 1000000`));
    assert.ok(lines.includes("resource_scrape_error 0"));
  });

  it("is well formed with no pods at all", () => {
    assert.deepEqual(statsSummary("vnode", started, []).pods, []);
    assert.match(resourceMetrics([], started), /^resource_scrape_error 0$/m);
  });
});
