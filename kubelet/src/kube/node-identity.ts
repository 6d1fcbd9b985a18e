/**
 * burstlet's Kubernetes identity, obtained as a kubelet obtains its own (TLS bootstrap): a
 * `CertificateSigningRequest` for `system:node:<node>` in group `system:nodes`, signer
 * `kubernetes.io/kube-apiserver-client-kubelet`, sent with the bootstrap credentials (the service
 * account's token). The controller-manager's approver approves it because that account may create
 * `certificatesigningrequests/nodeclient`; its signer issues the certificate. Every API call then
 * goes out under that certificate, so the Node authorizer and NodeRestriction fence burstlet to its
 * own node and the pods bound to it. The certificate is renewed at 80% of its lifetime with the
 * node's own credentials (`selfnodeclient`), falling back to the bootstrap credentials once it has
 * expired. The private key stays in memory; it is never written or logged.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { CertificatesV1Api, type KubeConfig, type V1CertificateSigningRequest } from "@kubernetes/client-node";
import * as x509 from "@peculiar/x509";
import { nodeUser, NODES_GROUP } from "../constants";
import type { Logger } from "../log";
import { backoffDelay } from "../util/backoff";
import { type Clock, realClock } from "../util/clock";
import { PooledKubeConfig } from "./pooled-kube-config";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
/** Renew once this share of the certificate's lifetime has passed (a kubelet picks 70–90%). */
export const RENEW_AT_FRACTION = 0.8;

export interface NodeCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** When a certificate valid from `notBefore` to `notAfter` (epoch ms) is renewed. */
export function renewalTime(cert: Pick<NodeCertificate, "notBefore" | "notAfter">): number {
  return cert.notBefore + Math.floor((cert.notAfter - cert.notBefore) * RENEW_AT_FRACTION);
}

/** A PKCS#10 request for the node's client certificate, with a fresh P-256 key. */
export async function nodeCertificateRequest(nodeName: string): Promise<{ csrPem: string; keyPem: string }> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]));
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: [{ O: [NODES_GROUP] }, { CN: [nodeUser(nodeName)] }], keys, signingAlgorithm: algorithm });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  return { csrPem: csr.toString("pem"), keyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") };
}

export interface NodeIdentityOptions {
  /** The bootstrap credentials (burstlet's service account, or a kubeconfig). */
  readonly bootstrap: KubeConfig;
  readonly nodeName: string;
  readonly log: Logger;
  /** Requested certificate lifetime; the signer may shorten it. @default the signer's (a year on kube-controller-manager) */
  readonly expirationSeconds?: number;
  /** How long to wait for approval and signing. @default 5 minutes */
  readonly approvalTimeoutMs?: number;
  /** Schedules renewals. @default the real clock */
  readonly clock?: Clock;
}

/** A typed failure of the bootstrap: the message says what to check. */
export class NodeIdentityError extends Error {
  override readonly name = "NodeIdentityError";
}

export class NodeIdentity {
  private readonly clock: Clock;
  private readonly configs: PooledKubeConfig[] = [];
  private current: NodeCertificate | undefined;

  constructor(private readonly options: NodeIdentityOptions) {
    this.clock = options.clock ?? realClock;
  }

  /** The certificate in use, once obtained. */
  get certificate(): NodeCertificate | undefined {
    return this.current;
  }

  /**
   * A KubeConfig for the bootstrap's cluster under the node's certificate, kept current across
   * renewals. No I/O: usable once `start` has obtained the certificate.
   */
  kubeConfig(): PooledKubeConfig {
    const kc = new PooledKubeConfig();
    kc.loadFromString(this.options.bootstrap.exportConfig());
    if (this.current) setClientCertificate(kc, this.options.nodeName, this.current);
    this.configs.push(kc);
    return kc;
  }

  /** Obtains the first certificate with the bootstrap credentials. */
  async start(signal: AbortSignal): Promise<void> {
    this.install(await this.request(this.options.bootstrap, signal));
    this.options.log.info("obtained the node's client certificate", { user: nodeUser(this.options.nodeName), notAfter: new Date(this.current!.notAfter).toISOString() });
  }

