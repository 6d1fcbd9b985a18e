/**
 * The virtual-kubelet project's own end-to-end suite (`test/e2e`, built as a test binary) against
 * burstlet's node, as it runs against any virtual kubelet: through the API server, including its
 * node proxy (`/api/v1/nodes/<node>/proxy/pods`, `/stats/summary`, `/metrics/resource`). The node
 * gets an address of the sandbox's own (sandbox/node-address.ts) and an ACI subnet, so its pods get
 * IPs as on AKS. Every upstream test passes, or is listed in `EXPECTED_FAILURES` (and in the README)
 * with why it encodes the Go library's behaviour rather than the kubelet's contract.
 */
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { startAciEmulator, type AciEmulator } from "../../sandbox/aci-emulator";
import { ensureE2eBinaries } from "../../sandbox/binaries";
import { VIRTUAL_KUBELET_E2E_BINARY, NETIF_BINARY } from "../../sandbox/binaries/e2e-tools";
import type { ControlPlane } from "../../sandbox/control-plane";
import { createNodeAddress, type NodeAddress } from "../../sandbox/node-address";
import { sharedControlPlane, testNamespace } from "../fixtures/control-plane";
import { type SandboxBurstlet, startSandboxBurstlet } from "../fixtures/burstlet";
import { eventually } from "../fixtures/eventually";

const LIBRARY_EVENT = "waits for an Event reason only the virtual-kubelet Go library emits; the kubelet reports a missing config map or secret as CreateContainerConfigError (mandatory) or not at all (optional), as burstlet does";
const MOCK_METRICS = "reads usage the moment the pod is Ready, when Azure Monitor has no sample of its group yet (a minute is published after it ends) and burstlet leaves unknown usage out rather than writing 0, where the virtual-kubelet mock makes figures up at once";

/** Upstream tests that fail against burstlet, each with the reason (also listed in the README). */
const EXPECTED_FAILURES: Readonly<Record<string, string>> = {
  TestCreatePodWithMandatoryInexistentConfigMap: LIBRARY_EVENT,
  TestCreatePodWithMandatoryInexistentSecrets: LIBRARY_EVENT,
  TestCreatePodWithOptionalInexistentConfigMap: LIBRARY_EVENT,
  TestCreatePodWithOptionalInexistentSecrets: LIBRARY_EVENT,
  TestGetMetricsResource: MOCK_METRICS,
};

/**
 * Decided by timing, so either outcome is accepted and printed. The test requests a graceful
 * delete, waits until the pod has a deletionTimestamp, sleeps one second and expects `/pods` not to
 * list it: the Go library's `/pods` lists the provider's running pods. The kubelet's `/pods` lists
 * the pods bound to the node, terminating ones included, until their API object is gone (as
 * burstlet's does), so it passes only when the container group is deleted and the pod removed from
 * the API server within that second.
 */
const UNRESOLVED: ReadonlySet<string> = new Set(["TestPodLifecycleGracefulDelete"]);

/** The nine tests of virtual-kubelet v1.14.1's suite. */
const UPSTREAM_TESTS = [
  "TestCreatePodWithMandatoryInexistentConfigMap",
  "TestCreatePodWithMandatoryInexistentSecrets",
  "TestCreatePodWithOptionalInexistentConfigMap",
  "TestCreatePodWithOptionalInexistentSecrets",
  "TestGetMetricsResource",
  "TestGetPods",
  "TestGetStatsSummary",
  "TestPodLifecycleForceDelete",
  "TestPodLifecycleGracefulDelete",
];

type Outcome = "PASS" | "FAIL" | "SKIP";

/** `--- PASS: TestEndToEnd/TestGetPods (1.20s)` lines of `-test.v` output, by subtest name. */
export function parseGoTestOutput(output: string): Map<string, Outcome> {
  const results = new Map<string, Outcome>();
  for (const m of output.matchAll(/^\s*--- (PASS|FAIL|SKIP): TestEndToEnd\/(\S+)/gm)) results.set(m[2], m[1] as Outcome);
  return results;
}

/**
 * The suite reads stats and metrics through the *pod* proxy of a pod named after the node
 * (`namespaces/<ns>/pods/https:<node>:10250/proxy/...`), as upstream runs the virtual kubelet: in a
 * pod of the node's name whose IP is the kubelet's. burstlet runs in a pod too when deployed; here
 * it runs in the test process, so this pod stands for it: never scheduled (it selects no node), its
 * status carrying burstlet's address as the pod IP, as a running burstlet pod's would.
 */
async function kubeletPod(cp: ControlPlane, namespace: string, name: string, ip: string): Promise<void> {
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name }, spec: { nodeSelector: { "burstlet.test/none": "none" }, containers: [{ name: "burstlet", image: "burstlet" }] } },
  });
  // The scheduler writes the pod's conditions meanwhile: read and replace until no conflict.
  await eventually(
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      await core.replaceNamespacedPodStatus({ namespace, name, body: { ...pod, status: { ...pod.status, podIP: ip, podIPs: [{ ip }] } } });
    },
    { timeoutMs: 30_000, what: `pod IP ${ip} on pod ${namespace}/${name}` },
  );
}

/**
 * The pod proxy forwards no credentials, so a kubelet serves its stats there only with anonymous
 * requests on and `system:anonymous` allowed to read them: what a cluster that reads kubelet stats
 * that way grants, here for this node's stats and metrics alone.
 */
