import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { CoreV1Api, Exec, KubeConfig, Log, type V1Pod, type V1Status } from "@kubernetes/client-node";
import type { ControlPlane } from "../../../sandbox/control-plane";
import { VIRTUAL_NODE_TAINT } from "../../../kubelet/src/constants";
import { sharedControlPlane, testNamespace } from "../../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../../fixtures/burstlet";
import { eventually } from "../../fixtures/eventually";
import { kubeletRequest } from "./kubelet-https";

describe("kubelet API (through the real API server)", function () {
  this.timeout(5 * 60_000);
  const nodeName = "burstlet-kubelet-api-test";
  let cp: ControlPlane;
  let sandbox: SandboxBurstlet;
  let namespace: string;
  let core: CoreV1Api;
  let port: number;
  let apiServerClient: { cert: string; key: string };

  const pod = (name: string, script: string): V1Pod => ({
    metadata: { name },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": nodeName },
      tolerations: [{ key: VIRTUAL_NODE_TAINT.key, operator: "Exists", effect: VIRTUAL_NODE_TAINT.effect }],
      restartPolicy: "Never",
      containers: [{ name: "main", image: "busybox:1.36", command: ["sh", "-c", script] }],
    },
  });
  const running = (name: string): Promise<V1Pod> =>
    eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name });
      assert.equal(p.status?.containerStatuses?.[0]?.state?.running !== undefined, true, `${name} is ${p.status?.phase}`);
      return p;
    }, { timeoutMs: 60_000, what: `${name} running` });

  before(async () => {
    cp = await sharedControlPlane();
    sandbox = await startSandboxBurstlet(cp, { nodeName, tuning: { logFollowPollMs: 200 } });
    namespace = await testNamespace(cp, "kubelet-api");
    core = cp.kubeConfig().makeApiClient(CoreV1Api);
    port = sandbox.burstlet.servers!.kubeletPort;
    apiServerClient = { cert: readFileSync(cp.pki.files.kubeletClientCert, "utf8"), key: readFileSync(cp.pki.files.kubeletClientKey, "utf8") };
    await core.createNamespacedPod({ namespace, body: pod("steady", "echo alpha; echo beta; echo gamma; sleep infinity") });
    await running("steady");
  });
  after(async () => sandbox?.stop());

  it("reports the port it actually bound as the node's kubelet endpoint", async () => {
    assert.ok(port > 0);
    const node = await core.readNode({ name: nodeName });
    assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, port);
  });

  it("serves pod logs to the API server, with tailLines and timestamps", async () => {
    const all = await eventually(async () => {
      const text = await core.readNamespacedPodLog({ namespace, name: "steady", container: "main" });
      assert.equal(text, "alpha\nbeta\ngamma\n");
      return text;
    }, { what: "all three lines" });
    assert.equal(all.split("\n").length, 4);
    assert.equal(await core.readNamespacedPodLog({ namespace, name: "steady", tailLines: 2 }), "beta\ngamma\n");
    const stamped = (await core.readNamespacedPodLog({ namespace, name: "steady", timestamps: true, tailLines: 1 })).trimEnd().split("\n");
    assert.equal(stamped.length, 1);
    assert.match(stamped[0], /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z gamma$/);
    assert.equal(await core.readNamespacedPodLog({ namespace, name: "steady", limitBytes: 3 }), "alp");
  });

  it("follows a container's log as lines arrive, each once, and ends when it exits", async () => {
    // timeScale 0.05: each `sleep 40` lasts about two seconds.
    await core.createNamespacedPod({ namespace, body: pod("talker", "echo one; sleep 40; echo two; sleep 40; echo three; echo three") });
    await running("talker");
    const arrivals: Array<{ at: number; text: string }> = [];
    const sink = new PassThrough();
    sink.on("data", (chunk: Buffer) => arrivals.push({ at: Date.now(), text: chunk.toString() }));
    const ended = new Promise<void>((resolve) => sink.on("end", resolve));
    const started = Date.now();
    await new Log(cp.kubeConfig()).log(namespace, "talker", "main", sink, { follow: true });
    await ended;
    const text = arrivals.map((a) => a.text).join("");
    assert.equal(text, "one\ntwo\nthree\nthree\n");
    const firstOne = arrivals.find((a) => a.text.includes("one"))!;
    const firstThree = arrivals.find((a) => a.text.includes("three"))!;
    assert.ok(firstThree.at - firstOne.at >= 1_500, `lines arrived over time (${firstThree.at - firstOne.at} ms apart)`);
    assert.ok(Date.now() - started < 60_000);
    const p = await core.readNamespacedPod({ namespace, name: "talker" });
    assert.ok(p.status?.containerStatuses?.[0]?.state?.terminated, "the stream ended because the container had exited");
  });

  it("is refused by the API server for a user without pods/log", async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(await cp.userKubeconfig("no-pod-logs"));
    const err = await kc.makeApiClient(CoreV1Api).readNamespacedPodLog({ namespace, name: "steady" }).then(
      () => assert.fail("expected 403"),
      (e: { code?: number }) => e,
    );
    assert.equal(err.code, 403);
  });

  it("answers 401 without credentials, 403 to a user it may not serve, 200 to the API server's client certificate", async () => {
    assert.equal((await kubeletRequest({ port, path: "/pods" })).status, 401);
    assert.equal((await kubeletRequest({ port, path: "/containerLogs/x/y/z", token: "not-a-token" })).status, 401);

    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "nobody" } } });
    const kc = new KubeConfig();
    kc.loadFromFile(await cp.serviceAccountKubeconfig(namespace, "nobody"));
    const token = kc.getCurrentUser()!.token!;
    const forbidden = await kubeletRequest({ port, path: "/pods", token });
    assert.equal(forbidden.status, 403);
    assert.match(String(forbidden.headers["content-type"]), /^text\/plain/);
    assert.match(forbidden.body, /^Forbidden \(user=system:serviceaccount:.*:nobody, verb=get, resource=nodes, subresource\(s\)=\[pods proxy\]\)/);
    assert.equal((await kubeletRequest({ port, path: `/containerLogs/${namespace}/steady/main`, token })).status, 403);

    const pods = await kubeletRequest({ port, path: "/pods", ...apiServerClient });
    assert.equal(pods.status, 200);
    const list = JSON.parse(pods.body) as { kind: string; items: V1Pod[] };
    assert.equal(list.kind, "PodList");
    assert.ok(list.items.some((p) => p.metadata?.name === "steady" && p.metadata.namespace === namespace));
    const logs = await kubeletRequest({ port, path: `/containerLogs/${namespace}/steady/main?tailLines=1`, ...apiServerClient });
    assert.deepEqual([logs.status, logs.body], [200, "gamma\n"]);
    assert.equal((await kubeletRequest({ port, path: "/healthz", ...apiServerClient })).body, "ok");
  });

  it("serves a well-formed stats summary and resource metrics, as metrics-server reads them", async () => {
    const direct = await kubeletRequest({ port, path: "/stats/summary", ...apiServerClient });
    assert.equal(direct.status, 200);
    const summary = JSON.parse(direct.body) as { node: { nodeName: string; startTime: string }; pods: Array<{ podRef: { name: string; namespace: string; uid: string }; startTime: string; containers: Array<{ name: string }> }> };
    assert.equal(summary.node.nodeName, nodeName);
    assert.ok(!Number.isNaN(Date.parse(summary.node.startTime)));
    const steady = summary.pods.find((p) => p.podRef.name === "steady" && p.podRef.namespace === namespace);
    assert.ok(steady?.podRef.uid);
    assert.deepEqual(steady.containers.map((c) => c.name), ["main"]);


    const metrics = await kubeletRequest({ port, path: "/metrics/resource", ...apiServerClient });
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    for (const line of metrics.body.trimEnd().split("\n")) {
      assert.match(line, /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+( \d+)?)$/, line);
    }
    // Azure Monitor has no published minute for a pod this young: it is left out, not shown as 0.
    assert.ok(!metrics.body.includes(`pod="steady"`), "a pod whose usage is not known yet is not listed");
    assert.match(metrics.body, /^resource_scrape_error 0$/m);
  });

  it("refuses exec, attach and port-forward quickly, with a message that says what to do instead", async () => {
    const upgrade = { Connection: "Upgrade", Upgrade: "SPDY/3.1", "X-Stream-Protocol-Version": "v4.channel.k8s.io" };
    for (const [path, words] of [
      [`/exec/${namespace}/steady/main?command=ls&output=1`, /exec is not supported on the virtual node.*kubectl logs/],
      [`/attach/${namespace}/steady/main?output=1`, /attach is not supported on the virtual node/],
      [`/portForward/${namespace}/steady`, /port-forward is not supported on the virtual node/],
    ] as const) {
      const started = Date.now();
      const answer = await kubeletRequest({ port, path, method: "POST", headers: upgrade, ...apiServerClient });
      assert.equal(answer.status, 501, path);
      assert.match((JSON.parse(answer.body) as V1Status).message ?? "", words);
      assert.ok(Date.now() - started < 5_000);
    }
    // kubectl exec: WebSocket to the API server, which speaks SPDY to the kubelet and relays its refusal.
    const started = Date.now();
    const stderr = new PassThrough();
    const errText: string[] = [];
    stderr.on("data", (c: Buffer) => errText.push(c.toString()));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(cp.kubeConfig()).exec(namespace, "steady", "main", ["ls"], new PassThrough(), stderr, null, false, resolve).then(
        (ws) => ws.on("close", () => setTimeout(() => reject(new Error(`closed without a status; stderr: ${errText.join("")}`)), 1_000)),
        reject,
      );
    });
    assert.ok(Date.now() - started < 10_000, "the API server's exec answer came quickly");
    // The API server (v1.36) relays a kubelet's refusal to upgrade as an InternalError that carries
    // the kubelet's own message, which is what kubectl prints.
    assert.equal(status.code, 500, JSON.stringify(status));
    assert.match(status.message ?? "", /^Internal error occurred: unable to upgrade connection: exec is not supported on the virtual node .*kubectl logs -n .* steady -c main/);
  });

  it("serves burstlet's own Prometheus metrics on the metrics port", async () => {
    const res = await fetch(`http://127.0.0.1:${sandbox.burstlet.servers!.metricsPort}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    for (const name of ["burstlet_arm_requests_total", "burstlet_arm_budget_wait_seconds_total", "burstlet_workqueue_depth", "burstlet_reconcile_duration_seconds_bucket", "burstlet_status_staleness_seconds", "burstlet_container_group_deletions_pending", "burstlet_pods", "burstlet_container_groups_created_total", "burstlet_kubelet_api_requests_total"]) {
      assert.match(text, new RegExp(`^${name}`, "m"), name);
    }
    assert.match(text, /^burstlet_pods\{phase="Running"\} [1-9]/m);
    assert.match(text, /^burstlet_container_groups_created_total [1-9]/m);
    assert.match(text, /^burstlet_pod_records\{backing="running"\} [1-9]/m, "pods whose groups run have records");
    assert.match(text, /^burstlet_arm_budget_waiters\{kind="log"\} 0/m, "the log share's waiters");
    for (const queue of ["fromKubernetes", "deleteFromKubernetes", "statusFromProvider"]) assert.match(text, new RegExp(`^burstlet_workqueue_depth\\{queue="${queue}"\\}`, "m"), queue);
    assert.match(text, /^burstlet_arm_requests_total\{method="PUT",kind="write",code="20[01]"\} [1-9]/m);
    assert.equal((await fetch(`http://127.0.0.1:${sandbox.burstlet.servers!.metricsPort}/healthz`)).status, 200);
  });
});
