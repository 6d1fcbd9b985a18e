/**
 * The control plane's PKI, written as files the Kubernetes binaries read: a cluster CA, the API
 * server's serving certificate, an admin identity, the client certificate the API server presents
 * to kubelets, the service-account signing key, and what aggregated APIs need: a front-proxy CA
 * and the client certificate the API server proxies with (as kubeadm sets them up), and
 * metrics-server's serving certificate and identity.
 */
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { type CertificateAuthority, type KeyPairPem, createCa, issueCert } from "../tls";

/** The user name in the client certificate the API server presents to kubelets (as kubeadm names it). */
export const KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client";
/** The name in the front-proxy client certificate; aggregated API servers accept only it. */
export const FRONT_PROXY_CLIENT_USER = "front-proxy-client";
/** metrics-server's user name (as its upstream manifests bind it, there as a service account). */
export const METRICS_SERVER_USER = "system:metrics-server";
/** The Service name the API server verifies metrics-server's certificate against. */
export const METRICS_SERVER_SERVICE = { namespace: "kube-system", name: "metrics-server" } as const;

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
    readonly frontProxyCaCert: string;
    readonly frontProxyClientCert: string;
    readonly frontProxyClientKey: string;
    readonly metricsServerCert: string;
    readonly metricsServerKey: string;
  };
  readonly admin: KeyPairPem;
  /** metrics-server's client identity (to the API server and to kubelets). */
  readonly metricsServer: KeyPairPem;
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
  const frontProxyCa = await createCa("burstlet-sandbox-front-proxy-ca");
  const frontProxyClient = await issueCert(frontProxyCa, { commonName: FRONT_PROXY_CLIENT_USER, clientAuth: true });
  const { namespace, name } = METRICS_SERVER_SERVICE;
  const metricsServing = await issueCert(ca, { commonName: name, dnsNames: [`${name}.${namespace}.svc`, "localhost"], ipAddresses: ["127.0.0.1"], serverAuth: true });
  const metricsServer = await issueCert(ca, { commonName: METRICS_SERVER_USER, clientAuth: true });

  const file = (name: string, content: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, content, { mode: 0o600 });
    return p;
  };
  return {
    ca,
    admin,
    metricsServer,
    files: {
      caCert: file("ca.crt", ca.certPem),
      caKey: file("ca.key", ca.keyPem),
      servingCert: file("apiserver.crt", serving.certPem),
      servingKey: file("apiserver.key", serving.keyPem),
      kubeletClientCert: file("apiserver-kubelet-client.crt", kubeletClient.certPem),
      kubeletClientKey: file("apiserver-kubelet-client.key", kubeletClient.keyPem),
      serviceAccountKey: file("sa.key", sa.privateKey.export({ type: "pkcs8", format: "pem" }).toString()),
      serviceAccountPub: file("sa.pub", sa.publicKey.export({ type: "spki", format: "pem" }).toString()),
      frontProxyCaCert: file("front-proxy-ca.crt", frontProxyCa.certPem),
      frontProxyClientCert: file("front-proxy-client.crt", frontProxyClient.certPem),
      frontProxyClientKey: file("front-proxy-client.key", frontProxyClient.keyPem),
      metricsServerCert: file("metrics-server.crt", metricsServing.certPem),
      metricsServerKey: file("metrics-server.key", metricsServing.keyPem),
    },
  };
}
