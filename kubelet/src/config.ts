/**
 * Burstlet's settings: every one can be given as a flag (`--node-name=x`) or as an environment
 * variable (`BURSTLET_NODE_NAME=x`); flags win. `parseConfig` is pure and names the setting in every
 * error, so a misconfigured deployment fails at start with a message a user can act on.
 */
import { DEFAULT_GROUP_MAXIMA } from "./aci/admission";
import { DEFAULT_NOT_READY_AFTER_MS } from "./aci/health";
import { ACI_DEFAULT_WINDOWS, parseWindows, type WindowLimit } from "./aci/create-pacer";
import { DEFAULT_FINAL_LOGS_BYTES } from "./aci/final-logs";
import { DEFAULT_LOG_READ_SHARE } from "./aci/log-budget";
import { DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT, DEFAULT_NODE_NAME, KEEP_GROUP_ANNOTATION, leaderLeaseName, VIRTUAL_NODE_TAINT } from "./constants";
import { IMAGE_PULL_BACKOFF } from "./pods/pod-states";

/** Values and type in one (a string enum every Pulumi language can read). */
export const LogLevel = { debug: "debug", info: "info", warn: "warn", error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export const TaintEffect = { NoSchedule: "NoSchedule", PreferNoSchedule: "PreferNoSchedule", NoExecute: "NoExecute" } as const;
export type TaintEffect = (typeof TaintEffect)[keyof typeof TaintEffect];

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: TaintEffect;
}

export interface BurstletConfig {
  /** Name of the virtual node. */
  readonly nodeName: string;
  /** Identifies this cluster in container group tags, so two clusters never touch each other's groups. */
  readonly clusterName: string;
  /** Path to a kubeconfig; in-cluster configuration when absent. */
  readonly kubeconfig?: string;
  readonly subscriptionId: string;
  /** Resource group where container groups are created. */
  readonly resourceGroup: string;
  /** Azure region of the container groups, e.g. `westeurope`. */
  readonly location: string;
  /** ARM endpoint; the public cloud's by default. */
  readonly armEndpoint?: string;
  /** Resource ID of a subnet delegated to ACI; container groups get private IPs there when set. */
  readonly subnetId?: string;
  /** Cluster DNS service IP; pods with `dnsPolicy: ClusterFirst` resolve through it when set. */
  readonly clusterDnsIp?: string;
  /** Resource ID of a user-assigned identity container groups use to pull private images. */
  readonly pullIdentityId?: string;
  /** The node's taint; `undefined` when disabled (`--taint=none`). */
  readonly taint?: Taint;
  /** Capacity; `undefined` fields default to the region's ACI quota when it can be read. */
  readonly capacity: { readonly cpu?: number; readonly memoryGiB?: number; readonly pods?: number };
  /**
   * ARM budgets per second (refill) and burst, below ARM's per-subscription limits; log reads may
   * use at most `logReadShare` of the read rate and burst.
   */
  readonly armBudget: {
    readonly readsPerSecond: number;
    readonly readBurst: number;
    readonly writesPerSecond: number;
    readonly writeBurst: number;
    readonly logReadShare: number;
  };
  /**
   * Usage from Azure Monitor: its metrics endpoint (the region's by default), how often running
   * pods are read, and a call budget of its own (Azure Monitor throttles apart from ARM).
   */
  readonly usage: { readonly endpoint: string; readonly pollSeconds: number; readonly callsPerSecond: number; readonly burst: number };
  /** Status of steady running pods: read at least every `steadySeconds`, at most `steadyReadsPerSecond` in all. */
  readonly status: { readonly steadySeconds: number; readonly steadyReadsPerSecond: number };
  /** Pod status writes to the API server: a rate and a burst, as a kubelet's kubeAPIQPS and kubeAPIBurst. */
  readonly kubeApi: { readonly qps: number; readonly burst: number };
  /** What one container group may have in the region; larger pods are rejected at admission. */
  readonly groupMaxima: { readonly cpu: number; readonly memoryGB: number };
  /**
   * Finished pods: whether their container groups are deleted once their final status is written
   * (their final logs kept in memory, at most `logsMemoryBytes` in all, oldest evicted first).
   */
  readonly finishedPods: { readonly release: boolean; readonly logsMemoryBytes: number };
  /** ACI's per-region create and delete windows, which burstlet paces its creates and deletes under. */
  readonly aciWindows: { readonly creates: readonly WindowLimit[]; readonly deletes: readonly WindowLimit[] };
  /** How long ARM must be unreachable (or refuse the credentials) before the node is NotReady. */
  readonly notReadyAfterSeconds: number;
  /** The first wait after a failed image pull; it doubles up to 5 minutes. */
  readonly imagePullBackoffSeconds: number;
  /** Address the kubelet API and metrics listen on. */
  readonly listenAddress: string;
  /** Address the API server uses to reach this kubelet (the node's InternalIP). */
  readonly nodeAddress: string;
  readonly kubeletPort: number;
  readonly metricsPort: number;
  /** TLS serving certificate and key for the kubelet API (PEM files); self-signed when absent. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  /** CA bundle that client certificates presented to the kubelet API must chain to. */
  readonly clientCaFile?: string;
  /** Registries reached over plain HTTP when resolving image entrypoints (e.g. `127.0.0.1:5000`). */
  readonly insecureRegistries: readonly string[];
  readonly logLevel: LogLevel;
  /** How burstlet authenticates to the API server (see {@link NODE_IDENTITIES}). */
  readonly nodeIdentity: NodeIdentityMode;
  /** Which of several replicas for the node reconciles it (see {@link LeaderElectionConfig}). */
  readonly leaderElection: LeaderElectionConfig;
}

