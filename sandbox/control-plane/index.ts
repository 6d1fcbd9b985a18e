/**
 * A real Kubernetes control plane on 127.0.0.1, in one call: etcd → kube-apiserver (TLS, RBAC and
 * Node authorisation, service-account signing keys, an admin identity, kubelet client certificates)
 * → kube-controller-manager → kube-scheduler → kwok for simulated ordinary nodes → metrics-server
 * behind the `metrics.k8s.io` APIService.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { AuthenticationV1TokenRequest, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, V1Node } from "@kubernetes/client-node";
import { eventually } from "../eventually";
import { freePort } from "../ports";
import { issueCert } from "../tls";
import { ProcessGroup, type ManagedProcess, stopProcess } from "../process-group";
import { type BinarySet, ensureControlPlaneBinaries } from "../binaries";
import { buildKubeConfig, writeKubeConfig } from "./kubeconfig";
import { KUBELET_CLIENT_USER, type ControlPlanePki, writePki } from "./pki";
import { waitForHealthy } from "./health";
import { type KubectlOptions, type KubectlResult, runKubectl } from "./kubectl";
import { frontProxyArgs, startMetricsServer } from "./metrics-server";

/** Annotation kwok selects the ordinary nodes it simulates by. */
export const KWOK_NODE_ANNOTATION = { key: "kwok.x-k8s.io/node", value: "fake" } as const;
const SERVICE_CIDR = "10.96.0.0/16";
const SERVICE_IP = "10.96.0.1";

