import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import type { V1Pod } from "@kubernetes/client-node";
import { DEFAULT_ITEMS, MAX_ITEMS, parseDemoArgs, UsageError } from "../../demo/options";
import { type BurstSnapshot, type DemoSummary, ContainerTimes, countPhases, countPlacement, groupCounts, steadyView } from "../../demo/snapshot";
import { TerminalView, progressBar, renderLive, renderPlain, renderSummary, secondsText, usageLine } from "../../demo/view";
import { cpuMillicores, memoryBytes, topTable, usageView } from "../../demo/usage";

const pod = (phase: string | undefined, nodeName?: string): V1Pod => ({ spec: { containers: [], nodeName }, status: phase ? { phase } : undefined });
const plain = { color: false };

const snapshot = (over: Partial<BurstSnapshot> = {}): BurstSnapshot => ({
  stage: "burst",
  elapsedMs: 3_400,
  items: 10,
  phases: { pending: 2, running: 3, succeeded: 5, failed: 0 },
  placement: { virtual: 10, ordinary: 0, unscheduled: 0 },
  steady: { total: 3, running: 3, nodes: { "ordinary-1": 1, "ordinary-2": 1, "ordinary-3": 1 } },
  groups: { alive: 8, running: 3, succeeded: 5 },
  jobComplete: false,
  ...over,
});

const summary: DemoSummary = {
  items: 10, succeeded: 10, failed: 0, burstOnVirtualNode: 10, burstOnOrdinaryNodes: 0, virtualNode: "burstlet",
  steadyPods: 3, steadyOnOrdinaryNodes: 3, steadyNodes: ["ordinary-1", "ordinary-2", "ordinary-3"],
  firstContainerStartedMs: 600, lastContainerStartedMs: 900, lastContainerFinishedMs: 3_000, jobCompleteMs: 4_100, containerGroupsStarted: 10, peakContainerGroups: 10,
  containerGroupsLeft: 0, cleanupMs: 2_000, logs: { pod: "burst-demo/thumbnails-0-abcde", text: "shard 0 of 10\nshard 0 done\n" },
  setupMs: 6_000, controlPlaneMs: 4_000, totalMs: 12_000,
};

/** A stream standing in for a terminal, collecting what was written. */
function sink(isTTY: boolean): { out: NodeJS.WriteStream; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c.toString()));
  Object.assign(stream, { isTTY });
  return { out: stream as unknown as NodeJS.WriteStream, text: () => chunks.join("") };
}

describe("demo: options", () => {
  it("defaults to 100 items, no --keep", () => {
    assert.deepEqual(parseDemoArgs([]), { items: DEFAULT_ITEMS, keep: false, help: false });
  });
  it("reads --items N, --items=N, --keep and --help", () => {
    assert.deepEqual(parseDemoArgs(["--items", "20", "--keep"]), { items: 20, keep: true, help: false });
    assert.equal(parseDemoArgs(["--items=7"]).items, 7);
    assert.equal(parseDemoArgs(["-h"]).help, true);
  });
  it("refuses what it cannot run, saying why", () => {
    assert.throws(() => parseDemoArgs(["--items", "0"]), UsageError);
    assert.throws(() => parseDemoArgs(["--items", "2.5"]), /whole number from 1 to/);
    assert.throws(() => parseDemoArgs([`--items=${MAX_ITEMS + 1}`]), /whole number/);
    assert.throws(() => parseDemoArgs(["--items"]), /needs a number/);
    assert.throws(() => parseDemoArgs(["--fast"]), /unknown argument "--fast"/);
  });
});