async function allowAnonymousStats(cp: ControlPlane, nodeName: string): Promise<() => Promise<void>> {
  const rbac = cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
  const name = `${nodeName}-anonymous-stats`;
  await rbac.createClusterRole({ body: { metadata: { name }, rules: [{ apiGroups: [""], resources: ["nodes/stats", "nodes/metrics"], resourceNames: [nodeName], verbs: ["get"] }] } });
  await rbac.createClusterRoleBinding({
    body: { metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name }, subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "system:anonymous" }] },
  });
  return async () => {
    await rbac.deleteClusterRoleBinding({ name });
    await rbac.deleteClusterRole({ name });
  };
}

/** Where the suite's sources are, so its assertions can quote the failing line (paths are module-relative). */
function goModCache(): string | undefined {
  const dir = process.env.GOMODCACHE ?? path.join(process.env.GOPATH ?? path.join(homedir(), "go"), "pkg", "mod");
  return existsSync(dir) ? dir : undefined;
}

describe("the virtual-kubelet end-to-end suite against burstlet", function () {
  this.timeout(10 * 60_000);
  const nodeName = "burstlet-vk-e2e";
  let cp: ControlPlane;
  let emulator: AciEmulator;
  let sandbox: SandboxBurstlet | undefined;
  let address: NodeAddress | undefined;
  let missing: string | undefined;
  let binaries: Awaited<ReturnType<typeof ensureE2eBinaries>>;
  let ns: string;
  let disallowAnonymous: (() => Promise<void>) | undefined;

  before(async () => {
    binaries = await ensureE2eBinaries({ progress: (line) => console.log(`      ${line}`) });
    const created = await createNodeAddress(binaries.path(NETIF_BINARY));
    if ("missing" in created) {
      missing = created.missing;
      return;
    }
    address = created;
    cp = await sharedControlPlane();
    ns = await testNamespace(cp, "vk-e2e");
    disallowAnonymous = await allowAnonymousStats(cp, nodeName);
    emulator = await startAciEmulator({ timeScale: 0.05, limits: "unlimited", quotas: "unlimited" });
    const subnet = `/subscriptions/${emulator.subscriptionId}/resourceGroups/${emulator.resourceGroup}/providers/Microsoft.Network/virtualNetworks/sandbox-vnet/subnets/aci`;
    sandbox = await startSandboxBurstlet(cp, {
      nodeName,
      sharedEmulator: emulator,
      // The kubelet's own port: the address is this run's alone.
      flags: [`--node-address=${address.address}`, `--listen-address=${address.address}`, "--kubelet-port=10250", `--subnet-id=${subnet}`, "--anonymous-auth=true"],
    });
    await kubeletPod(cp, ns, nodeName, address.address);
  });
  after(async () => {
    await sandbox?.stop();
    await emulator?.close();
    await address?.remove();
    await disallowAnonymous?.();
  });

  it("serves stats and resource metrics through the API server's node proxy (what the pod-proxy tests read)", async function () {
    if (missing) {
      // Skipped without CAP_NET_ADMIN: the node proxy needs an address the sandbox creates, and
      // `missing` says what this machine lacks.
      console.log(`      skipped: ${missing}`);
      this.skip(); // no CAP_NET_ADMIN here: the node proxy refuses loopback, and only the sandbox's own address will do
    }
    const raw = async (suffix: string): Promise<string> => {
      const r = await cp.kubectl(["get", "--raw", `/api/v1/nodes/${nodeName}/proxy/${suffix}`]);
      assert.equal(r.code, 0, `kubectl get --raw …/proxy/${suffix} failed: ${r.stderr}`);
      return r.stdout;
    };
    const summary = JSON.parse(await raw("stats/summary")) as { node: { nodeName: string } };
    assert.equal(summary.node.nodeName, nodeName);
    assert.match(await raw("metrics/resource"), /^# TYPE node_cpu_usage_seconds_total counter$/m);
  });

  it("passes every upstream test but the listed ones, which still fail", async function () {
    if (missing) {
      // Skipped without CAP_NET_ADMIN: every upstream test waits for a pod IP and reads the kubelet
      // API through the node proxy, which needs an address the sandbox creates; `missing` says why.
      console.log(`      skipped: ${missing}`);
      this.skip(); // no CAP_NET_ADMIN here: the upstream tests need pod IPs and the node proxy, which needs the sandbox's own address
    }
    const output = await new Promise<string>((resolve) => {
      const args = ["-test.v", "-test.count=1", `-kubeconfig=${cp.kubeconfigPath}`, `-namespace=${ns}`, `-node-name=${nodeName}`, "-watch-timeout=45s"];
      execFile(binaries.path(VIRTUAL_KUBELET_E2E_BINARY), args, { maxBuffer: 64 << 20, timeout: 8 * 60_000, cwd: goModCache() }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
    });
    const results = parseGoTestOutput(output);
    const report = UPSTREAM_TESTS.map((t) => `${results.get(t) ?? "NOT RUN"} ${t}`).join("\n");
    console.log(report.replace(/^/gm, "      "));
    assert.deepEqual([...results.keys()].sort(), UPSTREAM_TESTS, `the suite ran other tests than v1.14.1's nine:\n${output.slice(-4000)}`);
    const failing = UPSTREAM_TESTS.filter((t) => !UNRESOLVED.has(t) && results.get(t) !== "PASS");
    assert.deepEqual(failing, Object.keys(EXPECTED_FAILURES).sort(), `failures changed (update EXPECTED_FAILURES and the README):\n${report}\n\n${output.slice(-6000)}`);
  });
});
