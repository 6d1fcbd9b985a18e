/**
 * TLS material for the kubelet API: the serving certificate (from files, or self-signed at start,
 * as a kubelet without `--tls-cert-file` does) and the CA bundle that client certificates must
 * chain to (`--client-ca-file`, else the in-cluster CA when it exists).
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { existsSync, readFileSync } from "node:fs";
import { KeyObject, webcrypto } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";
import { InvalidInputError } from "../errors";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** The CA bundle a pod's service account sees. */
export const IN_CLUSTER_CA_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

export interface ServingTls {
  readonly certPem: string;
  readonly keyPem: string;
}

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const YEAR_MS = 365 * 24 * 3600 * 1000;

/**
 * A self-signed serving certificate for `hosts` (DNS names or IP addresses), valid for a year.
 * The API server does not verify kubelet serving certificates unless given
 * `--kubelet-certificate-authority`; give burstlet a CA-signed one (`--tls-cert-file`) then.
 */
export async function selfSignedServingCert(commonName: string, hosts: readonly string[]): Promise<ServingTls> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const names = [...new Set(hosts)].map((value) => ({ type: isIP(value) ? ("ip" as const) : ("dns" as const), value }));
  const serial = webcrypto.getRandomValues(new Uint8Array(16));
  serial[0] &= 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(serial).toString("hex"),
    name: new x509.Name([{ CN: [commonName] }]),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + YEAR_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: KeyObject.from(keys.privateKey).export({ type: "pkcs8", format: "pem" }).toString() };
}

/** The serving certificate from files, or a fresh self-signed one for the node's name and address. */
export async function loadServingTls(opts: { certFile?: string; keyFile?: string; nodeName: string; nodeAddress: string }): Promise<ServingTls> {
  if (opts.certFile && opts.keyFile) {
    return { certPem: readPem(opts.certFile, "--tls-cert-file"), keyPem: readPem(opts.keyFile, "--tls-key-file") };
  }
  return selfSignedServingCert(opts.nodeName, [opts.nodeName, opts.nodeAddress, "localhost", "127.0.0.1"]);
}

/**
 * The CA bundle for client certificates: the given file, else the in-cluster CA when present,
 * else none (then only bearer tokens authenticate).
 */
export function loadClientCa(file: string | undefined, inClusterFile = IN_CLUSTER_CA_FILE): string | undefined {
  if (file) return readPem(file, "--client-ca-file");
  return existsSync(inClusterFile) ? readPem(inClusterFile, "the in-cluster CA") : undefined;
}

function readPem(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new InvalidInputError(what, `cannot read ${file}: ${(err as Error).message}`);
  }
  if (!text.includes("-----BEGIN")) throw new InvalidInputError(what, `${file} holds no PEM data`);
  return text;
}
