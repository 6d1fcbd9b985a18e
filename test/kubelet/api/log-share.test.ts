import { strict as assert } from "node:assert";
import { PassThrough } from "node:stream";
import { BatchV1Api, CoreV1Api, KubeConfig, Log, RbacAuthorizationV1Api, type V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "../../../sandbox/control-plane";
import { VIRTUAL_NODE_TAINT } from "../../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../../fixtures/burstlet";
import { eventually } from "../../fixtures/eventually";

/**
 * Many `kubectl logs -f` (and plain reads) by a user allowed only `pods/log` in one namespace, while
 * a Job runs: log reads stay within their share of the ARM read budget, every follow gets all its
 * lines, and the Job's status reads are still served.
 */
describe("log reads within their share of the ARM read budget (through the real API server)", function () {
  this.timeout(4 * 60_000);
  const nodeName = "burstlet-log-share-test";
  // Reads: 10/s with a burst of 20; log reads: a fifth of both (2/s, a burst of 4).
  const READS = { perSecond: 10, burst: 20 };
  const SHARE = 0.2;
  const CONTAINERS = 6;
  const FOLLOWS_PER_CONTAINER = 5;
  const LINES = 8;
  /** Pods of the Job that runs meanwhile, one container each. */
  const JOB_PODS = 3;
  const toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  let reader: KubeConfig;

  before(async () => {
    cp = await sharedControlPlane();
    sandbox = await startSandboxBurstlet(cp, {
      nodeName,
      flags: [`--arm-reads-per-second=${READS.perSecond}`, `--arm-read-burst=${READS.burst}`, `--log-read-share=${SHARE}`],
      // Followers poll every 200 ms: six containers want 30 log reads a second, fifteen times the share.
      tuning: { logFollowPollMs: 200 },
    });
    namespace = await testNamespace(cp, "log-share");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    const rbac = cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({ namespace, body: { metadata: { name: "log-reader" }, rules: [{ apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }] } });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: { metadata: { name: "log-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "log-reader" }, subjects: [{ kind: "User", name: "log-reader", apiGroup: "rbac.authorization.k8s.io" }] },
    });
    reader = new KubeConfig();
    reader.loadFromFile(await cp.userKubeconfig("log-reader"));
  });
  after(async () => sandbox?.stop());

  it("keeps many follows and plain reads within the share, delivers every line, and lets a Job complete", async () => {
    // timeScale 0.05: `sleep 20` lasts a second, so each container writes a line a second, then idles.
    const script = (c: number): string => [...Array.from({ length: LINES }, (_, i) => `echo c${c} line ${i + 1}`)].join("; sleep 20; ") + "; sleep infinity";
    const talkers: V1Pod = {
      metadata: { name: "talkers" },
      spec: {
        nodeSelector: { "kubernetes.io/hostname": nodeName },
        tolerations: [toleration],
        containers: Array.from({ length: CONTAINERS }, (_, c) => ({ name: `c${c}`, image: "busybox:1.36", command: ["sh", "-c", script(c)], resources: { requests: { cpu: "10m", memory: "16Mi" } } })),
      },
    };
    await core.createNamespacedPod({ namespace, body: talkers });
    await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "talkers" });
      assert.equal(p.status?.containerStatuses?.filter((s) => s.state?.running).length, CONTAINERS, `talkers is ${p.status?.phase}`);
    }, { timeoutMs: 60_000, what: "talkers running" });

    // The user may read logs and nothing else: no pods, no Jobs.
    await assert.rejects(reader.makeApiClient(CoreV1Api).readNamespacedPod({ namespace, name: "talkers" }), (e: { code?: number }) => e.code === 403);
    await assert.rejects(reader.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace: "default", name: "talkers" }), (e: { code?: number }) => e.code === 403);

    sandbox.emulator.record.clear();
    const started = Date.now();
    const follows: Array<{ container: string; text: string; ended: boolean }> = [];
    await Promise.all(
      Array.from({ length: CONTAINERS * FOLLOWS_PER_CONTAINER }, async (_, i) => {
        const follow = { container: `c${i % CONTAINERS}`, text: "", ended: false };
        follows.push(follow);
        const sink = new PassThrough();
        sink.on("data", (chunk: Buffer) => (follow.text += chunk.toString()));
        sink.on("end", () => (follow.ended = true));
        await new Log(reader).log(namespace, "talkers", follow.container, sink, { follow: true });
      }),
    );
    // Plain reads too, as impatient users do: each is answered with the log or told to come back (429), never broken.
    const plain = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => reader.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace, name: "talkers", container: `c${i}` })));
    for (const r of plain) {
      if (r.status === "fulfilled") assert.match(r.value, /^c\d line 1\n/);
      else assert.equal((r.reason as { code?: number }).code, 429, String(r.reason));
    }

    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: "small" },
        spec: {
          completions: JOB_PODS,
          parallelism: JOB_PODS,
          backoffLimit: 0,
          template: { spec: { restartPolicy: "Never", nodeSelector: { "kubernetes.io/hostname": nodeName }, tolerations: [toleration], containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", "echo working; sleep 20; echo done"] }] } },
        },
      },
    });
    await eventually(async () => {
      const job = await batch.readNamespacedJob({ namespace, name: "small" });
      assert.equal(job.status?.succeeded, JOB_PODS, JSON.stringify(job.status));
    }, { timeoutMs: 120_000, intervalMs: 500, what: "the Job to complete while the logs are followed" });

    // Every follow gets every line of its container, in order, once: late perhaps, never lost.
    await eventually(() => {
      for (const f of follows) {
        const want = Array.from({ length: LINES }, (_, i) => `${f.container} line ${i + 1}\n`).join("");
        assert.equal(f.text, want, `follow of ${f.container}`);
      }
    }, { timeoutMs: 60_000, intervalMs: 250, what: "every follow to have all its lines" });
    assert.ok(follows.every((f) => !f.ended), "no stream was ended while its container runs");
    const elapsedS = (Date.now() - started) / 1000;
    const record = sandbox.emulator.record;
    const logReads = record.count("Containers_ListLogs");
    // The Job's pods give back their groups as they finish, each after one read of its container's
    // final log; those reads come from the read budget's spare burst, not from the users' share.
    const finalLogReads = JOB_PODS;
    const allowed = Math.floor(READS.burst * SHARE) + READS.perSecond * SHARE * elapsedS;
    assert.ok(logReads <= allowed + finalLogReads + 1, `${logReads} log reads in ${elapsedS.toFixed(1)} s; the share allows ${allowed.toFixed(1)}, and the finished pods' final logs ${finalLogReads}`);
    assert.ok(record.count("ContainerGroups_Get") > 0, "status reads went on");
    if (process.env.BURSTLET_TEST_LOGS) console.log(`      ${logReads} log reads in ${elapsedS.toFixed(1)} s (share: ${allowed.toFixed(1)}), ${record.count("ContainerGroups_Get")} status reads`);

    // Deleting the pod ends every follow.
    await core.deleteNamespacedPod({ namespace, name: "talkers" });
    await eventually(() => assert.deepEqual(follows.filter((f) => !f.ended).length, 0), { timeoutMs: 60_000, what: "every follow to end with its pod" });
  });
});