/**
 * Leader election among burstlet's replicas for one node, on the Lease `burstlet-<node>`: only the
 * leader registers the node and writes anything; the others wait to take over. A leader that could
 * not renew for `renewDeadlineSeconds` stops and exits before its lease can expire elsewhere
 * (`leaseDurationSeconds`); a killed leader is replaced within `leaseDurationSeconds +
 * retryPeriodSeconds`.
 */
export interface LeaderElectionConfig {
  readonly enabled: boolean;
  /** Namespace of the Lease; `undefined`: the pod's own (its service account's), else `kube-system`. */
  readonly namespace?: string;
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

/**
 * Takeover after a `kill -9` within leaseDuration + retryPeriod = 12 s; a leader that cannot renew
 * stops 3 s (leaseDuration − renewDeadline) before any other replica may take over, and tolerates
 * clocks running up to 10/7 as fast as each other (client-go's defaults are 15, 10 and 2 s).
 */
export const LEADER_ELECTION_DEFAULTS = { leaseDurationSeconds: 10, renewDeadlineSeconds: 7, retryPeriodSeconds: 2 } as const;

/** client-go's rule: a leader gets more than one try (with its jitter factor, 1.2 retry periods) before its deadline. */
const RENEW_DEADLINE_MIN_RETRIES = 1.2;

/**
 * `tls-bootstrap`: as a kubelet, a `system:node:<name>` client certificate obtained through a
 * certificate signing request sent with the kubeconfig's (or service account's) credentials, and
 * renewed before it expires; the Node authorizer then fences burstlet to its node. `kubeconfig`: the
 * kubeconfig's own credentials, for clusters without a kubelet client signer.
 */
export const NODE_IDENTITIES = ["tls-bootstrap", "kubeconfig"] as const;
export type NodeIdentityMode = (typeof NODE_IDENTITIES)[number];

/** Every setting: flag name, environment variable, and a one-line description (shown by `--help`). */
export const SETTINGS = {
  nodeName: ["node-name", "BURSTLET_NODE_NAME", `virtual node name (default ${DEFAULT_NODE_NAME})`],
  clusterName: ["cluster-name", "BURSTLET_CLUSTER_NAME", "cluster identity written into container group tags (required)"],
  kubeconfig: ["kubeconfig", "KUBECONFIG", "kubeconfig path; in-cluster configuration when unset"],
  subscriptionId: ["subscription-id", "AZURE_SUBSCRIPTION_ID", "Azure subscription of the container groups (required)"],
  resourceGroup: ["resource-group", "BURSTLET_RESOURCE_GROUP", "resource group for container groups (required)"],
  location: ["location", "BURSTLET_LOCATION", "Azure region, e.g. westeurope (required)"],
  armEndpoint: ["arm-endpoint", "BURSTLET_ARM_ENDPOINT", "ARM endpoint URL (default: Azure public cloud)"],
  subnetId: ["subnet-id", "BURSTLET_SUBNET_ID", "resource ID of a subnet delegated to Microsoft.ContainerInstance/containerGroups"],
  clusterDnsIp: ["cluster-dns-ip", "BURSTLET_CLUSTER_DNS_IP", "cluster DNS service IP for dnsPolicy ClusterFirst"],
  pullIdentityId: ["pull-identity-id", "BURSTLET_PULL_IDENTITY_ID", "user-assigned identity resource ID for registry pulls"],
  taint: ["taint", "BURSTLET_TAINT", `node taint key=value:effect, or "none" (default ${VIRTUAL_NODE_TAINT.key}=${VIRTUAL_NODE_TAINT.value}:${VIRTUAL_NODE_TAINT.effect})`],
  cpu: ["cpu", "BURSTLET_CAPACITY_CPU", "node CPU capacity in cores (default: regional ACI quota)"],
  memory: ["memory", "BURSTLET_CAPACITY_MEMORY_GIB", "node memory capacity in GiB (default: derived from quota)"],
  pods: ["pods", "BURSTLET_CAPACITY_PODS", "node pod capacity (default: regional container group quota)"],
  readsPerSecond: ["arm-reads-per-second", "BURSTLET_ARM_READS_PER_SECOND", "ARM read budget refill per second (default 20)"],
  readBurst: ["arm-read-burst", "BURSTLET_ARM_READ_BURST", "ARM read budget burst (default 200)"],
  writesPerSecond: ["arm-writes-per-second", "BURSTLET_ARM_WRITES_PER_SECOND", "ARM write budget refill per second (default 8)"],
  writeBurst: ["arm-write-burst", "BURSTLET_ARM_WRITE_BURST", "ARM write budget burst (default 150)"],
  logReadShare: ["log-read-share", "BURSTLET_LOG_READ_SHARE", `share (0-1] of the ARM read budget's rate and burst that log reads (kubectl logs, follows) may use (default ${DEFAULT_LOG_READ_SHARE})`],
  monitorEndpoint: ["azure-monitor-endpoint", "BURSTLET_AZURE_MONITOR_ENDPOINT", "Azure Monitor metrics endpoint URL (default https://<location>.metrics.monitor.azure.com)"],
  usagePollSeconds: ["usage-poll-seconds", "BURSTLET_USAGE_POLL_SECONDS", "read running pods' CPU and memory from Azure Monitor this often (default 30)"],
  monitorCallsPerSecond: ["azure-monitor-calls-per-second", "BURSTLET_AZURE_MONITOR_CALLS_PER_SECOND", "Azure Monitor metrics call budget refill per second (default 1)"],
  monitorBurst: ["azure-monitor-burst", "BURSTLET_AZURE_MONITOR_BURST", "Azure Monitor metrics call budget burst (default 20)"],
  steadySeconds: ["status-steady-seconds", "BURSTLET_STATUS_STEADY_SECONDS", "read a steady running pod's status at least this often (default 25)"],
  steadyReadsPerSecond: ["status-steady-reads-per-second", "BURSTLET_STATUS_STEADY_READS_PER_SECOND", "cap on steady status reads; more pods stretch the interval (default 15)"],
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

type SettingName = keyof typeof SETTINGS;

/** A setting that is missing or malformed; the message names the flag and the variable. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Reads settings from argv (flags) and env; throws `ConfigError` listing every problem at once. */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): BurstletConfig {
  const problems: string[] = [];
  const flags = parseFlags(argv, (msg) => problems.push(msg));
  const raw = (name: SettingName): string | undefined => {
    const [flag, variable] = SETTINGS[name];
    const value = flags.get(flag) ?? env[variable];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
  };
  const where = (name: SettingName): string => `--${SETTINGS[name][0]} (${SETTINGS[name][1]})`;
  const required = (name: SettingName): string => {
    const value = raw(name);
    if (value === undefined) problems.push(`${where(name)} is required: ${SETTINGS[name][2]}`);
    return value ?? "";
  };
  const number = (name: SettingName, fallback: number | undefined, opts: { integer?: boolean; min?: number; max?: number } = {}): number | undefined => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    const min = opts.min ?? 0;
    if (!Number.isFinite(n) || (opts.integer && !Number.isInteger(n)) || n <= min - (opts.integer ? 1 : 0) || (opts.max !== undefined && n > opts.max)) {
      const kind = opts.integer ? "an integer" : "a number";
      // Integers may equal `min`; other numbers must exceed it.
      const range = opts.max !== undefined ? ` between ${min} and ${opts.max}` : opts.integer ? ` of at least ${min}` : ` above ${min}`;
      problems.push(`${where(name)} must be ${kind}${range}, got "${value}"`);
      return fallback;
    }
    return n;
  };

