/**
 * The demo's hybrid cluster on one machine: a real control plane (started here, or one the caller
 * already has) with kwok "ordinary" nodes, the ACI emulator, and burstlet in this process
 * registering the virtual node and serving its kubelet API to the API server (for `kubectl logs`).
 */
import { createWriteStream, writeFileSync } from "node:fs";
import * as path from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { type AciEmulator, startAciEmulator } from "../sandbox/aci-emulator";
import type { StoredGroup } from "../sandbox/aci-emulator";
import { type ControlPlane, startControlPlane } from "../sandbox/control-plane";
import { cacheRoot, controlPlaneNeedsBuild } from "../sandbox/binaries";
import { issueCert } from "../sandbox/tls";
import { Burstlet } from "../kubelet/src/burstlet";
import { parseConfig } from "../kubelet/src/config";
import { TAGS } from "../kubelet/src/constants";
import { createLogger } from "../kubelet/src/log";
import { isNotFound } from "../kubelet/src/util/kube-errors";
import type { GroupView } from "./snapshot";

export interface DemoSandboxOptions {
  /** Use this control plane (it is not stopped with the sandbox). @default start one */
  readonly controlPlane?: ControlPlane;
  readonly nodeName: string;
  readonly clusterName: string;
  /** Ordinary nodes simulated by kwok; existing ones are reused. */
  readonly kwokNodes: readonly string[];
  /** Emulated seconds per real second, inverted: 0.1 runs a 30 s container in 3 s. */
  readonly timeScale: number;
  /** Container groups and cores the emulated subscription's quota allows. */
  readonly quota: number;
  /** Where burstlet's JSON logs go. */
  readonly logFile: string;
  /** Where burstlet's serving certificate is written (the caller owns and removes it). */
  readonly workDir: string;
  readonly progress: (line: string) => void;
}

export interface DemoSandbox {
  readonly cp: ControlPlane;
  readonly emulator: AciEmulator;
  readonly burstlet: Burstlet;
  readonly nodeName: string;
  readonly controlPlaneMs: number;
  /** The virtual node's container groups in the emulator. */
  groups(): GroupView[];
  /** Stops burstlet, the emulator and the control plane if this sandbox started it. */
  stop(): Promise<void>;
}

