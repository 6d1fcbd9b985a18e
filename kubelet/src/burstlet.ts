/**
 * The composition root: builds burstlet's parts from its configuration (no I/O in the constructor)
 * and runs them. `run(signal)` registers the node, adopts and resyncs, then reconciles until the
 * signal aborts; running container groups are left alone on shutdown.
 */
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import type { KubeConfig } from "@kubernetes/client-node";
import { ArmClient } from "./aci/arm-client";
import { AciProvider } from "./aci/aci-provider";
import { MonitorClient } from "./aci/monitor-client";
import { BurstletMetrics } from "./api/metrics";
import { type RunningServers, startServers } from "./api/serve";
import type { BurstletConfig } from "./config";
import { cloneKubeConfig, loadKubeConfig } from "./kube/pooled-kube-config";
import { NodeIdentity } from "./kube/node-identity";
import { type Leadership, leadershipFor } from "./kube/leader-election";
import { KubeReferenceReader } from "./kube/reference-reader";
import type { Logger } from "./log";
import { NodeController } from "./node/node-controller";
import { PodController } from "./pods/pod-controller";
import { IMAGE_PULL_BACKOFF } from "./pods/pod-states";
import { ImageConfigResolver } from "./registry/image-config";

export interface BurstletDependencies {
  readonly log: Logger;
  /** @default DefaultAzureCredential (workload identity in-cluster, any other source elsewhere) */
  readonly credential?: TokenCredential;
  /** An https agent for ARM (e.g. trusting a private CA). */
  readonly armAgent?: Agent;
  /** @default from `config.kubeconfig`, else in-cluster */
  readonly kubeConfig?: KubeConfig;
  /** Tuning for tests and benchmarks. */
  readonly tuning?: {
    readonly leaseRenewMs?: number;
    readonly healthIntervalMs?: number;
    readonly gcIntervalMs?: number;
    readonly statusActiveMs?: number;
    readonly statusSteadyMs?: number;
    readonly workers?: number;
    readonly logFollowPollMs?: number;
    /** How often usage is read from Azure Monitor. @default config.usage.pollSeconds */
    readonly usagePollMs?: number;
    /** Requested lifetime of the node's client certificate. */
    readonly nodeCertificateSeconds?: number;
  };
}

export class Burstlet {
  readonly arm: ArmClient;
  readonly provider: AciProvider;
  readonly node: NodeController;
  readonly pods: PodController;
  readonly monitor: MonitorClient;
  readonly metrics = new BurstletMetrics();
  /** The node's client certificate (TLS bootstrap), unless burstlet uses the kubeconfig's own credentials. */
  readonly identity: NodeIdentity | undefined;
  /** Which replica for the node reconciles it: only the leader runs the parts (`--leader-elect`). */
  readonly leader: Leadership;
  /** The kubelet API and metrics ports, once `run` has bound them. */
  servers: RunningServers | undefined;
  private readonly log: Logger;
  private readonly kubeConfig: KubeConfig;
  private readonly logFollowPollMs?: number;