  const unknown = [...flags.keys()].filter((f) => !Object.values(SETTINGS).some(([flag]) => flag === f));
  for (const f of unknown) problems.push(`unknown flag --${f}; run with --help to list the settings`);

  const nodeName = raw("nodeName") ?? DEFAULT_NODE_NAME;
  if (nodeName.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(nodeName)) {
    problems.push(`${where("nodeName")} must be a DNS subdomain (lowercase letters, digits, '-' and '.'), got "${nodeName}"`);
  }
  const clusterName = required("clusterName");
  const subscriptionId = required("subscriptionId");
  if (subscriptionId && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(subscriptionId)) {
    problems.push(`${where("subscriptionId")} must be a subscription GUID, got "${subscriptionId}"`);
  }
  const resourceGroup = required("resourceGroup");
  const location = required("location");
  const subnetId = raw("subnetId");
  if (subnetId && !/\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i.test(subnetId)) {
    problems.push(`${where("subnetId")} must be a subnet resource ID (…/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>), got "${subnetId}"`);
  }
  const armEndpoint = raw("armEndpoint");
  if (armEndpoint && !isHttpsUrl(armEndpoint)) {
    problems.push(`${where("armEndpoint")} must be an https:// URL (Azure credentials are never sent over plain HTTP), got "${armEndpoint}"`);
  }
  const monitorEndpoint = raw("monitorEndpoint");
  if (monitorEndpoint && !isHttpsUrl(monitorEndpoint)) {
    problems.push(`${where("monitorEndpoint")} must be an https:// URL (Azure credentials are never sent over plain HTTP), got "${monitorEndpoint}"`);
  }
  const taint = parseTaint(raw("taint"), (msg) => problems.push(`${where("taint")} ${msg}`));
  const logLevel = raw("logLevel") ?? "info";
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    problems.push(`${where("logLevel")} must be one of debug, info, warn, error; got "${logLevel}"`);
  }
  const nodeIdentity = raw("nodeIdentity") ?? "tls-bootstrap";
  if (!(NODE_IDENTITIES as readonly string[]).includes(nodeIdentity)) {
    problems.push(`${where("nodeIdentity")} must be one of ${NODE_IDENTITIES.join(", ")}; got "${nodeIdentity}"`);
  }
  const leaderElection = parseLeaderElection(raw, number, where, (msg) => problems.push(msg));
  const release = raw("releaseFinishedPods") ?? "true";
  if (release !== "true" && release !== "false") problems.push(`${where("releaseFinishedPods")} must be true or false, got "${release}"`);
  const windows = (name: "aciCreateWindows" | "aciDeleteWindows"): readonly WindowLimit[] => {
    const value = raw(name);
    if (value === undefined) return ACI_DEFAULT_WINDOWS;
    const parsed = parseWindows(value);
    if (typeof parsed === "string") problems.push(`${where(name)}: ${parsed}`);
    return typeof parsed === "string" ? ACI_DEFAULT_WINDOWS : parsed;
  };
  if (leaderElection.enabled && nodeName.length > 253 - leaderLeaseName("").length) {
    problems.push(`${where("nodeName")} may have at most ${253 - leaderLeaseName("").length} characters with leader election on (the Lease is named ${leaderLeaseName("<node>")}), got ${nodeName.length}`);
  }
  const tlsCertFile = raw("tlsCertFile");
  const tlsKeyFile = raw("tlsKeyFile");
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    problems.push(`${where("tlsCertFile")} and ${where("tlsKeyFile")} must be given together`);
  }

  const config: BurstletConfig = {
    nodeName,
    clusterName,
    kubeconfig: raw("kubeconfig"),
    subscriptionId,
    resourceGroup,
    location,
    armEndpoint,
    subnetId,
    clusterDnsIp: raw("clusterDnsIp"),
    pullIdentityId: raw("pullIdentityId"),
    taint,
    capacity: {
      cpu: number("cpu", undefined),
      memoryGiB: number("memory", undefined),
      pods: number("pods", undefined, { integer: true, min: 1 }),
    },
    armBudget: {
      readsPerSecond: number("readsPerSecond", 20) ?? 20,
      readBurst: number("readBurst", 200, { integer: true, min: 1 }) ?? 200,
      writesPerSecond: number("writesPerSecond", 8) ?? 8,
      writeBurst: number("writeBurst", 150, { integer: true, min: 1 }) ?? 150,
      logReadShare: number("logReadShare", DEFAULT_LOG_READ_SHARE, { max: 1 }) ?? DEFAULT_LOG_READ_SHARE,
    },
    usage: {
      endpoint: monitorEndpoint ?? `https://${location.toLowerCase().replace(/\s+/g, "")}.metrics.monitor.azure.com`,
      pollSeconds: number("usagePollSeconds", 30) ?? 30,
      callsPerSecond: number("monitorCallsPerSecond", 1) ?? 1,
      burst: number("monitorBurst", 20, { integer: true, min: 1 }) ?? 20,
    },
    status: {
      steadySeconds: number("steadySeconds", 25) ?? 25,
      steadyReadsPerSecond: number("steadyReadsPerSecond", 15) ?? 15,
    },
    kubeApi: {
      qps: number("kubeApiQps", 50) ?? 50,
      burst: number("kubeApiBurst", 200, { integer: true, min: 1 }) ?? 200,
    },
    groupMaxima: {
      cpu: number("maxGroupCpu", DEFAULT_GROUP_MAXIMA.cpu) ?? DEFAULT_GROUP_MAXIMA.cpu,
      memoryGB: number("maxGroupMemory", DEFAULT_GROUP_MAXIMA.memoryGB) ?? DEFAULT_GROUP_MAXIMA.memoryGB,
    },
    finishedPods: {
      release: release !== "false",
      logsMemoryBytes: Math.round((number("finalLogsMemory", DEFAULT_FINAL_LOGS_BYTES / 1024 / 1024, { min: 0 }) ?? 0) * 1024 * 1024),
    },
    aciWindows: { creates: windows("aciCreateWindows"), deletes: windows("aciDeleteWindows") },
    notReadyAfterSeconds: number("notReadyAfter", DEFAULT_NOT_READY_AFTER_MS / 1000) ?? DEFAULT_NOT_READY_AFTER_MS / 1000,
    imagePullBackoffSeconds: number("imagePullBackoff", IMAGE_PULL_BACKOFF.baseMs / 1000) ?? IMAGE_PULL_BACKOFF.baseMs / 1000,
    listenAddress: raw("listenAddress") ?? "0.0.0.0",
    nodeAddress: raw("nodeAddress") ?? (env.POD_IP?.trim() || "127.0.0.1"),
    kubeletPort: number("kubeletPort", DEFAULT_KUBELET_PORT, { integer: true, min: 0, max: 65535 }) ?? DEFAULT_KUBELET_PORT,
    metricsPort: number("metricsPort", DEFAULT_METRICS_PORT, { integer: true, min: 0, max: 65535 }) ?? DEFAULT_METRICS_PORT,
    tlsCertFile,
    tlsKeyFile,
    clientCaFile: raw("clientCaFile"),
    insecureRegistries: (raw("insecureRegistries") ?? "").split(",").map((r) => r.trim()).filter(Boolean),
    logLevel: logLevel as LogLevel,
    nodeIdentity: nodeIdentity as NodeIdentityMode,
    leaderElection,
  };
  if (problems.length > 0) {
    throw new ConfigError(`invalid burstlet configuration:\n  - ${problems.join("\n  - ")}`);
  }
  return config;
}