describe("demo: snapshot figures", () => {
  it("counts phases; anything not started is pending", () => {
    assert.deepEqual(countPhases([pod(undefined), pod("Pending"), pod("Running"), pod("Succeeded"), pod("Succeeded"), pod("Failed")]), { pending: 2, running: 1, succeeded: 2, failed: 1 });
  });
  it("tells the virtual node from ordinary nodes", () => {
    assert.deepEqual(countPlacement([pod("Running", "burstlet"), pod("Running", "ordinary-1"), pod("Pending")], "burstlet"), { virtual: 1, ordinary: 1, unscheduled: 1 });
  });
  it("counts steady pods per node", () => {
    assert.deepEqual(steadyView([pod("Running", "a"), pod("Running", "a"), pod("Pending", "b")]), { total: 3, running: 2, nodes: { a: 2, b: 1 } });
  });
  it("counts container groups by state", () => {
    assert.deepEqual(groupCounts([{ name: "a", state: "Running" }, { name: "b", state: "Succeeded" }, { name: "c", state: "Pending" }]), { alive: 3, running: 1, succeeded: 1 });
  });
  it("remembers container times of groups that are gone, and the peak", () => {
    const times = new ContainerTimes();
    assert.deepEqual(times.span(0), { firstStart: undefined, lastStart: undefined, lastFinish: undefined });
    times.observe([{ name: "a", state: "Running", startedAt: 1_500 }, { name: "b", state: "Pending" }]);
    times.observe([{ name: "a", state: "Succeeded", startedAt: 9_999, finishedAt: 3_500 }, { name: "b", state: "Running", startedAt: 1_800 }]);
    times.observe([{ name: "b", state: "Succeeded", startedAt: 1_800, finishedAt: 3_900 }]);
    times.observe([]);
    assert.equal(times.count, 2);
    assert.equal(times.peakAlive, 2);
    assert.deepEqual(times.span(1_000), { firstStart: 500, lastStart: 800, lastFinish: 2_900 }, "the first time seen for a group counts");
  });
});

