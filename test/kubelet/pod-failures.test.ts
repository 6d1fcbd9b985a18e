/**
 * How pods fail, seen from the user's side (pod phase, container states, Events) and from the
 * emulator's record of calls: admission, image pulls, lost groups, deadlines, ephemeral containers.
 */
import { strict as assert } from "node:assert";
import { AppsV1Api, type CoreV1Event, CoreV1Api, type V1Pod, type V1Toleration } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { TAGS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

const toleration: V1Toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };
/** Short for the test; the default is the kubelet's 10 s. */
const PULL_BACKOFF_SECONDS = 2;

describe("pod failures (burstlet against the real control plane and the ACI emulator)", function () {
  this.timeout(10 * 60_000);
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  const nodeName = "burstlet-pod-failures-test";

  const spec = (overrides: Partial<NonNullable<V1Pod["spec"]>> = {}): NonNullable<V1Pod["spec"]> => ({
    nodeSelector: { "kubernetes.io/hostname": nodeName },
    tolerations: [toleration],
    restartPolicy: "Never",
    containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "1000"], resources: { requests: { cpu: "100m", memory: "128Mi" } } }],
    ...overrides,
  });
  const create = (name: string, overrides: Partial<NonNullable<V1Pod["spec"]>> = {}): Promise<V1Pod> => core.createNamespacedPod({ namespace, body: { metadata: { name }, spec: spec(overrides) } });
  const read = (name: string): Promise<V1Pod> => core.readNamespacedPod({ namespace, name });
  const groupsOf = (podName: string) => sandbox.emulator.groups().filter((g) => g.tags?.[TAGS.pod] === podName && g.tags?.[TAGS.namespace] === namespace);
  /** Create requests for a pod (accepted or not), in order. */
  const createsOf = (podName: string) =>
    sandbox.emulator.record.bodies.filter((b) => b.operation === "ContainerGroups_CreateOrUpdate" && (b.body as { tags?: Record<string, string> }).tags?.[TAGS.pod] === podName && (b.body as { tags?: Record<string, string> }).tags?.[TAGS.namespace] === namespace);
  const eventsOf = async (name: string): Promise<CoreV1Event[]> => (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
  const phaseIs = (name: string, phase: string) =>
    eventually(async () => {
      const p = await read(name);
      assert.equal(p.status?.phase, phase);
      return p;
    }, { what: `${name} ${phase}` });

  before(async () => {
    cp = await sharedControlPlane();
    sandbox = await startSandboxBurstlet(cp, { nodeName, flags: [`--image-pull-backoff-seconds=${PULL_BACKOFF_SECONDS}`] });
    namespace = await testNamespace(cp, "pod-failures");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
  });
  after(async () => sandbox?.stop());

  it("keeps a Deployment with a mistyped image at one Pending pod, pulling with the kubelet's backoff", async () => {
    const apps = cp.kubeConfig().makeApiClient(AppsV1Api);
    const labels = { app: "typo" };
    const windowMs = 16_000;
    await apps.createNamespacedDeployment({
      namespace,
      body: { metadata: { name: "typo" }, spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: spec({ restartPolicy: "Always", containers: [{ name: "web", image: "registry.example/team/doesnotexist:1", resources: { requests: { cpu: "100m", memory: "128Mi" } } }] }) } } },
    });
    const started = Date.now();
    const reasons = new Set<string>();
    // Watch the pods for the whole window: one pod, never Failed, its container waiting on the image.
    await eventually(async () => {
      const pods = (await core.listNamespacedPod({ namespace, labelSelector: "app=typo" })).items;
      assert.equal(pods.length, 1, `pods: ${pods.map((p) => `${p.metadata?.name} ${p.status?.phase}`).join(", ")}`);
      assert.notEqual(pods[0].status?.phase, "Failed");
      const waiting = pods[0].status?.containerStatuses?.[0]?.state?.waiting?.reason;
      if (waiting) reasons.add(waiting);
      return Date.now() - started >= windowMs;
    }, { timeoutMs: windowMs + 30_000, intervalMs: 250, what: "the window to pass with one pod" });
    const [pod] = (await core.listNamespacedPod({ namespace, labelSelector: "app=typo" })).items;
    assert.equal(pod.status?.phase, "Pending");
    assert.ok(reasons.has("ErrImagePull") && reasons.has("ImagePullBackOff"), `waiting reasons seen: ${[...reasons].join(", ")}`);
    const creates = createsOf(pod.metadata!.name!).map((b) => b.at);
    // Attempts at 0, 2, 6, 14 s: each wait at least the backoff, doubling.
    assert.ok(creates.length >= 3 && creates.length <= 5, `${creates.length} creates in ${windowMs} ms`);
    for (let i = 1; i < creates.length; i++) {
      const expected = PULL_BACKOFF_SECONDS * 1000 * 2 ** (i - 1);
      assert.ok(creates[i] - creates[i - 1] >= expected * 0.9, `attempt ${i + 1} came ${creates[i] - creates[i - 1]} ms after the one before, not after ${expected} ms`);
    }
    const events = await eventsOf(pod.metadata!.name!);
    const failed = events.find((e) => e.reason === "Failed" && /Failed to pull image "registry.example\/team\/doesnotexist:1"/.test(e.message ?? ""));
    assert.ok(failed, `events: ${events.map((e) => `${e.reason}: ${e.message}`).join(" | ")}`);
    assert.ok((failed.count ?? 1) >= creates.length - 1, `the Failed event counts ${failed.count} of ${creates.length} attempts`);
    assert.ok(events.some((e) => e.reason === "BackOff" && /Back-off pulling image/.test(e.message ?? "")));
    assert.equal(groupsOf(pod.metadata!.name!).length, 0);
    await apps.deleteNamespacedDeployment({ namespace, name: "typo" });
  });

  it("prints one plain line for kubectl logs of a container waiting on its image", async () => {
    await create("waiting-logs", { containers: [{ name: "main", image: "busybox-doesnotexist:1", command: ["true"] }] });
    await eventually(async () => assert.match((await read("waiting-logs")).status?.containerStatuses?.[0]?.state?.waiting?.reason ?? "", /ErrImagePull|ImagePullBackOff/), { what: "the container waiting on its image" });
    const err = await core.readNamespacedPodLog({ namespace, name: "waiting-logs", container: "main" }).then(
      () => assert.fail("logs of a waiting container"),
      (e: unknown) => e as { code?: number; body?: unknown },
    );
    assert.equal(err.code, 400);
    const message = (JSON.parse(String(err.body)) as { message: string }).message;
    assert.match(message, /^container "main" in pod "waiting-logs" is waiting to start: (ErrImagePull|ImagePullBackOff)$/);
  });

  it("keeps a pod whose secret is missing Pending in CreateContainerConfigError, and runs it once the secret exists", async () => {
    await create("needs-secret", { containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "1000"], env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "late-secret", key: "token" } } }] }] });
    const waiting = await eventually(async () => {
      const p = await read("needs-secret");
      assert.equal(p.status?.phase, "Pending");
      assert.equal(p.status?.containerStatuses?.[0]?.state?.waiting?.reason, "CreateContainerConfigError");
      return p;
    }, { what: "CreateContainerConfigError" });
    assert.match(waiting.status?.containerStatuses?.[0]?.state?.waiting?.message ?? "", /late-secret/);
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: "late-secret" }, stringData: { token: "t" } } });
    await phaseIs("needs-secret", "Running");
  });

  it("rejects an 8-core pod at admission: Failed OutOfcpu, an Event, no create", async () => {
    await create("too-big", { containers: [{ name: "main", image: "busybox:1.36", command: ["true"], resources: { requests: { cpu: "8", memory: "1Gi" } } }] });
    const failed = await phaseIs("too-big", "Failed");
    assert.equal(failed.status?.reason, "OutOfcpu");
    assert.match(failed.status?.message ?? "", /spec\.containers\[\]\.resources\.requests\.cpu: the pod requests 8 cores in all; .* at most 4 \(--max-group-cpu\)/);
    await eventually(async () => assert.ok((await eventsOf("too-big")).some((e) => e.reason === "OutOfcpu" && e.type === "Warning")), { what: "an OutOfcpu event" });
    assert.equal(createsOf("too-big").length, 0);
  });

  it("names the API server's token volume when a pod has more than 20 volumes", async () => {
    const volumes = Array.from({ length: 20 }, (_, i) => ({ name: `v${i}`, emptyDir: {} }));
    await create("many-volumes", { volumes });
    const failed = await phaseIs("many-volumes", "Failed");
    assert.equal(failed.status?.reason, "TooManyVolumes");
    assert.match(failed.status?.message ?? "", /21 volumes, counting kube-api-access-[a-z0-9]+, which the API server adds/);
    assert.equal(createsOf("many-volumes").length, 0);
  });

  it("refuses shareProcessNamespace at admission", async () => {
    await create("shared-pids", { shareProcessNamespace: true });
    const failed = await phaseIs("shared-pids", "Failed");
    assert.match(failed.status?.message ?? "", /spec\.shareProcessNamespace/);
    assert.equal(createsOf("shared-pids").length, 0);
  });

  it("creates a lost group again for restartPolicy Always, counting a restart and saying so", async () => {
    await create("phoenix", { restartPolicy: "Always" });
    await phaseIs("phoenix", "Running");
    const [before] = groupsOf("phoenix");
    assert.ok(sandbox.emulator.loseGroup(before.name));
    const lostAt = Date.now();
    const restarted = await eventually(async () => {
      const p = await read("phoenix");
      const s = p.status?.containerStatuses?.[0];
      assert.equal(s?.restartCount, 1);
      assert.ok(s?.state?.running, "running again");
      assert.equal(groupsOf("phoenix").length, 1);
      return p;
    }, { timeoutMs: 30_000, what: "the pod running again in a new group" });
    assert.ok(Date.now() - lostAt < 30_000);
    assert.equal(restarted.status?.phase, "Running");
    assert.equal(restarted.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 137);
    assert.equal(groupsOf("phoenix")[0].tags?.[TAGS.restarts], "1");
    await eventually(async () => assert.ok((await eventsOf("phoenix")).some((e) => e.reason === "ContainerGroupLost" && /created it again \(restart 1\)/.test(e.message ?? ""))), { what: "a ContainerGroupLost event" });
  });

  it("fails a pod with restartPolicy Never whose group is lost: ContainerGroupLost, exit code 137", async () => {
    await create("gone");
    await phaseIs("gone", "Running");
    const createsBefore = createsOf("gone").length;
    assert.ok(sandbox.emulator.loseGroup(groupsOf("gone")[0].name));
    const failed = await eventually(async () => {
      const p = await read("gone");
      assert.equal(p.status?.phase, "Failed");
      return p;
    }, { timeoutMs: 30_000, what: "Failed within 30 s" });
    assert.equal(failed.status?.reason, "ContainerGroupLost");
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    await eventually(async () => assert.ok((await eventsOf("gone")).some((e) => e.reason === "ContainerGroupLost")), { what: "a ContainerGroupLost event" });
    assert.equal(createsOf("gone").length, createsBefore, "no new group");
  });

  it("fails a pod past activeDeadlineSeconds with DeadlineExceeded and deletes its group", async () => {
    await create("deadline", { activeDeadlineSeconds: 4 });
    await phaseIs("deadline", "Running");
    const failed = await eventually(async () => {
      const p = await read("deadline");
      assert.equal(p.status?.phase, "Failed");
      return p;
    }, { timeoutMs: 30_000, what: "DeadlineExceeded" });
    assert.equal(failed.status?.reason, "DeadlineExceeded");
    await eventually(() => assert.equal(groupsOf("deadline").length, 0), { what: "the group deleted" });
    assert.ok((await eventsOf("deadline")).some((e) => e.reason === "DeadlineExceeded"));
  });

  it("gives an ephemeral container a waiting status and a warning Event", async () => {
    await create("debugged", { restartPolicy: "Always" });
    const running = await phaseIs("debugged", "Running");
    // What kubectl debug does: the pod with one more ephemeral container, through its subresource.
    running.spec!.ephemeralContainers = [{ name: "debugger", image: "busybox:1.36", command: ["sh"], stdin: true, tty: true }];
    await core.replaceNamespacedPodEphemeralcontainers({ namespace, name: "debugged", body: running });
    const waiting = await eventually(async () => {
      const s = (await read("debugged")).status?.ephemeralContainerStatuses?.find((c) => c.name === "debugger");
      assert.equal(s?.state?.waiting?.reason, "CreateContainerError");
      return s;
    }, { what: "the ephemeral container's status" });
    assert.match(waiting.state?.waiting?.message ?? "", /cannot add a container to a running container group/);
    assert.doesNotMatch(waiting.state?.waiting?.message ?? "", /kubectl exec/);
    await eventually(async () => assert.ok((await eventsOf("debugged")).some((e) => e.type === "Warning" && /ephemeral container debugger/.test(e.message ?? ""))), { what: "a warning event" });
  });
});
