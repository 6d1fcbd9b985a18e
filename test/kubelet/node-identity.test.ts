/**
 * The node identity against a real control plane: the controller-manager approves and signs the
 * bootstrap CSR, and renewal follows an injected clock: at 80% of the certificate's lifetime with
 * the node's own certificate (`selfnodeclient`), with the bootstrap credentials once it expired.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { CertificatesV1Api, CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { burstletNodeRules } from "../../components/virtual-node-spec";
import { nodeUser } from "../../kubelet/src/constants";
import { NodeIdentity, nodeCertificateRequest, renewalTime } from "../../kubelet/src/kube/node-identity";
import { silentLogger } from "../../kubelet/src/log";
import type { ControlPlane } from "../../sandbox/control-plane";
import { sharedControlPlane } from "../fixtures/control-plane";
import { eventually } from "../fixtures/eventually";
import { ManualClock } from "../fixtures/manual-clock";

describe("node identity (pure)", () => {
  it("asks for system:node:<name> in system:nodes with a fresh P-256 key", async () => {
    const { csrPem, keyPem } = await nodeCertificateRequest("aci-1");
    assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);
    assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.notEqual((await nodeCertificateRequest("aci-1")).keyPem, keyPem, "a new key for every request");
  });

  it("renews at 80% of the lifetime", () => {
    assert.equal(renewalTime({ notBefore: 1_000, notAfter: 11_000 }), 9_000);
  });
});

describe("node identity (TLS bootstrap against a real control plane)", function () {
  this.timeout(120_000);
  let cp: ControlPlane;
  const nodeName = `identity-${Date.now().toString(36)}`;

  before(async () => {
    cp = await sharedControlPlane();
    // What VirtualNode binds to the node's user: renewing its own certificate.
    const rbac = cp.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createClusterRole({ body: { metadata: { name: `${nodeName}-node` }, rules: burstletNodeRules() } });
    await rbac.createClusterRoleBinding({ body: { metadata: { name: `${nodeName}-node` }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `${nodeName}-node` }, subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: nodeUser(nodeName) }] } });
  });
  after(async () => {
    const rbac = cp?.kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac?.deleteClusterRoleBinding({ name: `${nodeName}-node` }).catch(() => undefined);
    await rbac?.deleteClusterRole({ name: `${nodeName}-node` }).catch(() => undefined);
  });

  it("obtains a signed certificate, renews it at 80% with its own credentials, and with the bootstrap ones once expired", async () => {
    const clock = new ManualClock(Date.now());
    const identity = new NodeIdentity({ bootstrap: cp.kubeConfig(), nodeName, log: silentLogger, expirationSeconds: 600, clock });
    const kc = identity.kubeConfig();
    const stop = new AbortController();
    await identity.start(stop.signal);
    const first = identity.certificate!;
    assert.equal(new X509Certificate(first.certPem).subject, `O=system:nodes\nCN=${nodeUser(nodeName)}`);
    assert.ok(first.notAfter - first.notBefore <= 15 * 60_000, "the signer honoured a short lifetime");
    // The KubeConfig handed out before the certificate existed now authenticates as the node.
    assert.equal((await kc.makeApiClient(CoreV1Api).listNode({ fieldSelector: `metadata.name=${nodeName}` })).items.length, 0);

    const running = identity.run(stop.signal);
    await eventually(() => clock.requested.length === 1, { what: "the renewal scheduled" });
    assert.equal(clock.requested[0], renewalTime(first) - clock.now(), "the renewal waits until 80% of the lifetime");
    await clock.advance(renewalTime(first) - clock.now());
    await eventually(() => identity.certificate !== first, { timeoutMs: 60_000, what: "the renewed certificate" });
    const second = identity.certificate!;
    assert.notEqual(new X509Certificate(second.certPem).serialNumber, new X509Certificate(first.certPem).serialNumber);

    // Suspended past the certificate's end: the renewal wakes with it expired.
    await clock.jump(second.notAfter + 1 - clock.now());
    await eventually(() => identity.certificate !== second, { timeoutMs: 60_000, what: "a certificate after expiry" });
    stop.abort();
    await running;

    const csrs = (await cp.kubeConfig().makeApiClient(CertificatesV1Api).listCertificateSigningRequest()).items.filter((c) => Buffer.from(c.spec.request, "base64").length > 0 && c.status?.certificate && new X509Certificate(Buffer.from(c.status.certificate, "base64")).subject.includes(nodeUser(nodeName)));
    // Each CSR was last written (signed) before the next was sent: resource versions give the order.
    const requesters = csrs.sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion)).map((c) => c.spec.username);
    assert.deepEqual(requesters, ["sandbox-admin", nodeUser(nodeName), "sandbox-admin"], "bootstrap, self-renewal, bootstrap again after expiry");
  });
});
