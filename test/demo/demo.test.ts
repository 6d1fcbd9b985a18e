import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { runDemo } from "../../demo/core";
import type { BurstSnapshot } from "../../demo/snapshot";
import { KWOK_NODE_ANNOTATION, type ControlPlane } from "../../sandbox/control-plane";
import { isNotFound } from "../../kubelet/src/util/kube-errors";
import { sharedControlPlane } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";

describe("the demo's core (npm run demo) on the shared control plane", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let core: CoreV1Api;
  let workDir: string;
  const kwokNodes = ["demo-test-ordinary-1", "demo-test-ordinary-2", "demo-test-ordinary-3"];
  const unique = (prefix: string): string => `${prefix}-${Date.now().toString(36)}`;

  before(async () => {
    cp = await sharedControlPlane();
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    workDir = mkdtempSync(path.join(tmpdir(), "burstlet-demo-test-"));
  });
  after(() => rmSync(workDir, { recursive: true, force: true }));

  it("bursts 10 items onto the virtual node, keeps the steady service on kwok nodes, reads logs and leaves no container group", async () => {
    const namespace = unique("demo");
    const snapshots: BurstSnapshot[] = [];
    const progress: string[] = [];
    const { summary, sandbox } = await runDemo(
      { items: 10, controlPlane: cp, workDir, nodeName: "burstlet-demo-test", namespace, kwokNodes, pollMs: 250 },
      { snapshot: (s) => snapshots.push(s), progress: (line) => progress.push(line) },
    );

    assert.equal(sandbox, undefined, "the sandbox is stopped without --keep");
    assert.equal(summary.items, 10);
    assert.equal(summary.succeeded, 10, "every item succeeded");
    assert.equal(summary.failed, 0);
    assert.equal(summary.burstOnVirtualNode, 10, "the burst ran on the virtual node");
    assert.equal(summary.burstOnOrdinaryNodes, 0);
    assert.equal(summary.containerGroupsStarted, 10, "one container group per item");
    assert.equal(summary.containerGroupsLeft, 0, "no container group is left after cleanup");
    assert.ok(summary.cleanupMs !== undefined);
    // 1 core and 1.5 GB per pod: GB-seconds are 1.5 times the vCPU-seconds, each pod billed for its whole run at least.
    assert.equal(summary.cost?.billedPods, 10, "every finished pod carries its billed compute");
    assert.ok(Math.abs(summary.cost.gbSeconds - 1.5 * summary.cost.vcpuSeconds) < 1e-6);
    assert.ok(summary.cost.vcpuSeconds >= 10 * 20, `at least 20 s of work per pod, got ${summary.cost.vcpuSeconds} vCPU-s`);
    assert.ok(summary.cost.cost > 0 && summary.cost.cost < summary.cost.kept.cost, "the burst costs less than machines kept for a day");

    assert.equal(summary.steadyPods, 3);
    assert.equal(summary.steadyOnOrdinaryNodes, 3);
    for (const name of summary.steadyNodes) {
      const node = await core.readNode({ name });
      assert.equal(node.metadata?.annotations?.[KWOK_NODE_ANNOTATION.key], KWOK_NODE_ANNOTATION.value, `steady pod on ${name}, a kwok node`);
    }

    assert.match(summary.logs.pod, new RegExp(`^${namespace}/thumbnails-0-`));
    assert.match(summary.logs.text, /^shard 0 of 10: reading input\/image-0\.jpg\n/, "logs fetched through the API server");
    assert.match(summary.logs.text, /shard 0 done/);

    const first = summary.firstContainerStartedMs ?? Number.NaN;
    const last = summary.lastContainerStartedMs ?? Number.NaN;
    const finished = summary.lastContainerFinishedMs ?? Number.NaN;
    assert.ok(first >= 0 && first <= last && last <= finished && finished <= summary.jobCompleteMs, `first ${first} ≤ last ${last} ≤ finished ${finished} ≤ complete ${summary.jobCompleteMs}`);
    assert.ok(snapshots.some((s) => s.phases.running > 0 || s.groups.running > 0), "the view saw the burst running");
    // kubectl top: burstlet read the pods' usage from the emulator's Azure Monitor, metrics-server scraped it.
    assert.equal(summary.usage?.view.rows.length, 10, "metrics.k8s.io had usage for every burst pod");
    assert.ok(summary.usage.view.cpuMillicores > 0 && summary.usage.view.memoryBytes > 0, JSON.stringify(summary.usage.view));
    assert.ok(snapshots.some((s) => s.jobComplete), "the view saw the Job complete");
    assert.equal(snapshots.at(-1)?.groups.alive, 0);
    assert.ok(progress.some((line) => line.includes('registered the virtual node "burstlet-demo-test"')));

    // A control plane the demo did not start is left running and tidy.
    await eventually(async () => {
      const gone = await core.readNamespace({ name: namespace }).then(() => false, (err: unknown) => isNotFound(err));
      assert.ok(gone, `namespace ${namespace} removed`);
    }, { timeoutMs: 60_000, what: "the demo's namespace to go" });
    assert.ok((await core.readNode({ name: kwokNodes[0] })).metadata?.name, "the control plane still answers");
  });

  it("stops promptly when aborted in the middle of the burst", async () => {
    const namespace = unique("demo-abort");
    const controller = new AbortController();
    let abortedAt = 0;
    const run = runDemo(
      { items: 10, controlPlane: cp, workDir, nodeName: "burstlet-demo-abort-test", namespace, kwokNodes, workSeconds: 600, signal: controller.signal },
      {
        snapshot: (s) => {
          if (s.groups.alive > 0 && !controller.signal.aborted) {
            abortedAt = Date.now();
            controller.abort(new Error("interrupted by the test"));
          }
        },
      },
    );
    await assert.rejects(run, /interrupted by the test/);
    assert.ok(Date.now() - abortedAt < 15_000, `teardown took ${Date.now() - abortedAt} ms`);
    // What the demo's own control plane would take with it: pods of a node that is gone, the node, the namespace.
    for (const pod of (await core.listNamespacedPod({ namespace })).items) await core.deleteNamespacedPod({ namespace, name: pod.metadata!.name!, gracePeriodSeconds: 0 });
    await core.deleteNode({ name: "burstlet-demo-abort-test" });
    await core.deleteNamespace({ name: namespace });
  });
});
