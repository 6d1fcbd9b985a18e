/**
 * Starts the kubelet API (HTTPS) and the metrics port (HTTP) from burstlet's configuration, and
 * reports the ports actually bound (configured port 0 = any free port).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { BurstletConfig } from "../config";
import type { Logger } from "../log";
import type { PodProvider } from "../provider/provider";
import type { BurstletMetrics } from "./metrics";
import { createMetricsServer } from "./metrics-server";
import { type PodSource, createKubeletApiServer } from "./server";
import type { UsageView } from "./stats";
import { loadClientCa, loadServingTls } from "./tls";

export interface RunningServers {
  readonly kubeletPort: number;
  readonly metricsPort: number;
  close(): Promise<void>;
}

export interface ServeInput {
  readonly config: BurstletConfig;
  readonly kubeConfig: KubeConfig;
  readonly provider: PodProvider;
  readonly pods: PodSource;
  readonly metrics: BurstletMetrics;
  readonly usage?: UsageView;
  readonly log: Logger;
  /** How often log `follow` polls. @default 1_000 */
  readonly followPollMs?: number;
}

export async function startServers(input: ServeInput): Promise<RunningServers> {
  const { config, log } = input;
  const serving = await loadServingTls({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, nodeName: config.nodeName, nodeAddress: config.nodeAddress });
  const clientCaPem = loadClientCa(config.clientCaFile);
  if (!clientCaPem) log.warn("no client CA for the kubelet API: only bearer tokens authenticate, so the API server's client certificate is refused; set --client-ca-file");
  if (!config.tlsCertFile) log.info("kubelet API serves a self-signed certificate; set --tls-cert-file for one the API server can verify");
  const api = createKubeletApiServer({
    nodeName: config.nodeName,
    provider: input.provider,
    pods: input.pods,
    kubeConfig: input.kubeConfig,
    tls: { ...serving, clientCaPem },
    anonymousAuth: config.anonymousAuth,
    log,
    metrics: input.metrics,
    usage: input.usage,
    followPollMs: input.followPollMs,
  });
  const metrics = createMetricsServer(input.metrics, log);
  const kubeletPort = await api.listen(config.kubeletPort, config.listenAddress);
  let metricsPort: number;
  try {
    metricsPort = await metrics.listen(config.metricsPort, config.listenAddress);
  } catch (err) {
    await api.close();
    throw err;
  }
  return {
    kubeletPort,
    metricsPort,
    close: async () => {
      await Promise.all([api.close(), metrics.close()]);
    },
  };
}
