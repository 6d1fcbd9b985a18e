/**
 * What a user reads: the sandbox's own kubectl (the control plane's release) against burstlet's
 * virtual node, asserted on kubectl's exit code and output.
 */
import { strict as assert } from "node:assert";
import type { ControlPlane } from "../../sandbox/control-plane";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

describe("kubectl against the virtual node", function () {
  this.timeout(5 * 60_000);
  const nodeName = "burstlet-kubectl-test";
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let ns: string;

  const manifest = (kind: "Pod" | "Job", name: string, script: string, container = "main"): string => {
    const spec = {
      nodeSelector: { "kubernetes.io/hostname": nodeName },
      tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
      restartPolicy: "Never",
      containers: [{ name: container, image: "busybox:1.36", command: ["sh", "-c", script] }],
    };
    const body = kind === "Pod" ? { apiVersion: "v1", kind, metadata: { name }, spec } : { apiVersion: "batch/v1", kind, metadata: { name }, spec: { completions: 3, parallelism: 3, template: { spec } } };
    return JSON.stringify(body);
  };
  const kubectl = async (...args: string[]): Promise<string> => {
    const r = await cp.kubectl(["-n", ns, ...args]);
    assert.equal(r.code, 0, `kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cp = await sharedControlPlane();
    sandbox = await startSandboxBurstlet(cp, { nodeName, tuning: { logFollowPollMs: 200 } });
    ns = await testNamespace(cp, "kubectl");
    const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: manifest("Pod", "steady", "echo alpha; echo beta; sleep infinity", "worker") });
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /pod\/steady created/);
    await kubectl("wait", "--for=condition=Ready", "pod/steady", "--timeout=90s");
  });
  after(async () => sandbox?.stop());

  it("get node: Ready, no role (a node may not label itself with one) and burstlet's kubelet version", async () => {
    const out = await kubectl("get", "node", nodeName, "--no-headers");
    const [name, status, roles, , version] = out.trim().split(/\s+/);
    assert.equal(name, nodeName);
    assert.equal(status, "Ready");
    // burstlet registers as its node; NodeRestriction refuses a node the role labels kubectl reads
    // (kubernetes.io/role, node-role.kubernetes.io/*).
    assert.equal(roles, "<none>");
    assert.match(version, /-burstlet\./);
  });

  it("describe node: the taint pods opt into, and the pods it runs", async () => {
    const out = await kubectl("describe", "node", nodeName);
    assert.match(out, new RegExp(`Taints:\\s+${VIRTUAL_NODE_TAINT.key}=${VIRTUAL_NODE_TAINT.value}:${VIRTUAL_NODE_TAINT.effect}`));
    assert.match(out, /type=virtual-kubelet/);
    assert.match(out, new RegExp(`${ns}\\s+steady`));
  });

  it("get pods -o wide: Running on the virtual node", async () => {
    const out = await kubectl("get", "pod", "steady", "-o", "wide", "--no-headers");
    assert.match(out, /^steady\s+1\/1\s+Running\s+0\s+/);
    assert.match(out, new RegExp(`\\s${nodeName}\\s`));
  });

  it("logs, with --tail, -c and --timestamps", async () => {
    await eventually(async () => assert.equal(await kubectl("logs", "steady"), "alpha\nbeta\n"), { what: "both log lines" });
    assert.equal(await kubectl("logs", "steady", "--tail=1"), "beta\n");
    assert.equal(await kubectl("logs", "steady", "-c", "worker", "--tail=1"), "beta\n");
    assert.match(await kubectl("logs", "steady", "--timestamps", "--tail=1"), /^\d{4}-\d{2}-\d{2}T\S+Z beta\n$/);
  });

  it("logs --previous and logs of an unknown container: one readable line and a non-zero exit", async () => {
    const previous = await cp.kubectl(["-n", ns, "logs", "steady", "--previous"]);
    assert.notEqual(previous.code, 0);
    assert.equal(previous.stderr.trim().split("\n").length, 1, previous.stderr);
    assert.doesNotMatch(previous.stderr, /"kind":"Status"|\{"/, "no JSON blob");
    const unknown = await cp.kubectl(["-n", ns, "logs", "steady", "-c", "nope"]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /nope/);
  });

  it("exec, attach and port-forward are answered at once, saying that ACI cannot", async () => {
    for (const args of [["exec", "steady", "--", "ls"], ["attach", "steady"], ["port-forward", "pod/steady", "18080:80"]]) {
      const r = await cp.kubectl(["-n", ns, ...args], { timeoutMs: 20_000 });
      assert.notEqual(r.code, 0, `${args[0]} should fail`);
      assert.ok(r.code !== null, `${args[0]} answered before the timeout`);
      assert.ok(r.ms < 10_000, `${args[0]} took ${r.ms} ms`);
      assert.match(r.stderr, /not support|cannot|ACI|Container Instances/i, `${args[0]}: ${r.stderr}`);
    }
  });

  it("a Job runs to completion and wait --for=condition=complete returns", async () => {
    const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: manifest("Job", "three", "echo done") });
    assert.equal(applied.code, 0, applied.stderr);
    await kubectl("wait", "--for=condition=complete", "job/three", "--timeout=120s");
    const out = await kubectl("get", "job", "three", "--no-headers");
    assert.match(out, /^three\s+Complete\s+3\/3\s/);
  });

  it("cordon keeps new pods off the node; uncordon lets them on", async () => {
    await kubectl("cordon", nodeName);
    try {
      const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: manifest("Pod", "after-cordon", "echo hi") });
      assert.equal(applied.code, 0, applied.stderr);
      await eventually(async () => assert.match(await kubectl("get", "events", "--field-selector", "involvedObject.name=after-cordon"), /FailedScheduling/), { what: "a scheduling failure" });
      assert.match(await kubectl("get", "pod", "after-cordon", "--no-headers"), /Pending/);
    } finally {
      await kubectl("uncordon", nodeName);
    }
    await kubectl("wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/after-cordon", "--timeout=90s");
  });

  it("a Deployment scales 0 → 20 → 0 with kubectl scale, and rollout status follows it", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: {
            nodeSelector: { "kubernetes.io/hostname": nodeName },
            tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
            containers: [{ name: "web", image: "nginx:1.27" }],
          },
        },
      },
    };
    const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: JSON.stringify(deployment) });
    assert.equal(applied.code, 0, applied.stderr);
    await kubectl("scale", "deployment/web", "--replicas=20");
    assert.match(await kubectl("rollout", "status", "deployment/web", "--timeout=120s"), /successfully rolled out/);
    assert.match(await kubectl("get", "deployment", "web", "--no-headers"), /^web\s+20\/20\s+20\s+20\s/);
    await kubectl("scale", "deployment/web", "--replicas=0");
    await eventually(async () => assert.equal((await kubectl("get", "pods", "-l", "app=web", "--no-headers", "--ignore-not-found")).trim(), ""), { timeoutMs: 120_000, what: "no web pods" });
    await eventually(() => assert.equal(sandbox.emulator.groups().filter((g) => g.name.includes("web-")).length, 0), { timeoutMs: 60_000, what: "no web groups" });
  });

  it("debug adds an ephemeral container that ACI cannot run, and says so on the pod", async () => {
    const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: manifest("Pod", "debuggee", "sleep infinity") });
    assert.equal(applied.code, 0, applied.stderr);
    await kubectl("wait", "--for=condition=Ready", "pod/debuggee", "--timeout=90s");
    await kubectl("debug", "debuggee", "--image=busybox:1.36", "--container=dbg", "--", "sh");
    await eventually(async () => assert.match(await kubectl("describe", "pod", "debuggee"), /Ephemeral Containers:[\s\S]*dbg:[\s\S]*State:\s+Waiting/), { what: "the ephemeral container's waiting state" });
    await kubectl("delete", "pod", "debuggee", "--wait=false");
  });

  it("delete --force --grace-period=0 returns at once and the container group still goes", async () => {
    const applied = await cp.kubectl(["-n", ns, "apply", "-f", "-"], { input: manifest("Pod", "forced", "sleep infinity") });
    assert.equal(applied.code, 0, applied.stderr);
    await kubectl("wait", "--for=condition=Ready", "pod/forced", "--timeout=90s");
    const r = await cp.kubectl(["-n", ns, "delete", "pod", "forced", "--force", "--grace-period=0"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pod "forced" force deleted/);
    await eventually(() => assert.equal(sandbox.emulator.groups().filter((g) => g.name.includes("forced")).length, 0), { timeoutMs: 60_000, what: "the forced pod's group deleted" });
  });

  it("delete: graceful, then the container group is gone", async () => {
    const before = sandbox.emulator.groups().length;
    assert.match(await kubectl("delete", "pod", "steady", "--wait=true", "--timeout=90s"), /pod "steady" deleted/);
    await eventually(() => assert.ok(sandbox.emulator.groups().length < before, "the group is deleted"), { what: "group deleted" });
    const gone = await cp.kubectl(["-n", ns, "get", "pod", "steady"]);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /NotFound|not found/);
  });
});
