import { strict as assert } from "node:assert";
import * as https from "node:https";
import { BatchV1Api, CoreV1Api, RbacAuthorizationV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { DEFAULT_KUBERNETES_VERSION } from "../../sandbox/binaries";
import type { ControlPlane } from "../../sandbox/control-plane";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";

describe("sandbox control plane (real etcd, kube-apiserver, controller-manager, scheduler, kwok)", function () {
  this.timeout(45 * 60_000); // the first run on a new machine builds the binaries
  let cp: ControlPlane;
  let namespace: string;
  const workers = ["cp-test-worker-1", "cp-test-worker-2"];

  before(async () => {
    cp = await sharedControlPlane();
    namespace = await testNamespace(cp, "control-plane");
    await cp.addKwokNodes(workers, { "burstlet.test/suite": "control-plane" });
  });

  it("reports the pinned Kubernetes version from /version", async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https.get(`${cp.server}/version`, { ca: cp.pki.ca.certPem, cert: cp.pki.admin.certPem, key: cp.pki.admin.keyPem }, (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve(data));
      }).on("error", reject);
    });
    const version = JSON.parse(body) as { gitVersion: string; major: string };
    assert.equal(version.gitVersion, process.env.BURSTLET_K8S_VERSION ?? DEFAULT_KUBERNETES_VERSION);
    assert.equal(version.major, "1");
  });

  it("runs a Job of 5 completions to success on kwok nodes through the job controller and scheduler", async () => {
    const batch = cp.kubeConfig().makeApiClient(BatchV1Api);
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: "five" },
        spec: {
          completions: 5,
          parallelism: 5,
          template: {
            spec: {
              restartPolicy: "Never",
              nodeSelector: { "burstlet.test/suite": "control-plane" },
              containers: [{ name: "work", image: "busybox", command: ["true"] }],
            },
          },
        },
      },
    });
    const job = await eventually(async () => {
      const j = await batch.readNamespacedJob({ namespace, name: "five" });
      assert.ok(j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True"), `job status ${JSON.stringify(j.status)}`);
      return j;
    }, { timeoutMs: 120_000, what: "the Job to complete" });
    assert.equal(job.status?.succeeded, 5);
    const pods = await core.listNamespacedPod({ namespace, labelSelector: "job-name=five" });
    assert.ok(pods.items.length >= 5);
    for (const pod of pods.items) assert.ok(workers.includes(pod.spec!.nodeName!), `pod ${pod.metadata!.name} on ${pod.spec!.nodeName}`);
  });

  it("keeps a pod that does not tolerate a node's NoSchedule taint Pending with the scheduler's reason", async () => {
    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await cp.addKwokNodes(["cp-test-tainted"], { "burstlet.test/only": "tainted" });
    await core.patchNode({
      name: "cp-test-tainted",
      body: [{ op: "add", path: "/spec/taints", value: [{ key: "example.com/dedicated", value: "x", effect: "NoSchedule" }] }],
    });
    const pod: V1Pod = {
      metadata: { name: "intolerant" },
      spec: { nodeSelector: { "burstlet.test/only": "tainted" }, containers: [{ name: "c", image: "busybox" }] },
    };
    await core.createNamespacedPod({ namespace, body: pod });
    const condition = await eventually(async () => {
      const p = await core.readNamespacedPod({ namespace, name: "intolerant" });
      const c = p.status?.conditions?.find((x) => x.type === "PodScheduled");
      assert.equal(c?.status, "False");
      return c;
    }, { what: "PodScheduled=False" });
    assert.equal(condition.reason, "Unschedulable");
    assert.match(condition.message ?? "", /node\(s\) had untolerated taint/);
    const after = await core.readNamespacedPod({ namespace, name: "intolerant" });
    assert.equal(after.status?.phase, "Pending");
    assert.equal(after.spec?.nodeName, undefined);
  });

  it("mints kubeconfigs for least-privileged users and service accounts", async () => {
    const nobody = new KubeConfig();
    nobody.loadFromFile(await cp.userKubeconfig("nobody", ["burstlet:test"]));
    await assert.rejects(nobody.makeApiClient(CoreV1Api).listNamespacedPod({ namespace }), (err: { code?: number }) => err.code === 403);

    const core = cp.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
    await cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api).createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "reader-view" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
      },
    });
    const sa = new KubeConfig();
    sa.loadFromFile(await cp.serviceAccountKubeconfig(namespace, "reader"));
    const pods = await sa.makeApiClient(CoreV1Api).listNamespacedPod({ namespace });
    assert.ok(Array.isArray(pods.items));
    await assert.rejects(sa.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace }), (err: { code?: number }) => err.code === 403);
  });
});
