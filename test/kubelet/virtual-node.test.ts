import { strict as assert } from "node:assert";
import { CoordinationV1Api, CoreV1Api, type V1Pod, type V1Toleration } from "@kubernetes/client-node";
import type { ControlPlane } from "../../sandbox/control-plane";
import { LEASE_NAMESPACE, TAGS, VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

const toleration: V1Toleration = { key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect };

describe("virtual node (burstlet against the real control plane and the ACI emulator)", function () {
  this.timeout(45 * 60_000);
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  const nodeName = "burstlet-virtual-node-test";

  const pod = (name: string, spec: Partial<NonNullable<V1Pod["spec"]>>, tolerate = true): V1Pod => ({
    metadata: { name },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": nodeName },
      tolerations: tolerate ? [toleration] : [],
      restartPolicy: "Never",
      containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "echo hello; sleep 1"] }],
      ...spec,
    },
  });
  const read = (name: string): Promise<V1Pod> => core.readNamespacedPod({ namespace, name });
  const groupsOf = (podName: string) => sandbox.emulator.groups().filter((g) => g.tags?.[TAGS.pod] === podName && g.tags?.[TAGS.namespace] === namespace);

  before(async () => {
    cp = await sharedControlPlane();
    // NotReady after 3 s of outage instead of the default 120 s, so the test is quick.
    sandbox = await startSandboxBurstlet(cp, { nodeName, flags: ["--not-ready-after-seconds=3"] });
    namespace = await testNamespace(cp, "virtual-node");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
  });
  after(async () => sandbox?.stop());

  it("registers a Ready node with the virtual-kubelet labels, the taint and a Lease heartbeat", async () => {
    const node = await eventually(async () => {
      const n = await core.readNode({ name: nodeName });
      assert.equal(n.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
      // The node lifecycle controller lifts its own not-ready taint a moment after Ready.
      assert.deepEqual(n.spec?.taints?.map((t) => `${t.key}=${t.value}:${t.effect}`), ["virtual-kubelet.io/provider=azure:NoSchedule"]);
      return n;
    }, { what: "node Ready, with only burstlet's taint" });
    const labels = node.metadata?.labels ?? {};
    assert.equal(labels.type, "virtual-kubelet");
    assert.equal(labels["kubernetes.io/os"], "linux");
    assert.equal(labels["kubernetes.io/hostname"], nodeName);
    assert.equal(labels["node.kubernetes.io/exclude-from-external-load-balancers"], "true");
    // NodeRestriction lets no node set these on itself.
    assert.equal(labels["kubernetes.io/role"], undefined);
    assert.equal(labels["alpha.service-controller.kubernetes.io/exclude-balancer"], undefined);
    for (const type of ["MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"]) {
      assert.equal(node.status?.conditions?.find((c) => c.type === type)?.status, "False", type);
    }
    assert.ok(Number(node.status?.capacity?.pods) > 0);
    assert.match(node.status?.nodeInfo?.kubeletVersion ?? "", /^v1\.\d+\.\d+-burstlet\./);

    const lease = await cp.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: LEASE_NAMESPACE, name: nodeName });
    assert.equal(lease.spec?.leaseDurationSeconds, 40);
    assert.equal(lease.metadata?.ownerReferences?.[0]?.uid, node.metadata?.uid);
    const renewed = lease.spec?.renewTime;
    await eventually(async () => {
      const l = await cp.kubeConfig().makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: LEASE_NAMESPACE, name: nodeName });
      assert.notEqual(String(l.spec?.renewTime), String(renewed));
    }, { what: "the lease to be renewed" });
  });

  it("registers the node again when it is deleted", async () => {
    const before = await core.readNode({ name: nodeName });
    await core.deleteNode({ name: nodeName });
    const again = await eventually(async () => {
      const n = await core.readNode({ name: nodeName });
      assert.notEqual(n.metadata?.uid, before.metadata?.uid);
      assert.equal(n.status?.conditions?.find((c) => c.type === "Ready")?.status, "True");
      return n;
    }, { what: "the node to be registered again" });
    // The node lifecycle controller may add its own not-ready taint for a moment; ours must be there.
    assert.ok(again.spec?.taints?.some((t) => t.key === VIRTUAL_NODE_TAINT.key && t.effect === VIRTUAL_NODE_TAINT.effect));
    assert.equal(again.metadata?.labels?.type, "virtual-kubelet");
  });

  it("turns Ready=False with a reason only after Azure has been unreachable for a while, probing instead of spending reads, and Ready again after", async () => {
    const ready = async () => (await core.readNode({ name: nodeName })).status?.conditions?.find((c) => c.type === "Ready");
    // A running pod, so the status tracker has reads to make during the outage.
    await core.createNamespacedPod({ namespace, body: pod("through-outage", { containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "1000"] }] }) });
    await eventually(async () => assert.equal((await read("through-outage")).status?.phase, "Running"), { what: "Running" });
    const outageMs = 12_000;
    const start = Date.now();
    sandbox.emulator.faults.outage(outageMs);
    let down;
    try {
      down = await eventually(async () => {
        const c = await ready();
        assert.equal(c?.status, "False");
        return c;
      }, { timeoutMs: 45_000, what: "Ready=False" });
    } finally {
      await eventually(() => Date.now() >= start + outageMs, { timeoutMs: outageMs + 1_000, what: "the outage to end" });
    }
    assert.ok(Date.now() - start >= 3_000, "not NotReady before the configured 3 s");
    assert.equal(down.reason, "ArmUnreachable");
    assert.match(down.message ?? "", /Azure Resource Manager has not answered for \d+ s/);
    const during = sandbox.emulator.record.calls.filter((c) => c.at >= start && c.at < start + outageMs && c.method === "GET");
    // One probe a second (plus a read or two in flight when it began), not a read budget's worth of 503s.
    assert.ok(during.length <= outageMs / 1000 + 8, `${during.length} reads during a ${outageMs} ms outage`);
    const answered = await eventually(() => {
      const first = sandbox.emulator.record.calls.find((c) => c.at >= start + outageMs && c.method === "GET" && c.status === 200);
      assert.ok(first);
      return first;
    }, { timeoutMs: 10_000, what: "an answered read after the outage" });
    assert.ok(answered.at - (start + outageMs) < 2_500, `reads resumed ${answered.at - (start + outageMs)} ms after the outage`);
    await eventually(async () => assert.equal((await ready())?.status, "True"), { timeoutMs: 45_000, what: "Ready=True again" });
  });

  it("stays Ready while every read is throttled: a 429 is an answer", async () => {
    const nodeReady = async () => (await core.readNode({ name: nodeName })).status?.conditions?.find((c) => c.type === "Ready")?.status;
    const windowMs = 12_000;
    sandbox.emulator.faults.set({ throttleReadRate: 1, throttleRetryAfterSeconds: 1 });
    const start = Date.now();
    try {
      await eventually(async () => {
        assert.equal(await nodeReady(), "True", "Ready while reads are throttled");
        return Date.now() - start >= windowMs;
      }, { timeoutMs: windowMs + 10_000, intervalMs: 500, what: `${windowMs} ms of throttled reads` });
      assert.ok(sandbox.emulator.record.calls.some((c) => c.at >= start && c.status === 429), "reads were throttled");
    } finally {
      sandbox.emulator.faults.clear();
    }
  });

  it("never binds a pod that does not tolerate the taint", async () => {
    await core.createNamespacedPod({ namespace, body: pod("intolerant", {}, false) });
    const condition = await eventually(async () => {
      const c = (await read("intolerant")).status?.conditions?.find((x) => x.type === "PodScheduled");
      assert.equal(c?.status, "False");
      return c;
    }, { what: "PodScheduled=False" });
    assert.match(condition.message ?? "", /untolerated taint/);
    assert.equal((await read("intolerant")).spec?.nodeName, undefined);
    assert.equal(groupsOf("intolerant").length, 0);
  });

  it("runs a tolerating pod in ACI: Running, then Succeeded", async () => {
    await core.createNamespacedPod({ namespace, body: pod("ok", { containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "echo hello; sleep 100"] }] }) });
    const running = await eventually(async () => {
      const p = await read("ok");
      assert.equal(p.status?.phase, "Running");
      return p;
    }, { what: "Running" });
    assert.equal(running.spec?.nodeName, nodeName);
    assert.ok(running.status?.containerStatuses?.[0]?.state?.running?.startedAt);
    assert.equal(groupsOf("ok").length, 1);
    const done = await eventually(async () => {
      const p = await read("ok");
      assert.equal(p.status?.phase, "Succeeded");
      return p;
    }, { what: "Succeeded" });
    assert.equal(done.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  });

  it("reports Failed with the container's exit code", async () => {
    await core.createNamespacedPod({ namespace, body: pod("fails", { containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", "echo bad; exit 3"] }] }) });
    const failed = await eventually(async () => {
      const p = await read("fails");
      assert.equal(p.status?.phase, "Failed");
      return p;
    }, { what: "Failed" });
    assert.equal(failed.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });

  it("sends secret values to ACI only as secureValue", async () => {
    const secretValue = "s3cr3t-value-never-in-plain";
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: "creds" }, stringData: { password: secretValue } } });
    await core.createNamespacedPod({
      namespace,
      body: pod("with-secret", {
        containers: [{ name: "main", image: "busybox:1.36", command: ["sleep", "1000"], env: [{ name: "PASSWORD", valueFrom: { secretKeyRef: { name: "creds", key: "password" } } }, { name: "PLAIN", value: "visible" }] }],
      }),
    });
    const group = await eventually(() => {
      const g = groupsOf("with-secret");
      assert.equal(g.length, 1);
      return g[0];
    }, { what: "the container group" });
    const bodies = sandbox.emulator.record.bodies.filter((b) => b.path.includes(group.name));
    assert.ok(bodies.length >= 1);
    for (const body of bodies) {
      const text = JSON.stringify(body.body);
      const env = (body.body as { properties: { containers: { properties: { environmentVariables: { name: string; value?: string; secureValue?: string }[] } }[] } }).properties.containers[0].properties.environmentVariables;
      assert.equal(env.find((e) => e.name === "PASSWORD")?.secureValue, secretValue);
      assert.equal(env.find((e) => e.name === "PASSWORD")?.value, undefined);
      assert.equal(text.split(secretValue).length - 1, 1, "the secret appears exactly once, as secureValue");
    }
  });

  for (const [name, spec, field] of [
    ["host-path", { volumes: [{ name: "h", hostPath: { path: "/etc" } }] }, "hostPath"],
    ["pvc", { volumes: [{ name: "p", persistentVolumeClaim: { claimName: "data" } }] }, "persistentVolumeClaim"],
    ["privileged", { containers: [{ name: "main", image: "busybox:1.36", command: ["true"], securityContext: { privileged: true } }] }, "privileged"],
    ["host-network", { hostNetwork: true }, "hostNetwork"],
    ["lifecycle", { containers: [{ name: "main", image: "busybox:1.36", command: ["true"], lifecycle: { preStop: { exec: { command: ["true"] } } } }] }, "lifecycle"],
    ["startup-probe", { containers: [{ name: "main", image: "busybox:1.36", command: ["true"], startupProbe: { exec: { command: ["true"] } } }] }, "startupProbe"],
    ["tcp-probe", { containers: [{ name: "main", image: "busybox:1.36", command: ["true"], livenessProbe: { tcpSocket: { port: 80 } } }] }, "tcpSocket"],
  ] as const) {
    it(`fails a pod using ${field} with a clear reason and Event, creating nothing in ACI`, async () => {
      // Bound directly: the scheduler would hold a pod with an unbound claim back before burstlet sees it.
      await core.createNamespacedPod({ namespace, body: pod(name, { nodeName, ...(spec as Partial<NonNullable<V1Pod["spec"]>>) }) });
      const failed = await eventually(async () => {
        const p = await read(name);
        assert.equal(p.status?.phase, "Failed");
        return p;
      }, { what: `${name} Failed` });
      assert.equal(failed.status?.reason, "ProviderFailed");
      assert.match(failed.status?.message ?? "", new RegExp(field));
      const events = await eventually(async () => {
        const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
        assert.ok(list.items.some((e) => e.reason === "ProviderFailed"));
        return list.items;
      }, { what: "a ProviderFailed event" });
      assert.match(events.find((e) => e.reason === "ProviderFailed")?.message ?? "", new RegExp(field));
      assert.equal(groupsOf(name).length, 0);
      assert.equal(sandbox.emulator.record.calls.filter((c) => c.method === "PUT" && c.path.includes(`${namespace}-${name}`)).length, 0);
    });
  }
});
