/**
 * Every setting burstlet takes: its flag, its environment variable and the line `--help` shows for
 * it. `config.ts` parses them; the components name the variables from here, so a renamed setting
 * fails their build.
 */
import { DEFAULT_GROUP_MAXIMA } from "./aci/admission";
import { DEFAULT_NOT_READY_AFTER_MS } from "./aci/health";
import { DEFAULT_FINAL_LOGS_BYTES } from "./aci/final-logs";
import { DEFAULT_LOG_READ_SHARE } from "./aci/log-budget";
import { DEFAULT_FRESH_FLOOR_MS, DEFAULT_STATUS_FRESH_SHARE } from "./aci/read-schedule";
import { DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT, DEFAULT_NODE_NAME, KEEP_GROUP_ANNOTATION, VIRTUAL_NODE_TAINT } from "./constants";
import { IMAGE_PULL_BACKOFF } from "./pods/pod-states";

/**
 * Takeover after a `kill -9` within leaseDuration + retryPeriod = 12 s; a leader that cannot renew
 * stops 3 s (leaseDuration − renewDeadline) before any other replica may take over, and tolerates
 * clocks running up to 10/7 as fast as each other (client-go's defaults are 15, 10 and 2 s).
 */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationSeconds: 10, renewDeadlineSeconds: 7, retryPeriodSeconds: 2 } as const;

/** ARM budgets by default: under ARM's per-principal limits (reads 250 burst, 25/s; writes 200 burst, 10/s). */
export const DEFAULT_ARM_BUDGET = { readsPerSecond: 20, readBurst: 200, writesPerSecond: 8, writeBurst: 150 } as const;
/** A steady running pod's status is read at least every `seconds`, at most `readsPerSecond` reads in all. */
export const DEFAULT_STEADY_STATUS = { seconds: 25, readsPerSecond: 15 } as const;

