/**
 * The composition root: builds burstlet's parts from its configuration (no I/O in the constructor)
 * and runs them. `run(signal)` registers the node, adopts and resyncs, then reconciles until the
 * signal aborts; running container groups are left alone on shutdown.
 */
import type { Agent } from "node:https";
import type { TokenCredential } from "@azure/core-auth";
import { DefaultAzureCredential } from "@azure/identity";
import { KubeConfig } from "@kubernetes/client-node";
import { ArmClient } from "./aci/arm-client";
import { AciProvider } from "./aci/aci-provider";
import type { BurstletConfig } from "./config";
import { KubeReferenceReader } from "./kube/reference-reader";
import type { Logger } from "./log";
import { NodeController } from "./node/node-controller";
import { PodController } from "./pods/pod-controller";
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
  };
}

export class Burstlet {
  readonly arm: ArmClient;
  readonly provider: AciProvider;
  readonly node: NodeController;
  readonly pods: PodController;
  private readonly log: Logger;

  constructor(readonly config: BurstletConfig, deps: BurstletDependencies) {
    this.log = deps.log;
    const kubeConfig = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig);
    this.arm = new ArmClient({
      credential: deps.credential ?? new DefaultAzureCredential(),
      subscriptionId: config.subscriptionId,
      resourceGroup: config.resourceGroup,
      location: config.location,
      budget: config.armBudget,
      endpoint: config.armEndpoint,
      agent: deps.armAgent,
    });
    const t = deps.tuning ?? {};
    this.provider = new AciProvider({
      arm: this.arm,
      references: new KubeReferenceReader(kubeConfig),
      images: new ImageConfigResolver({ insecureRegistries: config.insecureRegistries }),
      log: deps.log,
      clusterName: config.clusterName,
      nodeName: config.nodeName,
      location: config.location,
      hostIP: config.nodeAddress,
      subnetId: config.subnetId,
      clusterDnsIp: config.clusterDnsIp,
      pullIdentityId: config.pullIdentityId,
      capacity: config.capacity,
      tracker: { activeMs: t.statusActiveMs, steadyMs: t.statusSteadyMs },
    });
    this.node = new NodeController({
      // A separate KubeConfig instance: the heartbeat must not queue behind pod traffic.
      kubeConfig: loadKubeConfigLike(kubeConfig),
      nodeName: config.nodeName,
      taint: config.taint,
      address: config.nodeAddress,
      kubeletPort: config.kubeletPort,
      health: () => this.provider.health(),
      capacity: () => this.provider.capacity(),
      log: deps.log,
      leaseRenewMs: t.leaseRenewMs,
      healthIntervalMs: t.healthIntervalMs,
    });
    this.pods = new PodController({ kubeConfig, nodeName: config.nodeName, provider: this.provider, log: deps.log, gcIntervalMs: t.gcIntervalMs, workers: t.workers });
  }

  /** Runs until `signal` aborts. `ready` resolves once the node is registered and resynced. */
  async run(signal: AbortSignal): Promise<void> {
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
    await Promise.all([node, this.pods.run(signal), this.provider.tracker.run(signal)]);
    this.log.info("burstlet stopped; container groups keep running", { node: this.config.nodeName });
  }
}

function loadKubeConfig(file: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromCluster();
  return kc;
}

function loadKubeConfigLike(source: KubeConfig): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(source.exportConfig());
  return kc;
}