  constructor(readonly config: BurstletConfig, deps: BurstletDependencies) {
    this.log = deps.log;
    const bootstrap = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig);
    this.leader = leadershipFor(config, bootstrap, deps.log);
    this.identity = config.nodeIdentity === "tls-bootstrap"
      ? new NodeIdentity({ bootstrap, nodeName: config.nodeName, log: deps.log, expirationSeconds: deps.tuning?.nodeCertificateSeconds })
      : undefined;
    const kubeConfig = this.identity?.kubeConfig() ?? bootstrap;
    this.kubeConfig = kubeConfig;
    const credential = deps.credential ?? new DefaultAzureCredential();
    this.arm = new ArmClient({
      credential,
      subscriptionId: config.subscriptionId,
      resourceGroup: config.resourceGroup,
      location: config.location,
      budget: config.armBudget,
      endpoint: config.armEndpoint,
      agent: deps.armAgent,
      onCall: (call) => this.metrics.armCall(call),
    });
    const t = deps.tuning ?? {};
    this.monitor = new MonitorClient({
      credential,
      endpoint: config.usage.endpoint,
      budget: { callsPerSecond: config.usage.callsPerSecond, burst: config.usage.burst },
      agent: deps.armAgent,
      onCall: (call) => this.metrics.monitorCall(call),
    });
    this.provider = new AciProvider({
      arm: this.arm,
      references: new KubeReferenceReader(kubeConfig),
      images: new ImageConfigResolver({ insecureRegistries: config.insecureRegistries }),
      log: deps.log,
      clusterName: config.clusterName,
      nodeName: config.nodeName,
      location: config.location,
      zone: config.zone,
      quotaShare: config.quotaShare,
      hostIP: config.nodeAddress,
      subnetId: config.subnetId,
      clusterDnsIp: config.clusterDnsIp,
      pullIdentityId: config.pullIdentityId,
      capacity: config.capacity,
      groupMaxima: config.groupMaxima,
      notReadyAfterMs: config.notReadyAfterSeconds * 1000,
      finalLogs: { totalBytes: config.finishedPods.logsMemoryBytes },
      createWindows: config.aciWindows.creates,
      deleteWindows: config.aciWindows.deletes,
      tracker: { activeMs: t.statusActiveMs, steadyMs: t.statusSteadyMs ?? config.status.steadySeconds * 1000, steadyReadsPerSecond: config.status.steadyReadsPerSecond, freshReadsPerSecond: config.status.freshShare * config.armBudget.readsPerSecond },
      usage: { monitor: this.monitor, intervalMs: t.usagePollMs ?? config.usage.pollSeconds * 1000, subscriptionId: config.subscriptionId, resourceGroup: config.resourceGroup, onDenied: (err) => this.metrics.usageDenied(err) },
    });
    this.node = new NodeController({
      // A separate KubeConfig instance: the heartbeat must not queue behind pod traffic.
      kubeConfig: this.identity?.kubeConfig() ?? cloneKubeConfig(kubeConfig),
      nodeName: config.nodeName,
      taint: config.taint,
      placement: { region: config.location, zone: config.zone },
      address: config.nodeAddress,
      kubeletPort: config.kubeletPort,
      health: () => this.provider.health(),
      capacity: () => this.provider.capacity(),
      log: deps.log,
      leaseRenewMs: t.leaseRenewMs,
      healthIntervalMs: t.healthIntervalMs,
    });
    this.pods = new PodController({
      kubeConfig,
      nodeName: config.nodeName,
      provider: this.provider,
      log: deps.log,
      gcIntervalMs: t.gcIntervalMs,
      workers: t.workers,
      statusWrites: { perSecond: config.kubeApi.qps, burst: config.kubeApi.burst },
      releaseFinished: config.finishedPods.release,
      imagePullBackoff: { ...IMAGE_PULL_BACKOFF, baseMs: config.imagePullBackoffSeconds * 1000 },
      onBilled: (pod, billed) => this.metrics.billed(pod, billed),
    });
    this.logFollowPollMs = t.logFollowPollMs;
    const queues = [this.pods.fromKubernetes, this.pods.deleteFromKubernetes, this.pods.statusFromProvider];
    for (const q of queues) q.observer = (ms, failed) => this.metrics.reconciled(q.name, ms, failed);
    const logReads = this.arm.logReads;
    const logBudget = { get waitedMs() { return logReads.waitedMs; }, get queued() { return logReads.waiting; } };
    this.metrics.observe({ buckets: { read: this.arm.reads, write: this.arm.writes, log: logBudget }, records: () => this.pods.records.counts(), queues, tracker: this.provider.tracker, deletions: this.provider.deletions, pods: () => this.pods.listPods(), finalLogs: this.provider.finalLogs, creates: this.provider.creates });
  }

  /** Runs until `signal` aborts. `ready` resolves once the node is registered and resynced. */
  async run(signal: AbortSignal): Promise<void> {
    await this.identity?.start(signal);
    const pods = { get: (namespace: string, name: string) => this.pods.getPod(namespace, name), list: () => this.pods.listPods() };
    this.servers = await startServers({ config: this.config, kubeConfig: this.kubeConfig, provider: this.provider, pods, metrics: this.metrics, usage: this.provider.stats(), log: this.log, followPollMs: this.logFollowPollMs });
    this.node.setKubeletPort(this.servers.kubeletPort);
    // Every replica keeps its certificate fresh, leading or waiting to.
    const renewal = new AbortController();
    signal.addEventListener("abort", () => renewal.abort(), { once: true });
    const renewing = this.identity?.run(renewal.signal);
    try {
      await this.leader.lead(signal, (leading) => this.runParts(leading));
    } finally {
      renewal.abort();
      await renewing;
      this.arm.close();
      await this.servers.close();
    }
  }

  private async runParts(signal: AbortSignal): Promise<void> {
    const resync = async (): Promise<void> => {
      await this.provider.start();
      await this.pods.sync();
      const collected = await this.pods.collectGarbage();
      this.log.info("resynced with Azure Container Instances", { containerGroupsCollected: collected, podsOnNode: this.pods.listPods().length });
    };
    const node = this.node.run(signal, resync);
    await Promise.race([this.node.registered, node]);
    if (signal.aborted) return;
    this.log.info("burstlet is running", { node: this.config.nodeName });
    await Promise.all([node, this.pods.run(signal), this.provider.run(signal)]);
    this.log.info("burstlet stopped; container groups keep running", { node: this.config.nodeName });
  }
}
