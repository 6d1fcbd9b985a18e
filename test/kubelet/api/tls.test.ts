import { strict as assert } from "node:assert";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { connect } from "node:tls";
import { loadClientCa, loadServingTls, selfSignedServingCert } from "../../../kubelet/src/api/tls";
import { createKubeletApiServer } from "../../../kubelet/src/api/server";
import { Authenticator } from "../../../kubelet/src/api/authn";
import { Authorizer } from "../../../kubelet/src/api/authz";
import { silentLogger } from "../../../kubelet/src/log";
import type { PodProvider } from "../../../kubelet/src/provider/provider";
import { KubeConfig } from "@kubernetes/client-node";
import { kubeletRequest } from "./kubelet-https";

describe("kubelet API TLS", () => {
  it("generates a self-signed serving certificate for the node's name and address", async () => {
    const tls = await selfSignedServingCert("vnode", ["vnode", "10.0.0.7", "vnode"]);
    const cert = new X509Certificate(tls.certPem);
    assert.equal(cert.subject, "CN=vnode");
    assert.equal(cert.subjectAltName, "DNS:vnode, IP Address:10.0.0.7");
    assert.equal(cert.checkPrivateKey(createPrivateKey(tls.keyPem)), true);
    assert.ok(new Date(cert.validTo).getTime() > Date.now() + 300 * 24 * 3600 * 1000);
  });

  it("reads the serving certificate and client CA from files, defaulting the CA to the in-cluster one when present", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "burstlet-tls-"));
    const own = await selfSignedServingCert("given", ["given"]);
    writeFileSync(path.join(dir, "tls.crt"), own.certPem);
    writeFileSync(path.join(dir, "tls.key"), own.keyPem);
    writeFileSync(path.join(dir, "ca.crt"), own.certPem);
    writeFileSync(path.join(dir, "empty"), "");
    assert.deepEqual(await loadServingTls({ certFile: path.join(dir, "tls.crt"), keyFile: path.join(dir, "tls.key"), nodeName: "n", nodeAddress: "127.0.0.1" }), own);
    assert.equal(loadClientCa(path.join(dir, "ca.crt")), own.certPem);
    assert.equal(loadClientCa(undefined, path.join(dir, "ca.crt")), own.certPem, "the in-cluster CA when no file is given");
    assert.equal(loadClientCa(undefined, path.join(dir, "missing.crt")), undefined);
    assert.throws(() => loadClientCa(path.join(dir, "empty")), /--client-ca-file: .* holds no PEM data/);
    assert.throws(() => loadClientCa(path.join(dir, "nope")), /--client-ca-file: cannot read/);
  });

  it("refuses TLS below 1.2 and anonymous requests", async () => {
    const serving = await selfSignedServingCert("vnode", ["127.0.0.1"]);
    const never = (): Promise<never> => Promise.reject(new Error("not asked"));
    const server = createKubeletApiServer({
      nodeName: "vnode",
      provider: {} as PodProvider,
      pods: { get: () => undefined, list: () => [] },
      kubeConfig: new KubeConfig(),
      tls: serving,
      log: silentLogger,
      authenticator: new Authenticator({ review: never, log: silentLogger }),
      authorizer: new Authorizer({ review: never }),
    });
    const port = await server.listen(0, "127.0.0.1");
    try {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: "127.0.0.1", port, maxVersion: "TLSv1.1", minVersion: "TLSv1", rejectUnauthorized: false });
        socket.on("secureConnect", () => (socket.destroy(), resolve(false)));
        socket.on("error", () => resolve(true));
      });
      assert.equal(refused, true, "a TLS 1.1 handshake fails");
      const anonymous = await kubeletRequest({ port, path: "/stats/summary" });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body, "Unauthorized");
    } finally {
      await server.close();
    }
  });
});