  /** Renews before expiry until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; !signal.aborted; ) {
      const cert = this.current!;
      await this.clock.sleep(Math.max(0, renewalTime(cert) - this.clock.now()), signal);
      if (signal.aborted) return;
      // An expired certificate cannot ask for its successor: the bootstrap credentials can.
      const expired = this.clock.now() >= cert.notAfter;
      try {
        this.install(await this.request(expired ? this.options.bootstrap : this.configs[0] ?? this.kubeConfig(), signal));
        attempt = 0;
        this.options.log.info("renewed the node's client certificate", { notAfter: new Date(this.current!.notAfter).toISOString(), withBootstrapCredentials: expired });
      } catch (err) {
        this.options.log.warn("renewing the node's client certificate failed; retrying", { error: err });
        await this.clock.sleep(backoffDelay({ baseMs: 1_000, maxMs: 60_000 }, ++attempt), signal);
      }
    }
  }

  private install(cert: NodeCertificate): void {
    this.current = cert;
    for (const kc of this.configs) setClientCertificate(kc, this.options.nodeName, cert);
  }

  /** Sends a CSR with `credentials` and waits until it is approved and signed. */
  private async request(credentials: KubeConfig, signal: AbortSignal): Promise<NodeCertificate> {
    const { csrPem, keyPem } = await nodeCertificateRequest(this.options.nodeName);
    const api = credentials.makeApiClient(CertificatesV1Api);
    const created = await api.createCertificateSigningRequest({
      body: {
        metadata: { generateName: "csr-" },
        spec: {
          request: Buffer.from(csrPem).toString("base64"),
          signerName: KUBELET_CLIENT_SIGNER,
          usages: ["digital signature", "client auth"],
          ...(this.options.expirationSeconds !== undefined ? { expirationSeconds: this.options.expirationSeconds } : {}),
        },
      },
    });
    const name = created.metadata!.name!;
    // Waiting for the approver is real time; the injected clock schedules renewals.
    const deadline = Date.now() + (this.options.approvalTimeoutMs ?? 5 * 60_000);
    for (let attempt = 1; ; attempt++) {
      const csr = await api.readCertificateSigningRequest({ name });
      const certPem = issued(csr);
      if (certPem) {
        const cert = new x509.X509Certificate(certPem);
        return { certPem, keyPem, notBefore: cert.notBefore.getTime(), notAfter: cert.notAfter.getTime() };
      }
      if (signal.aborted) throw new NodeIdentityError(`stopped while waiting for certificate signing request ${name}`);
      if (Date.now() > deadline) {
        throw new NodeIdentityError(
          `certificate signing request ${name} for ${nodeUser(this.options.nodeName)} was not approved and signed in time: the requester needs create on certificatesigningrequests/nodeclient (selfnodeclient to renew), and kube-controller-manager needs --cluster-signing-cert-file and --cluster-signing-key-file`,
        );
      }
      await realClock.sleep(Math.min(2_000, 100 * attempt), signal);
    }
  }
}

/** The issued certificate, undefined while pending; throws when denied or failed. */
function issued(csr: V1CertificateSigningRequest): string | undefined {
  const refused = csr.status?.conditions?.find((c) => (c.type === "Denied" || c.type === "Failed") && c.status === "True");
  if (refused) throw new NodeIdentityError(`certificate signing request ${csr.metadata?.name} was ${refused.type.toLowerCase()}: ${refused.reason ?? ""} ${refused.message ?? ""}`.trim());
  const approved = csr.status?.conditions?.some((c) => c.type === "Approved" && c.status === "True");
  return approved && csr.status?.certificate ? Buffer.from(csr.status.certificate, "base64").toString("utf8") : undefined;
}

function setClientCertificate(kc: PooledKubeConfig, nodeName: string, cert: NodeCertificate): void {
  const user = { name: nodeUser(nodeName), certData: Buffer.from(cert.certPem).toString("base64"), keyData: Buffer.from(cert.keyPem).toString("base64") };
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new NodeIdentityError("the bootstrap kubeconfig names no current cluster");
  const context = { name: "node", cluster: cluster.name, user: user.name };
  kc.loadFromOptions({ clusters: kc.clusters, users: [user], contexts: [context], currentContext: context.name });
  kc.resetConnections();
}
