/**
 * Throwaway certificate authorities and certificates for the sandbox: the control plane's PKI,
 * the ACI emulator's HTTPS endpoint and the kubelet API. ECDSA P-256 through Node's WebCrypto,
 * so generating a whole PKI takes milliseconds.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { KeyObject, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate with its private key, both PEM-encoded. */
export interface KeyPairPem {
  readonly certPem: string;
  readonly keyPem: string;
}

/** A CA that can issue certificates. */
export interface CertificateAuthority extends KeyPairPem {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface CertificateRequest {
  /** Subject common name (for client certificates: the Kubernetes user name). */
  readonly commonName: string;
  /** Subject organizations (for client certificates: the Kubernetes groups). */
  readonly organizations?: readonly string[];
  readonly dnsNames?: readonly string[];
  readonly ipAddresses?: readonly string[];
  /** Usable for TLS server authentication. @default true when dnsNames or ipAddresses are given */
  readonly serverAuth?: boolean;
  /** Usable for TLS client authentication. @default false */
  readonly clientAuth?: boolean;
  /** @default 30 */
  readonly validDays?: number;
}

/** Creates a self-signed CA. */
export async function createCa(commonName: string, validDays = 30): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: new x509.Name([{ CN: [commonName] }]),
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + validDays * DAY_MS),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString("pem"), keyPem: privateKeyPem(keys.privateKey) };
}

/** Issues a leaf certificate signed by `ca`. */
export async function issueCert(ca: CertificateAuthority, request: CertificateRequest): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]));
  const names = [...(request.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })), ...(request.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value }))];
  const serverAuth = request.serverAuth ?? names.length > 0;
  const usages = [...(serverAuth ? [x509.ExtendedKeyUsage.serverAuth] : []), ...(request.clientAuth ? [x509.ExtendedKeyUsage.clientAuth] : [])];
  const subject = new x509.Name([{ CN: [request.commonName] }, ...(request.organizations ?? []).map((o) => ({ O: [o] }))]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + (request.validDays ?? 30) * DAY_MS),
    signingAlgorithm: ALGORITHM,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(usages),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: privateKeyPem(keys.privateKey) };
}

function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: "pkcs8", format: "pem" }).toString();
}

function serial(): string {
  // Positive 128-bit serial, hex-encoded, as RFC 5280 requires.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString("hex");
}