type NumberSetting = (name: SettingName, fallback: number | undefined, opts?: { integer?: boolean; min?: number; max?: number }) => number | undefined;

function parseLeaderElection(raw: (name: SettingName) => string | undefined, number: NumberSetting, where: (name: SettingName) => string, problem: (msg: string) => void): LeaderElectionConfig {
  const flag = raw("leaderElect") ?? "true";
  if (flag !== "true" && flag !== "false") problem(`${where("leaderElect")} must be true or false, got "${flag}"`);
  const namespace = raw("leaderElectNamespace");
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) problem(`${where("leaderElectNamespace")} must be a namespace name (a DNS label), got "${namespace}"`);
  const d = LEADER_ELECTION_DEFAULTS;
  // The Lease records its duration in whole seconds.
  const leaseDurationSeconds = number("leaderElectLeaseDuration", d.leaseDurationSeconds, { integer: true, min: 1 }) ?? d.leaseDurationSeconds;
  const renewDeadlineSeconds = number("leaderElectRenewDeadline", d.renewDeadlineSeconds) ?? d.renewDeadlineSeconds;
  const retryPeriodSeconds = number("leaderElectRetryPeriod", d.retryPeriodSeconds) ?? d.retryPeriodSeconds;
  if (renewDeadlineSeconds >= leaseDurationSeconds) {
    problem(`${where("leaderElectRenewDeadline")} must be below ${where("leaderElectLeaseDuration")} (${renewDeadlineSeconds} ≥ ${leaseDurationSeconds}): a leader must stop before another replica may take over`);
  }
  if (renewDeadlineSeconds <= RENEW_DEADLINE_MIN_RETRIES * retryPeriodSeconds) {
    problem(`${where("leaderElectRenewDeadline")} must exceed ${RENEW_DEADLINE_MIN_RETRIES} × ${where("leaderElectRetryPeriod")} (${renewDeadlineSeconds} ≤ ${RENEW_DEADLINE_MIN_RETRIES * retryPeriodSeconds}), so a leader retries before it gives up`);
  }
  return { enabled: flag !== "false", namespace, leaseDurationSeconds, renewDeadlineSeconds, retryPeriodSeconds };
}