export interface ControlPlaneOptions {
  /** Receives progress lines (binary build, start). @default stderr */
  readonly progress?: (line: string) => void;
  /** Keep the working directory (logs, certificates) after stop. @default false */
  readonly keepDir?: boolean;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly kubernetesVersion: string;
  /** Working directory: certificates, kubeconfigs, etcd data, logs/. */
  readonly dir: string;
  readonly pki: ControlPlanePki;
  /** Admin (system:masters) kubeconfig file. */
  readonly kubeconfigPath: string;
  /** A fresh admin KubeConfig. */
  kubeConfig(): KubeConfig;
  /** Runs the control plane's release of kubectl (as the admin unless a kubeconfig is given). */
  kubectl(args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** A kubeconfig file for a certificate user with the given groups. */
  userKubeconfig(user: string, groups?: readonly string[]): Promise<string>;
  /** A kubeconfig file holding a bound token of a service account (TokenRequest API). */
  serviceAccountKubeconfig(namespace: string, name: string, expirationSeconds?: number): Promise<string>;
  /** Registers ordinary nodes simulated by kwok. */
  addKwokNodes(names: readonly string[], labels?: Readonly<Record<string, string>>): Promise<void>;
  /** Stops and starts kube-apiserver (same port, same data), waiting until it is ready again. */
  restartApiServer(): Promise<void>;
  /** The last log lines of every component. */
  logTails(lines?: number): string;
  /** Stops every process by id; removes the directory unless asked to keep it. */
  stop(options?: { keepDir?: boolean }): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bins = await ensureControlPlaneBinaries({ progress });
  const dir = mkdtempSync(path.join(tmpdir(), "burstlet-cp-"));
  const logDir = path.join(dir, "logs");
  mkdirSync(logDir);
  const group = new ProcessGroup(logDir);
  const started = Date.now();
  try {
    const pki = await writePki(dir, SERVICE_IP);
    const ports = { etcd: await freePort(), etcdPeer: await freePort(), api: await freePort(), kcm: await freePort(), sched: await freePort(), kwok: await freePort(), metrics: await freePort() };
    const server = `https://127.0.0.1:${ports.api}`;
    const admin = buildKubeConfig(server, pki.ca.certPem, "sandbox-admin", pki.admin);
    const kubeconfigPath = writeKubeConfig(path.join(dir, "admin.kubeconfig"), admin);
    const tls = { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem };

    const etcd = startEtcd(group, bins, dir, ports.etcd, ports.etcdPeer);
    await waitForHealthy(`http://127.0.0.1:${ports.etcd}/health`, etcd, {});
    const apiArgs = apiServerArgs(pki, ports.etcd, ports.api);
    let apiserver = group.start("kube-apiserver", bins.path("kube-apiserver"), apiArgs);
    await waitForHealthy(`${server}/readyz`, apiserver, tls, 90_000);
    await grantKubeletApiAccess(admin);

    const kcm = group.start("kube-controller-manager", bins.path("kube-controller-manager"), [
      `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1", `--secure-port=${ports.kcm}`, "--leader-elect=false",
      `--service-account-private-key-file=${pki.files.serviceAccountKey}`, `--root-ca-file=${pki.files.caCert}`,
      `--cluster-signing-cert-file=${pki.files.caCert}`, `--cluster-signing-key-file=${pki.files.caKey}`,
      "--use-service-account-credentials=true", `--service-cluster-ip-range=${SERVICE_CIDR}`,
      "--concurrent-job-syncs=10", "--kube-api-qps=200", "--kube-api-burst=400",
      // A HorizontalPodAutoscaler acts within seconds (the default is 15 s).
      "--horizontal-pod-autoscaler-sync-period=5s",
    ]);
    const sched = group.start("kube-scheduler", bins.path("kube-scheduler"), [
      `--kubeconfig=${kubeconfigPath}`, `--authentication-kubeconfig=${kubeconfigPath}`, `--authorization-kubeconfig=${kubeconfigPath}`,
      "--bind-address=127.0.0.1", `--secure-port=${ports.sched}`, "--leader-elect=false", "--kube-api-qps=200", "--kube-api-burst=400",
    ]);
    await waitForHealthy(`https://127.0.0.1:${ports.kcm}/healthz`, kcm, { insecure: true });
    await waitForHealthy(`https://127.0.0.1:${ports.sched}/healthz`, sched, { insecure: true });
    const kwok = group.start("kwok", bins.path("kwok"), [
      `--kubeconfig=${kubeconfigPath}`, "--manage-all-nodes=false",
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
      `--server-address=127.0.0.1:${ports.kwok}`, "--cidr=10.244.0.0/16", "--node-ip=10.240.0.1",
    ]);
    await waitForHealthy(`http://127.0.0.1:${ports.kwok}/healthz`, kwok, {});
    await startMetricsServer({ group, binary: bins.path("metrics-server"), pki, dir, server, port: ports.metrics, admin });
    await waitForDefaultServiceAccount(admin);
    progress(`[control-plane] Kubernetes ${bins.kubernetesVersion} ready at ${server} in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);

    const cp: ControlPlane = {
      server,
      kubernetesVersion: bins.kubernetesVersion,
      dir,
      pki,
      kubeconfigPath,
      kubeConfig: () => buildKubeConfig(server, pki.ca.certPem, "sandbox-admin", pki.admin),
      kubectl: (args, kubectlOptions) => runKubectl(bins.path("kubectl"), kubeconfigPath, args, kubectlOptions),
      userKubeconfig: async (user, groups = []) => {
        const creds = await issueCert(pki.ca, { commonName: user, organizations: groups, clientAuth: true });
        return writeKubeConfig(path.join(dir, `user-${safe(user)}.kubeconfig`), buildKubeConfig(server, pki.ca.certPem, user, creds));
      },
      serviceAccountKubeconfig: async (namespace, name, expirationSeconds = 3600) => {
        const core = admin.makeApiClient(CoreV1Api);
        const request: AuthenticationV1TokenRequest = { spec: { audiences: [], expirationSeconds } };
        const answer = await core.createNamespacedServiceAccountToken({ namespace, name, body: request });
        const token = answer.status?.token;
        if (!token) throw new Error(`TokenRequest for ${namespace}/${name} returned no token`);
        const user = `system:serviceaccount:${namespace}:${name}`;
        return writeKubeConfig(path.join(dir, `sa-${safe(namespace)}-${safe(name)}.kubeconfig`), buildKubeConfig(server, pki.ca.certPem, user, { token }));
      },
      addKwokNodes: async (names, labels = {}) => {
        const core = admin.makeApiClient(CoreV1Api);
        for (const name of names) await core.createNode({ body: kwokNode(name, labels) });
      },
      restartApiServer: async () => {
        await stopProcess(apiserver, 10_000);
        apiserver = group.start("kube-apiserver", bins.path("kube-apiserver"), apiArgs);
        await waitForHealthy(`${server}/readyz`, apiserver, tls, 90_000);
      },
      logTails: (lines) => group.tails(lines),
      stop: async (stopOptions) => {
        await group.stop();
        if (!(stopOptions?.keepDir ?? options.keepDir)) rmSync(dir, { recursive: true, force: true });
      },
    };
    return cp;
  } catch (err) {
    const tails = group.tails();
    await group.stop();
    throw new Error(`control plane failed to start (${(err as Error).message}); logs kept in ${logDir}:\n${tails}`, { cause: err });
  }
}

function startEtcd(group: ProcessGroup, bins: BinarySet, dir: string, port: number, peerPort: number): ManagedProcess {
  return group.start("etcd", bins.path("etcd"), [
    "--name=sandbox", `--data-dir=${path.join(dir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${port}`, `--advertise-client-urls=http://127.0.0.1:${port}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=sandbox=http://127.0.0.1:${peerPort}`,
    // A throwaway store: durability buys nothing and fsync costs seconds under load.
    "--unsafe-no-fsync=true", "--quota-backend-bytes=4294967296", "--log-level=warn",
  ]);
}

function apiServerArgs(pki: ControlPlanePki, etcdPort: number, port: number): string[] {
  const f = pki.files;
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
    `--secure-port=${port}`, `--tls-cert-file=${f.servingCert}`, `--tls-private-key-file=${f.servingKey}`,
    `--client-ca-file=${f.caCert}`, "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${f.serviceAccountPub}`, `--service-account-signing-key-file=${f.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`, "--allow-privileged=true",
    `--kubelet-client-certificate=${f.kubeletClientCert}`, `--kubelet-client-key=${f.kubeletClientKey}`,
    // As kubeadm and AKS set it: reach kubelets at their InternalIP (node names do not resolve here).
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    ...frontProxyArgs(pki),
    "--endpoint-reconciler-type=none", "--max-requests-inflight=800", "--max-mutating-requests-inflight=400", "--profiling=false",
  ];
}

/** The API server's kubelet client identity may use the kubelet API, as kubeadm sets it up. */
async function grantKubeletApiAccess(admin: KubeConfig): Promise<void> {
  await admin.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
    body: {
      metadata: { name: "kube-apiserver-kubelet-api-admin" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:kubelet-api-admin" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: KUBELET_CLIENT_USER }],
    },
  });
}

async function waitForDefaultServiceAccount(admin: KubeConfig): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  await eventually(() => core.readNamespacedServiceAccount({ namespace: "default", name: "default" }), { timeoutMs: 60_000, what: "the default service account" });
}

function kwokNode(name: string, labels: Readonly<Record<string, string>>): V1Node {
  return {
    metadata: {
      name,
      annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value, "node.alpha.kubernetes.io/ttl": "0" },
      labels: { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok", ...labels },
    },
    spec: {},
    status: {
      allocatable: { cpu: "4", memory: "16Gi", pods: "110" },
      capacity: { cpu: "4", memory: "16Gi", pods: "110" },
      nodeInfo: {
        architecture: "amd64", operatingSystem: "linux", kubeletVersion: "fake", kubeProxyVersion: "fake",
        bootID: "", containerRuntimeVersion: "", kernelVersion: "", machineID: "", osImage: "", systemUUID: "",
      },
    },
  };
}

function safe(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, "_");
}
