/**
 * The control plane's PKI, written as files the Kubernetes binaries read: a cluster CA, the API
 * server's serving certificate, an admin identity, the client certificate the API server presents
 * to kubelets, and the service-account signing key.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { type CertificateAuthority, type KeyPairPem, createCa, issueCert } from "../tls";

/** The user name in the client certificate the API server presents to kubelets (as kubeadm names it). */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";

export interface ControlPlanePki {
  readonly ca: CertificateAuthority;
  readonly files: {
    readonly caCert: string;
    readonly caKey: string;
    readonly servingCert: string;
    readonly servingKey: string;
    readonly kubeletClientCert: string;
    readonly kubeletClientKey: string;
    readonly serviceAccountKey: string;
    readonly serviceAccountPub: string;
  };
  readonly admin: KeyPairPem;
}

export async function writePki(dir: string, serviceIp: string): Promise<ControlPlanePki> {
  const ca = await createCa("burstlet-sandbox-ca");
  const serving = await issueCert(ca, {
    commonName: "kube-apiserver",
    dnsNames: ["localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"],
    ipAddresses: ["127.0.0.1", serviceIp],
  });
  const admin = await issueCert(ca, { commonName: "sandbox-admin", organizations: ["system:masters"], clientAuth: true });
  const kubeletClient = await issueCert(ca, { commonName: KUBELET_CLIENT_USER, clientAuth: true });
  const sa = generateKeyPairSync("ec", { namedCurve: "prime256v1" });

  const file = (name: string, content: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content, { mode: 0o600 });
    return p;
  };
  return {
    ca,
    admin,
    files: {
      caCert: file("ca.crt", ca.certPem),
      caKey: file("ca.key", ca.keyPem),
      servingCert: file("apiserver.crt", serving.certPem),
      servingKey: file("apiserver.key", serving.keyPem),
      kubeletClientCert: file("apiserver-kubelet-client.crt", kubeletClient.certPem),
      kubeletClientKey: file("apiserver-kubelet-client.key", kubeletClient.keyPem),
      serviceAccountKey: file("sa.key", sa.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      serviceAccountPub: file("sa.pub", sa.publicKey.export({ type: "spki", format: "pem" }).toString()),
    },
  };
}