/** Every setting: flag name, environment variable, and a one-line description (shown by `--help`). */
export const SETTINGS = {
  nodeName: ["node-name", "BURSTLET_NODE_NAME", `virtual node name (default ${DEFAULT_NODE_NAME})`],
  clusterName: ["cluster-name", "BURSTLET_CLUSTER_NAME", "cluster identity written into container group tags (required)"],
  kubeconfig: ["kubeconfig", "KUBECONFIG", "kubeconfig path; in-cluster configuration when unset"],
  subscriptionId: ["subscription-id", "AZURE_SUBSCRIPTION_ID", "Azure subscription of the container groups (required)"],
  resourceGroup: ["resource-group", "BURSTLET_RESOURCE_GROUP", "resource group for container groups (required)"],
  location: ["location", "BURSTLET_LOCATION", "Azure region, e.g. westeurope (required)"],
  zone: ["zone", "BURSTLET_ZONE", "availability zone of the region (e.g. 1) every container group is pinned to; the node is labelled topology.kubernetes.io/zone=<location>-<zone> (default: none, ACI places groups)"],
  quotaShare: ["quota-share", "BURSTLET_QUOTA_SHARE", "share (0-1] of the region's ACI quota (groups and cores) this node offers as capacity, and of its create and delete windows it paces under, for nodes that share a region (default 1)"],
  armEndpoint: ["arm-endpoint", "BURSTLET_ARM_ENDPOINT", "ARM endpoint URL (default: Azure public cloud)"],
  subnetId: ["subnet-id", "BURSTLET_SUBNET_ID", "resource ID of a subnet delegated to Microsoft.ContainerInstance/containerGroups"],
  clusterDnsIp: ["cluster-dns-ip", "BURSTLET_CLUSTER_DNS_IP", "cluster DNS service IP for dnsPolicy ClusterFirst"],
  pullIdentityId: ["pull-identity-id", "BURSTLET_PULL_IDENTITY_ID", "user-assigned identity resource ID for registry pulls"],
  taint: ["taint", "BURSTLET_TAINT", `node taint key=value:effect, or "none" (default ${VIRTUAL_NODE_TAINT.key}=${VIRTUAL_NODE_TAINT.value}:${VIRTUAL_NODE_TAINT.effect})`],
  cpu: ["cpu", "BURSTLET_CAPACITY_CPU", "node CPU capacity in cores (default: regional ACI quota)"],
  memory: ["memory", "BURSTLET_CAPACITY_MEMORY_GIB", "node memory capacity in GiB (default: derived from quota)"],
  pods: ["pods", "BURSTLET_CAPACITY_PODS", "node pod capacity (default: regional container group quota)"],
  readsPerSecond: ["arm-reads-per-second", "BURSTLET_ARM_READS_PER_SECOND", `ARM read budget refill per second (default ${DEFAULT_ARM_BUDGET.readsPerSecond})`],
  readBurst: ["arm-read-burst", "BURSTLET_ARM_READ_BURST", `ARM read budget burst (default ${DEFAULT_ARM_BUDGET.readBurst})`],
  writesPerSecond: ["arm-writes-per-second", "BURSTLET_ARM_WRITES_PER_SECOND", `ARM write budget refill per second (default ${DEFAULT_ARM_BUDGET.writesPerSecond})`],
  writeBurst: ["arm-write-burst", "BURSTLET_ARM_WRITE_BURST", `ARM write budget burst (default ${DEFAULT_ARM_BUDGET.writeBurst})`],
  logReadShare: ["log-read-share", "BURSTLET_LOG_READ_SHARE", `share (0-1] of the ARM read budget's rate and burst that log reads (kubectl logs, follows) may use (default ${DEFAULT_LOG_READ_SHARE})`],
  monitorEndpoint: ["azure-monitor-endpoint", "BURSTLET_AZURE_MONITOR_ENDPOINT", "Azure Monitor metrics endpoint URL (default https://<location>.metrics.monitor.azure.com)"],
  usagePollSeconds: ["usage-poll-seconds", "BURSTLET_USAGE_POLL_SECONDS", "read running pods' CPU and memory from Azure Monitor this often (default 30)"],
  monitorCallsPerSecond: ["azure-monitor-calls-per-second", "BURSTLET_AZURE_MONITOR_CALLS_PER_SECOND", "Azure Monitor metrics call budget refill per second (default 1)"],
  monitorBurst: ["azure-monitor-burst", "BURSTLET_AZURE_MONITOR_BURST", "Azure Monitor metrics call budget burst (default 20)"],
  steadySeconds: ["status-steady-seconds", "BURSTLET_STATUS_STEADY_SECONDS", `read a steady running pod's status at least this often (default ${DEFAULT_STEADY_STATUS.seconds})`],
  steadyReadsPerSecond: ["status-steady-reads-per-second", "BURSTLET_STATUS_STEADY_READS_PER_SECOND", `cap on steady status reads; more pods stretch the interval (default ${DEFAULT_STEADY_STATUS.readsPerSecond})`],
  statusFreshShare: ["status-fresh-share", "BURSTLET_STATUS_FRESH_SHARE", `share (0-1] of the ARM read rate that steady status reads may use to read pods more often than --status-steady-seconds, down to every ${DEFAULT_FRESH_FLOOR_MS / 1000} s; the read limit is shared by everything in the subscription (default ${DEFAULT_STATUS_FRESH_SHARE})`],
  kubeApiQps: ["kube-api-qps", "BURSTLET_KUBE_API_QPS", "pod status writes per second to the API server (default 50)"],
  kubeApiBurst: ["kube-api-burst", "BURSTLET_KUBE_API_BURST", "burst of pod status writes to the API server (default 200)"],
  maxGroupCpu: ["max-group-cpu", "BURSTLET_MAX_GROUP_CPU", `cores one container group may have in the region; larger pods are rejected (default ${DEFAULT_GROUP_MAXIMA.cpu}; up to 31 where ACI offers big groups)`],
  maxGroupMemory: ["max-group-memory-gb", "BURSTLET_MAX_GROUP_MEMORY_GB", `memory (GB) one container group may have in the region (default ${DEFAULT_GROUP_MAXIMA.memoryGB}; up to 240)`],
  releaseFinishedPods: ["release-finished-pods", "BURSTLET_RELEASE_FINISHED_PODS", `true or false: delete a finished pod's container group once its final status is written, so it holds no quota, keeping its final logs for kubectl logs; a pod annotated ${KEEP_GROUP_ANNOTATION}=true keeps its group (default true)`],
  finalLogsMemory: ["final-logs-memory-mb", "BURSTLET_FINAL_LOGS_MEMORY_MB", `memory (MB) for the final logs of finished pods whose groups were deleted, at most 4 MB per container; the oldest pods' are evicted first (default ${DEFAULT_FINAL_LOGS_BYTES / 1024 / 1024})`],
  aciCreateWindows: ["aci-create-windows", "BURSTLET_ACI_CREATE_WINDOWS", "ACI's container group create limits per subscription and region, as count/duration (default 100/5m,300/1h, ACI's defaults)"],
  aciDeleteWindows: ["aci-delete-windows", "BURSTLET_ACI_DELETE_WINDOWS", "ACI's container group delete limits per subscription and region (default 100/5m,300/1h)"],
  notReadyAfter: ["not-ready-after-seconds", "BURSTLET_NOT_READY_AFTER_SECONDS", `ARM unreachable or refusing credentials this long makes the node NotReady (default ${DEFAULT_NOT_READY_AFTER_MS / 1000})`],
  imagePullBackoff: ["image-pull-backoff-seconds", "BURSTLET_IMAGE_PULL_BACKOFF_SECONDS", `first wait after a failed image pull, doubling up to ${IMAGE_PULL_BACKOFF.maxMs / 1000} s (default ${IMAGE_PULL_BACKOFF.baseMs / 1000})`],
  listenAddress: ["listen-address", "BURSTLET_LISTEN_ADDRESS", "address to listen on (default 0.0.0.0)"],
  nodeAddress: ["node-address", "BURSTLET_NODE_ADDRESS", "address the API server reaches this kubelet at (default: POD_IP, else 127.0.0.1)"],
  kubeletPort: ["kubelet-port", "BURSTLET_KUBELET_PORT", `kubelet API port (default ${DEFAULT_KUBELET_PORT})`],
  metricsPort: ["metrics-port", "BURSTLET_METRICS_PORT", `Prometheus metrics port (default ${DEFAULT_METRICS_PORT})`],
  tlsCertFile: ["tls-cert-file", "BURSTLET_TLS_CERT_FILE", "kubelet API serving certificate (PEM); self-signed when unset"],
  tlsKeyFile: ["tls-key-file", "BURSTLET_TLS_KEY_FILE", "kubelet API serving key (PEM)"],
  anonymousAuth: ["anonymous-auth", "BURSTLET_ANONYMOUS_AUTH", "true or false: treat kubelet API requests that carry no credentials as system:anonymous (group system:unauthenticated), still authorised by SubjectAccessReview; a bad token or certificate is refused all the same (default false, as on AKS)"],
  clientCaFile: ["client-ca-file", "BURSTLET_CLIENT_CA_FILE", "CA bundle for client certificates (default: in-cluster CA when present)"],
  insecureRegistries: ["insecure-registries", "BURSTLET_INSECURE_REGISTRIES", "comma-separated registries reached over plain HTTP (testing only)"],
  logLevel: ["log-level", "BURSTLET_LOG_LEVEL", "debug, info, warn or error (default info)"],
  nodeIdentity: ["node-identity", "BURSTLET_NODE_IDENTITY", "tls-bootstrap (a system:node:<name> certificate through a CSR, as a kubelet; default) or kubeconfig (its own credentials)"],
  leaderElect: ["leader-elect", "BURSTLET_LEADER_ELECT", "true or false: replicas for one node elect a leader on the Lease burstlet-<node>, and only the leader reconciles (default true)"],
  leaderElectNamespace: ["leader-elect-namespace", "BURSTLET_LEADER_ELECT_NAMESPACE", "namespace of the leader Lease (default: the pod's own namespace, else kube-system)"],
  leaderElectLeaseDuration: ["leader-elect-lease-duration-seconds", "BURSTLET_LEADER_ELECT_LEASE_DURATION_SECONDS", `a lease unrenewed this long (by the waiting replica's clock) may be taken over (default ${LEADER_ELECTION_DEFAULTS.leaseDurationSeconds})`],
  leaderElectRenewDeadline: ["leader-elect-renew-deadline-seconds", "BURSTLET_LEADER_ELECT_RENEW_DEADLINE_SECONDS", `a leader that has not renewed for this long stops and exits; below the lease duration (default ${LEADER_ELECTION_DEFAULTS.renewDeadlineSeconds})`],
  leaderElectRetryPeriod: ["leader-elect-retry-period-seconds", "BURSTLET_LEADER_ELECT_RETRY_PERIOD_SECONDS", `the leader renews, and the others try, this often (default ${LEADER_ELECTION_DEFAULTS.retryPeriodSeconds})`],
} as const satisfies Record<string, readonly [string, string, string]>;

export type SettingName = keyof typeof SETTINGS;

/** `--help` text listing every setting with its variable. */
export function usage(): string {
  const lines = Object.values(SETTINGS).map(([flag, variable, description]) => `  --${flag.padEnd(24)} ${variable.padEnd(32)} ${description}`);
  return `usage: burstlet [flags]\n\nEvery flag can also be set by the environment variable beside it.\n\n${lines.join("\n")}\n`;
}
