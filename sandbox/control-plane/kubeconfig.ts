/** Kubeconfig files for sandbox identities: certificate users and service-account tokens. */
import { writeFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";

export type Credentials = { readonly certPem: string; readonly keyPem: string } | { readonly token: string };

/** Builds a KubeConfig for one user of one cluster. */
export function buildKubeConfig(server: string, caPem: string, user: string, credentials: Credentials): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "sandbox", server, caData: Buffer.from(caPem).toString("base64"), skipTLSVerify: false }],
    users: [
      "token" in credentials
        ? { name: user, token: credentials.token }
        : { name: user, certData: Buffer.from(credentials.certPem).toString("base64"), keyData: Buffer.from(credentials.keyPem).toString("base64") },
    ],
    contexts: [{ name: "sandbox", cluster: "sandbox", user }],
    currentContext: "sandbox",
  });
  return kc;
}

/** Writes a KubeConfig (JSON is valid kubeconfig YAML) readable only by its owner. */
export function writeKubeConfig(file: string, kc: KubeConfig): string {
  writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}