/** `--help` text listing every setting with its variable. */
export function usage(): string {
  const lines = Object.values(SETTINGS).map(([flag, variable, description]) => `  --${flag.padEnd(24)} ${variable.padEnd(32)} ${description}`);
  return `usage: burstlet [flags]\n\nEvery flag can also be set by the environment variable beside it.\n\n${lines.join("\n")}\n`;
}

function parseFlags(argv: readonly string[], problem: (msg: string) => void): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      problem(`unexpected argument "${arg}": settings are given as --name=value`);
      continue;
    }
    const eq = arg.indexOf("=");
    if (eq > 0) {
      flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    } else {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) {
        const variable = Object.values(SETTINGS).find(([flag]) => `--${flag}` === arg)?.[1];
        problem(`flag ${arg}${variable ? ` (${variable})` : ""} needs a value (${arg}=value)`);
        continue;
      }
      flags.set(arg.slice(2), next);
      i++;
    }
  }
  return flags;
}

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

function parseTaint(value: string | undefined, problem: (msg: string) => void): Taint | undefined {
  if (value === undefined) return { ...VIRTUAL_NODE_TAINT };
  if (value === "none") return undefined;
  const match = /^([^=:]+)=([^:]*):(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(value);
  if (!match) {
    problem(`must be key=value:effect with effect NoSchedule, PreferNoSchedule or NoExecute, or "none"; got "${value}"`);
    return undefined;
  }
  return { key: match[1], value: match[2], effect: match[3] as Taint["effect"] };
}
