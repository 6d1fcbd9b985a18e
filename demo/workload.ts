/**
 * What the demo deploys, as pure builders: a steady web service that stays on ordinary nodes, and
 * the image-processing burst as the BurstJob component declares it (same placement, toleration,
 * indexed completions and ACI-rounded resources), so the demo shows what users get from `pulumi up`.
 */
import type { V1Deployment, V1Job, V1JobSpec, V1Service } from "@kubernetes/client-node";
import { planBurstJob } from "../components/burst-job-spec";
import { placementFor } from "../components/placement";
import type { Taint } from "../kubelet/src/config";

export const STEADY_NAME = "web";
export const BURST_NAME = "thumbnails";
export const BURST_CONTAINER = "thumbnailer";
/**
 * Emulated seconds each burst pod works: 30 s at the demo's time scale (0.1). metrics-server, which
 * scrapes the sandbox's nodes every 10 s, shows a container once two scrapes have figures for it
 * (or one when it is 10 to 20 s old, its fresh-container rule); burstlet has a pod's first figures
 * a few seconds after it starts, so every burst pod shows in `kubectl top` while it runs.
 */
export const DEFAULT_WORK_SECONDS = 300;
/** Selects the demo burst's pods. */
export const BURST_SELECTOR = `burstlet.io/burst-job=${BURST_NAME}`;
/** The labels the BurstJob component puts on a burst's pods. */
export const burstPodLabels = (name: string): Record<string, string> => ({ "app.kubernetes.io/name": name, "burstlet.io/burst-job": name });

export interface BurstWorkload {
  /** Items to process: one pod per item (an indexed Job with this many completions). */
  readonly items: number;
  readonly virtualNode: { readonly name: string; readonly taint?: Taint };
  /** Seconds each pod "works", in emulated time. */
  readonly workSeconds: number;
}

/**
 * The shell script of one pod. The ACI emulator runs `echo` and `sleep` statements; burstlet expands
 * `$(JOB_COMPLETION_INDEX)` from the env the Job controller gives each pod, as the kubelet does.
 */
export function shardScript(items: number, workSeconds: number): string {
  const image = "input/image-$(JOB_COMPLETION_INDEX).jpg";
  const half = Math.max(0, workSeconds / 2);
  return [
    `echo shard $(JOB_COMPLETION_INDEX) of ${items}: reading ${image}`,
    `sleep ${half}`,
    "echo resizing 4032x3024 to 256x192",
    `sleep ${half}`,
    "echo wrote output/thumb-$(JOB_COMPLETION_INDEX).jpg",
    "echo shard $(JOB_COMPLETION_INDEX) done",
  ].join("; ");
}

/** The burst Job, planned by the BurstJob component's own helpers (placement `virtual`). */
export function burstJob(workload: BurstWorkload): V1Job {
  const plan = planBurstJob({
    context: `BurstJob "${BURST_NAME}"`,
    placement: placementFor("virtual", workload.virtualNode),
    podLabels: burstPodLabels(BURST_NAME),
    completions: workload.items,
    parallelism: workload.items,
    indexed: true,
    backoffLimit: 3,
    ttlSecondsAfterFinished: 86_400,
    containers: [
      {
        name: BURST_CONTAINER,
        // The emulated container runs the script; a shell image is what would run it on ACI.
        image: "busybox:1.36",
        command: ["sh", "-c", shardScript(workload.items, workload.workSeconds)],
        env: [
          { name: "SHARD_COUNT", value: String(workload.items) },
          { name: "THUMBNAIL_SIZE", value: "256" },
        ],
        resources: { requests: { cpu: "1", memory: "1500M" } },
      },
    ],
  });
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: BURST_NAME, labels: burstPodLabels(BURST_NAME) },
    spec: plainJobSpec(plan.spec),
  };
}

/** The planned spec holds plain values only (no outputs here): a JSON round trip makes that explicit. */
function plainJobSpec(spec: unknown): V1JobSpec {
  return JSON.parse(JSON.stringify(spec)) as V1JobSpec;
}

/** A steady web service: no toleration, so the scheduler keeps it on ordinary nodes. */
export function steadyDeployment(replicas: number): V1Deployment {
  const labels = { app: STEADY_NAME };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: STEADY_NAME, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "web",
              image: "nginx:1.27",
              ports: [{ containerPort: 80 }],
              resources: { requests: { cpu: "250m", memory: "256Mi" } },
            },
          ],
          topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } }],
        },
      },
    },
  };
}

export function steadyService(): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: STEADY_NAME },
    spec: { selector: { app: STEADY_NAME }, ports: [{ port: 80, targetPort: 80 }] },
  };
}