export async function startDemoSandbox(options: DemoSandboxOptions, signal: AbortSignal): Promise<DemoSandbox> {
  const stack: (() => Promise<void>)[] = [];
  const unwind = async (): Promise<void> => {
    for (const stop of stack.reverse()) await stop().catch((err: Error) => options.progress(`cleanup: ${err.message}`));
    stack.length = 0;
  };
  try {
    const cpStarted = Date.now();
    let cp = options.controlPlane;
    if (!cp) {
      if (controlPlaneNeedsBuild()) options.progress(`First run on this machine: building the control plane binaries into ${cacheRoot()} (about 15 minutes on two idle cores; later runs start in seconds).`);
      else options.progress("Starting the control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)…");
      const started = await startControlPlane({ progress: (line) => options.progress(line) });
      stack.push(() => started.stop());
      cp = started;
    }
    const controlPlaneMs = Date.now() - cpStarted;
    signal.throwIfAborted();

    await ensureKwokNodes(cp, options.kwokNodes);
    options.progress(`Ordinary nodes (kwok): ${options.kwokNodes.join(", ")}`);

    const emulator = await startAciEmulator({
      timeScale: options.timeScale,
      // ARM's request limits apply; ACI's per-region create/delete windows (100 per 5 minutes) are
      // wall-clock windows that the time scale does not shorten, so they would stall a large demo.
      limits: { creates: null, groupDeletes: null },
      quotas: { containerGroups: options.quota, standardCores: options.quota },
      monitor: { timing: DEMO_METRIC_TIMING },
    });
    stack.push(() => emulator.close());
    options.progress(`ACI emulator at ${emulator.endpoint} (1 emulated second = ${options.timeScale} s; quota ${options.quota} container groups)`);
    signal.throwIfAborted();

    const log = createWriteStream(options.logFile, { flags: "a" });
    stack.push(() => new Promise<void>((resolve) => log.end(resolve)));
    const serving = await servingCertificate(cp, options);
    const burstlet = new Burstlet(burstletConfig(cp, emulator, options, serving), {
      log: createLogger("info", (line) => log.write(`${line}\n`)),
      credential: emulator.credential(),
      armAgent: emulator.agent(),
      // The status tracker's intervals follow the emulator's clock, as they would follow ACI's.
      tuning: { statusActiveMs: Math.max(100, 2_000 * options.timeScale), statusSteadyMs: Math.max(500, 30_000 * options.timeScale), usagePollMs: DEMO_USAGE_POLL_MS },
    });
    const controller = new AbortController();
    const running = burstlet.run(controller.signal);
    stack.push(async () => {
      controller.abort();
      await running;
    });
    await Promise.race([burstlet.node.registered, running, aborted(signal)]);
    signal.throwIfAborted();
    options.progress(`burstlet registered the virtual node "${options.nodeName}" (taint virtual-kubelet.io/provider=azure:NoSchedule)`);

    const ownCp = cp;
    return {
      cp: ownCp,
      emulator,
      burstlet,
      nodeName: options.nodeName,
      controlPlaneMs,
      groups: () => emulator.groups().filter((g) => g.tags?.[TAGS.node] === options.nodeName && g.tags?.[TAGS.cluster] === options.clusterName).map(groupView),
      stop: unwind,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

/**
 * Azure Monitor's buckets are a minute long and readable a minute after they end; the demo's are
 * 2 s, readable 1 s later, and burstlet asks every second, so `kubectl top` has figures for a burst
 * pod within seconds of its start (metrics-server's scrapes, every 10 s in the sandbox, are then what it waits for).
 */
export const DEMO_METRIC_TIMING = { grainSeconds: 2, delaySeconds: 1 } as const;
const DEMO_USAGE_POLL_MS = 1_000;

/** A serving certificate from the cluster CA, so metrics-server verifies burstlet as it does a kubelet. */
async function servingCertificate(cp: ControlPlane, options: DemoSandboxOptions): Promise<{ certFile: string; keyFile: string }> {
  const pair = await issueCert(cp.pki.ca, { commonName: options.nodeName, ipAddresses: ["127.0.0.1"], serverAuth: true });
  const certFile = path.join(options.workDir, "burstlet-serving.crt");
  const keyFile = path.join(options.workDir, "burstlet-serving.key");
  writeFileSync(certFile, pair.certPem);
  writeFileSync(keyFile, pair.keyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

/** A window no demo reaches. */
const UNPACED = "1000000/1h";

function burstletConfig(cp: ControlPlane, emulator: AciEmulator, options: DemoSandboxOptions, serving: { certFile: string; keyFile: string }) {
  return parseConfig(
    [
      `--node-name=${options.nodeName}`,
      `--cluster-name=${options.clusterName}`,
      `--kubeconfig=${cp.kubeconfigPath}`,
      `--subscription-id=${emulator.subscriptionId}`,
      `--resource-group=${emulator.resourceGroup}`,
      `--location=${emulator.location}`,
      `--arm-endpoint=${emulator.endpoint}`,
      `--azure-monitor-endpoint=${emulator.metricsEndpoint}`,
      "--node-address=127.0.0.1",
      "--listen-address=127.0.0.1",
      "--kubelet-port=0",
      "--metrics-port=0",
      // The API server's kubelet client certificate chains to the cluster CA.
      `--client-ca-file=${cp.pki.files.caCert}`,
      `--tls-cert-file=${serving.certFile}`,
      `--tls-key-file=${serving.keyFile}`,
      // The emulator's create and delete windows are off here (see above): burstlet need not pace under them.
      `--aci-create-windows=${UNPACED}`,
      `--aci-delete-windows=${UNPACED}`,
    ],
    {},
  );
}

async function ensureKwokNodes(cp: ControlPlane, names: readonly string[]): Promise<void> {
  const core = cp.kubeConfig().makeApiClient(CoreV1Api);
  const missing: string[] = [];
  for (const name of names) {
    try {
      await core.readNode({ name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      missing.push(name);
    }
  }
  if (missing.length > 0) await cp.addKwokNodes(missing);
}

function groupView(g: StoredGroup): GroupView {
  const main = g.runtime.containers[0]?.current;
  const started = main && (main.state === "Running" || main.state === "Terminated") ? main.startTime : undefined;
  const finished = main?.state === "Terminated" ? main.finishTime : undefined;
  return { name: g.name, state: g.runtime.state, startedAt: started ? Date.parse(started) : undefined, finishedAt: finished ? Date.parse(finished) : undefined };
}

/** Resolves when the signal aborts (to race long waits against Ctrl-C). */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
