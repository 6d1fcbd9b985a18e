/**
 * metrics-server beside the sandbox's control plane, as a cluster runs it: its own identity with
 * the upstream manifests' RBAC, serving `metrics.k8s.io` through an APIService the API server
 * proxies to (front-proxy client certificate, request-header authentication), scraping kubelets at
 * their InternalIP and the port in their node status, verifying them against the cluster CA.
 *
 * The binary is built from the Go module proxy with the control plane's (`sandbox/binaries/`).
 * There is no service network here, so the APIService's Service is an ExternalName for
 * `localhost`: the aggregator dials `localhost:<port>` and verifies the certificate as
 * `metrics-server.kube-system.svc`, the name it always checks.
 */
import * as path from "node:path";
import { ApiregistrationV1Api, CoreV1Api, type KubeConfig, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { eventually } from "../eventually";
import type { ManagedProcess, ProcessGroup } from "../process-group";
import { waitForHealthy } from "./health";
import { buildKubeConfig, writeKubeConfig } from "./kubeconfig";
import { type ControlPlanePki, FRONT_PROXY_CLIENT_USER, METRICS_SERVER_SERVICE, METRICS_SERVER_USER } from "./pki";

export const METRICS_API_SERVICE = "v1beta1.metrics.k8s.io";

export interface MetricsServerInput {
  readonly group: ProcessGroup;
  readonly binary: string;
  readonly pki: ControlPlanePki;
  readonly dir: string;
  readonly server: string;
  readonly port: number;
  readonly admin: KubeConfig;
  /** How often kubelets are scraped. @default SANDBOX_METRIC_RESOLUTION_SECONDS */
  readonly resolutionSeconds?: number;
}

/**
 * How often the sandbox's metrics-server scrapes: 10 s, the shortest it accepts (its release
 * manifests set 15 s), so that pods living half a minute get figures in `kubectl top`.
 */
export const SANDBOX_METRIC_RESOLUTION_SECONDS = 10;

/** The API server flags aggregated APIs need (kubeadm's set). */
export function frontProxyArgs(pki: ControlPlanePki): string[] {
  const f = pki.files;
  return [
    `--requestheader-client-ca-file=${f.frontProxyCaCert}`, `--requestheader-allowed-names=${FRONT_PROXY_CLIENT_USER}`,
    "--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group", "--requestheader-extra-headers-prefix=X-Remote-Extra-",
    `--proxy-client-cert-file=${f.frontProxyClientCert}`, `--proxy-client-key-file=${f.frontProxyClientKey}`,
  ];
}

/** Grants, registers and starts metrics-server; resolves once its APIService is Available. */
export async function startMetricsServer(input: MetricsServerInput): Promise<ManagedProcess> {
  const { pki, admin, port } = input;
  const resolution = input.resolutionSeconds ?? SANDBOX_METRIC_RESOLUTION_SECONDS;
  await grantMetricsServer(admin);
  const kubeconfig = writeKubeConfig(path.join(input.dir, "metrics-server.kubeconfig"), buildKubeConfig(input.server, pki.ca.certPem, METRICS_SERVER_USER, pki.metricsServer));
  const proc = input.group.start("metrics-server", input.binary, [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1", `--secure-port=${port}`,
    `--tls-cert-file=${pki.files.metricsServerCert}`, `--tls-private-key-file=${pki.files.metricsServerKey}`,
    `--requestheader-client-ca-file=${pki.files.frontProxyCaCert}`, `--requestheader-allowed-names=${FRONT_PROXY_CLIENT_USER}`,
    "--kubelet-preferred-address-types=InternalIP", "--kubelet-use-node-status-port",
    `--kubelet-certificate-authority=${pki.files.caCert}`,
    `--metric-resolution=${resolution}s`,
    // metrics-server wants a scrape to time out well within its resolution (its default is 10 s).
    `--kubelet-request-timeout=${Math.floor(resolution / 2)}s`,
  ]);
  await waitForHealthy(`https://127.0.0.1:${port}/livez`, proc, { ca: pki.ca.certPem });
  await registerMetricsApi(admin, port, pki.ca.certPem);
  return proc;
}

async function grantMetricsServer(admin: KubeConfig): Promise<void> {
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  const user = [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: METRICS_SERVER_USER }];
  await rbac.createClusterRole({
    body: {
      metadata: { name: "system:aggregated-metrics-reader", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true", "rbac.authorization.k8s.io/aggregate-to-edit": "true", "rbac.authorization.k8s.io/aggregate-to-admin": "true" } },
      rules: [{ apiGroups: ["metrics.k8s.io"], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] }],
    },
  });
  await rbac.createClusterRole({
    body: {
      metadata: { name: "system:metrics-server" },
      rules: [
        { apiGroups: [""], resources: ["nodes/metrics"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods", "nodes"], verbs: ["get", "list", "watch"] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: "system:metrics-server" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:metrics-server" }, subjects: user } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: "metrics-server:system:auth-delegator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" }, subjects: user } });
  await rbac.createNamespacedRoleBinding({
    namespace: "kube-system",
    body: { metadata: { name: "metrics-server-auth-reader" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" }, subjects: user },
  });
}

async function registerMetricsApi(admin: KubeConfig, port: number, caPem: string): Promise<void> {
  const { namespace, name } = METRICS_SERVER_SERVICE;
  await admin.makeApiClient(CoreV1Api).createNamespacedService({
    namespace,
    body: { metadata: { name, namespace }, spec: { type: "ExternalName", externalName: "localhost", ports: [{ name: "https", port, protocol: "TCP" }] } },
  });
  const registration = admin.makeApiClient(ApiregistrationV1Api);
  await registration.createAPIService({
    body: {
      metadata: { name: METRICS_API_SERVICE, labels: { "k8s-app": "metrics-server" } },
      spec: { group: "metrics.k8s.io", version: "v1beta1", groupPriorityMinimum: 100, versionPriority: 100, service: { namespace, name, port }, caBundle: Buffer.from(caPem).toString("base64") },
    },
  });
  await eventually(
    async () => {
      const api = await registration.readAPIService({ name: METRICS_API_SERVICE });
      const available = api.status?.conditions?.find((c) => c.type === "Available");
      if (available?.status !== "True") throw new Error(`${METRICS_API_SERVICE} is not Available: ${available?.reason ?? "no condition yet"} ${available?.message ?? ""}`);
    },
    { timeoutMs: 60_000, what: `the ${METRICS_API_SERVICE} APIService to become Available` },
  );
}