describe("demo: view", () => {
  it("draws a bar of succeeded, running, failed and pending cells", () => {
    assert.equal(progressBar(snapshot(), 10, plain), "█████▓▓▓░░");
    assert.equal(progressBar(snapshot({ phases: { pending: 0, running: 0, succeeded: 10, failed: 0 } }), 10, plain), "██████████");
    assert.equal(progressBar(snapshot({ phases: { pending: 0, running: 0, succeeded: 0, failed: 0 } }), 4, plain), "░░░░", "nothing created yet");
  });
  it("shows counts, placement, the steady service and container groups, under 80 columns", () => {
    const lines = renderLive(snapshot(), "burstlet", plain);
    assert.match(lines.join("\n"), /5\/10 done/);
    assert.match(lines.join("\n"), /pending 2 {2}running 3 {2}succeeded 5 {2}failed 0/);
    assert.match(lines.join("\n"), /virtual node burstlet \(ACI\): 10 {2}ordinary nodes: 0/);
    assert.match(lines.join("\n"), /steady service: 3\/3 running on ordinary-1, ordinary-2, ordinary-3/);
    assert.match(lines.join("\n"), /container groups alive: 8 \(running 3, succeeded 5\)/);
    for (const line of lines) assert.ok(line.length < 80, `"${line}" fits`);
  });
  it("keeps the burst's last state on screen while cleaning up", () => {
    const cleanup = snapshot({ stage: "cleanup", elapsedMs: 12_000, phases: { pending: 0, running: 0, succeeded: 4, failed: 0 }, groups: { alive: 6, running: 0, succeeded: 6 } });
    const lines = renderLive(cleanup, "burstlet", plain, snapshot({ phases: { pending: 0, running: 0, succeeded: 10, failed: 0 }, jobComplete: true }));
    assert.match(lines[0], /10\/10 done/);
    assert.match(lines.at(-1)!, /cleaning up: 4 pods, 6 container groups left +12\.0 s/);
    assert.equal(renderPlain(cleanup), "[ 12.0 s] cleanup: 4 pods, 6 container groups left");
  });
  it("prints one plain line per snapshot for pipes", () => {
    assert.equal(
      renderPlain(snapshot({ jobComplete: true })),
      "[  3.4 s] burst: pending 2, running 3, succeeded 5/10, failed 0 | on virtual node 10, ordinary 0, unscheduled 0 | steady 3/3 | kubectl top: no figures yet (metrics-server scrapes every 10 s) | container groups 8 (running 3) | Job complete",
    );
  });
  it("summarises times, placement, groups left and the logs", () => {
    const text = renderSummary(summary, plain).join("\n");
    assert.match(text, /items processed +10\/10 succeeded, 0 failed/);
    assert.match(text, /first container started +0\.6 s/);
    assert.match(text, /last container finished +3\.0 s/);
    assert.match(text, /Job complete +4\.1 s/);
    assert.match(text, /noticed +1\.1 s after the last container finished/);
    assert.match(text, /container groups left +0 after deleting the Job/);
    assert.match(text, /Logs of burst-demo\/thumbnails-0-abcde/);
    assert.match(text, / {2}\| shard 0 done/);
    assert.match(renderSummary({ ...summary, cleanupMs: undefined, containerGroupsLeft: 10 }, plain).join("\n"), /10 \(kept with --keep\)/);
    assert.equal(secondsText(undefined), "n/a");
  });
  it("prints the burst's billed compute and its estimated cost next to kept machines", () => {
    const cost = { billedPods: 10, vcpuSeconds: 300, gbSeconds: 450, cost: 0.00393, kept: { machines: 3, size: "Standard_D4s_v5", hours: 24, cost: 13.824 }, timeScale: 0.1, source: "estimate: example" };
    const text = renderSummary({ ...summary, cost }, plain).join("\n");
    assert.match(text, /billed compute +300 vCPU-s, 450 GB-s over 10 pods \(burstlet's pod annotations, × 10: the emulator runs 10 times faster\)/);
    assert.match(text, /estimated cost +\$0\.003930 on ACI, against \$13\.82 for 3 × Standard_D4s_v5 kept 24 h to hold the burst's peak \(estimate: example\)/);
    assert.match(renderSummary(summary, plain).join("\n"), /billed compute +no pod carried billed compute/);
  });
  it("without a TTY writes plain lines only when something changed, no escapes", () => {
    const { out, text } = sink(false);
    const view = new TerminalView(out, "burstlet");
    view.progress("step one");
    view.snapshot(snapshot());
    view.snapshot(snapshot({ elapsedMs: 3_500 }));
    view.summary(summary);
    assert.equal(text().match(/burst: pending/g)?.length, 1, "an unchanged snapshot is not repeated");
    assert.ok(!text().includes("\x1b"), "no escape sequences");
  });
  it("on a TTY redraws the block in place and gives the cursor back", () => {
    const { out, text } = sink(true);
    const view = new TerminalView(out, "burstlet", true, {});
    view.snapshot(snapshot());
    view.progress("a step");
    view.snapshot(snapshot({ elapsedMs: 4_000 }));
    view.finish();
    assert.equal(text().split("\x1b[6F\x1b[0J").length - 1, 2, "moved up over the six-line block twice");
    assert.match(text(), /a step\n/);
    assert.ok(text().endsWith("\x1b[?25h"));
  });
});

describe("demo: kubectl top", () => {
  const items = [
    { metadata: { name: "thumbnails-1-b" }, containers: [{ usage: { cpu: "2000000n", memory: "6144Ki" } }] },
    { metadata: { name: "thumbnails-0-a" }, containers: [{ usage: { cpu: "3m", memory: "6Mi" } }, { usage: { cpu: "1", memory: "1048576" } }] },
  ];

  it("parses metrics.k8s.io quantities as kubectl does", () => {
    assert.equal(cpuMillicores("2000000n"), 2);
    assert.equal(cpuMillicores("250m"), 250);
    assert.equal(cpuMillicores("1"), 1000);
    assert.equal(memoryBytes("6Mi"), 6 * 1024 ** 2);
    assert.equal(memoryBytes("6144Ki"), 6 * 1024 ** 2);
    assert.throws(() => cpuMillicores("two"), /not a CPU quantity/);
  });

  it("shows the burst pods' usage in the live block, the plain line and the summary's table", () => {
    const view = usageView(items);
    assert.deepEqual(view.rows.map((r) => r.pod), ["thumbnails-0-a", "thumbnails-1-b"], "sorted by name, containers summed");
    assert.equal(view.cpuMillicores, 1005);
    assert.equal(usageLine(snapshot({ usage: view })), "kubectl top: 2 pods, CPU 1005m, memory 13Mi");
    assert.ok(renderLive(snapshot({ usage: view }), "burstlet", plain).some((l) => l.includes("kubectl top: 2 pods, CPU 1005m")));
    assert.match(renderPlain(snapshot({ usage: view })), /\| kubectl top: 2 pods, CPU 1005m, memory 13Mi \|/);
    assert.equal(usageLine(snapshot({ phases: { pending: 0, running: 0, succeeded: 10, failed: 0 } })), "kubectl top: no burst pod running");
    const lines = renderSummary({ ...summary, usage: { view, atMs: 21_000, firstMs: 18_000 } }, plain);
    assert.ok(lines.includes("  kubectl top                 2 burst pods with usage, first after 18.0 s; CPU 1005m, memory 13Mi in all"));
    const table = lines.slice(lines.findIndex((l) => l.startsWith("Usage of the burst pods 21.0 s")) + 1);
    assert.deepEqual(table, ["  | NAME             CPU(cores)   MEMORY(bytes)", "  | thumbnails-0-a   1003m        7Mi", "  | thumbnails-1-b   2m           6Mi"]);
    assert.deepEqual(topTable(view, 1).at(-1), "… and 1 more pods");
    assert.ok(renderSummary(summary, plain).includes("  kubectl top                 no usage was read from metrics.k8s.io"));
  });
});
