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
import { DEFAULT_STATUS_FRESH_SHARE } from "./aci/read-schedule";
import { DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT, DEFAULT_NODE_NAME, leaderLeaseName, VIRTUAL_NODE_TAINT } from "./constants";
import { IMAGE_PULL_BACKOFF } from "./pods/pod-states";
import { DEFAULT_ARM_BUDGET, DEFAULT_STEADY_STATUS, LEADER_ELECTION_DEFAULTS, SETTINGS, type SettingName } from "./settings";

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
  /** Availability zone of `location` every container group is pinned to (`zones` on the group); none: ACI places it. */
  readonly zone?: string;
  /** Share (0-1] of the region's quota the node offers as capacity (nodes sharing a region split it). */
  readonly quotaShare: number;
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
  /**
   * Status of steady running pods: read at least every `steadySeconds`, at most `steadyReadsPerSecond`
   * in all; more often while that uses less than `freshShare` of the read rate.
   */
  readonly status: { readonly steadySeconds: number; readonly steadyReadsPerSecond: number; readonly freshShare: number };
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
  /** Whether kubelet API requests without credentials are served as system:anonymous (still authorised). */
  readonly anonymousAuth: boolean;
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
  const zone = raw("zone");
  if (zone !== undefined && !/^[1-9][0-9]?$/.test(zone)) {
    problems.push(`${where("zone")} must be an availability zone number such as 1, 2 or 3 (as Azure names them), got "${zone}"`);
  }
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
  const anonymous = raw("anonymousAuth") ?? "false";
  if (anonymous !== "true" && anonymous !== "false") problems.push(`${where("anonymousAuth")} must be true or false, got "${anonymous}"`);
  const quotaShare = number("quotaShare", 1, { max: 1 }) ?? 1;
  const windows = (name: "aciCreateWindows" | "aciDeleteWindows"): readonly WindowLimit[] => {
    const value = raw(name);
    const parsed = value === undefined ? ACI_DEFAULT_WINDOWS : parseWindows(value);
    if (typeof parsed === "string") problems.push(`${where(name)}: ${parsed}`);
    // The windows are the region's; nodes that share it each pace under their share of them.
    return (typeof parsed === "string" ? ACI_DEFAULT_WINDOWS : parsed).map((l) => ({ ...l, max: Math.max(1, Math.floor(l.max * quotaShare)) }));
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
    zone,
    quotaShare,
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
      readsPerSecond: number("readsPerSecond", DEFAULT_ARM_BUDGET.readsPerSecond) ?? DEFAULT_ARM_BUDGET.readsPerSecond,
      readBurst: number("readBurst", DEFAULT_ARM_BUDGET.readBurst, { integer: true, min: 1 }) ?? DEFAULT_ARM_BUDGET.readBurst,
      writesPerSecond: number("writesPerSecond", DEFAULT_ARM_BUDGET.writesPerSecond) ?? DEFAULT_ARM_BUDGET.writesPerSecond,
      writeBurst: number("writeBurst", DEFAULT_ARM_BUDGET.writeBurst, { integer: true, min: 1 }) ?? DEFAULT_ARM_BUDGET.writeBurst,
      logReadShare: number("logReadShare", DEFAULT_LOG_READ_SHARE, { max: 1 }) ?? DEFAULT_LOG_READ_SHARE,
    },
    usage: {
      endpoint: monitorEndpoint ?? `https://${location.toLowerCase().replace(/\s+/g, "")}.metrics.monitor.azure.com`,
      pollSeconds: number("usagePollSeconds", 30) ?? 30,
      callsPerSecond: number("monitorCallsPerSecond", 1) ?? 1,
      burst: number("monitorBurst", 20, { integer: true, min: 1 }) ?? 20,
    },
    status: {
      steadySeconds: number("steadySeconds", DEFAULT_STEADY_STATUS.seconds) ?? DEFAULT_STEADY_STATUS.seconds,
      steadyReadsPerSecond: number("steadyReadsPerSecond", DEFAULT_STEADY_STATUS.readsPerSecond) ?? DEFAULT_STEADY_STATUS.readsPerSecond,
      freshShare: number("statusFreshShare", DEFAULT_STATUS_FRESH_SHARE, { max: 1 }) ?? DEFAULT_STATUS_FRESH_SHARE,
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
    anonymousAuth: anonymous === "true",
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
