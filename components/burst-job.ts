/**
 * BurstJob: a `batch/v1` Job wired for the virtual node. Its pods tolerate the node's taint and go
 * either only to the virtual node (`virtual`) or to ordinary nodes first, spilling onto the virtual
 * node (`overflow`); they request what ACI will grant (with a warning when rounding changes a
 * value) and use only what a container group can run, checked when the component is constructed.
 * Many items fan out as an indexed Job: pod `i` gets `JOB_COMPLETION_INDEX=i`. A pod given up for
 * a node reason (its zone or region down, condition `DisruptionTarget`) is replaced without counting
 * against `backoffLimit` (the Job's pod failure policy).
 *
 * The node a Job bursts onto must be excluded from cloud load balancers: burstlet's own node
 * carries the labels; for a virtual node burstlet did not register, the labels are applied with a
 * server-side `NodePatch` that owns only those fields.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { LOAD_BALANCER_EXCLUSION_LABELS } from "../kubelet/src/constants";
import { InvalidInputError } from "../kubelet/src/errors";
import type { PriceTable } from "./aci-prices";
import { estimateBurstCost, type BurstCostEstimate } from "./burst-cost";
import { planBurstJob, type BurstJobTemplate } from "./burst-job-spec";
import { PLACEMENT_MODES, placementFor, type PlacementMode, type VirtualNodeTarget } from "./placement";
import { VirtualNode } from "./virtual-node";

/**
 * A virtual node that burstlet did not register (e.g. another virtual kubelet), by name and taint
 * (@default none: the node is not tainted); it is labelled for load-balancer exclusion here.
 */
export type ForeignVirtualNode = VirtualNodeTarget;

export interface BurstJobArgs extends BurstJobTemplate {
  /** The cluster. @default the ambient provider */
  readonly provider?: k8s.Provider;
  /**
   * Where the Job bursts: a `VirtualNode` of this program (the Job then waits for it), or any
   * virtual node by `name` and `taint` (e.g. one burstlet did not register, which is then labelled
   * for load-balancer exclusion here). A `VirtualNode` is itself such a target.
   */
  readonly virtualNode: VirtualNodeTarget;
  /** `virtual`: only the virtual node; `overflow`: ordinary nodes first. @default "virtual" */
  readonly placement?: PlacementMode;
  /** @default "default" */
  readonly namespace?: pulumi.Input<string>;
  /** Name of the Job object. @default auto-named, so a changed template replaces the Job */
  readonly jobName?: string;
  readonly labels?: Record<string, string>;
  /** Make `pulumi up` wait until the Job succeeds. @default false: submit and return */
  readonly waitForCompletion?: boolean;
  /** The region whose prices the cost estimate uses. @default the `VirtualNode`'s location, else the table's `default` */
  readonly region?: pulumi.Input<string>;
  /** Prices for the cost estimate, by region. @default DEFAULT_PRICE_TABLE (estimates; see `aci-prices.ts`) */
  readonly priceTable?: PriceTable;
  /** Seconds one pod is billed for (image pull to end), for the estimate's per-run figures. @default none */
  readonly estimatedPodSeconds?: number;
}

export class BurstJob extends pulumi.ComponentResource {
  readonly jobName: pulumi.Output<string>;
  readonly namespace: pulumi.Output<string>;
  /** What rounding and relaxing changed (also reported as Pulumi warnings). */
  readonly warnings: string[];
  readonly target: VirtualNodeTarget;
  /** An ESTIMATE of what the Job costs on ACI, from its resources, parallelism and the price table. */
  readonly costEstimate: pulumi.Output<BurstCostEstimate>;

  constructor(name: string, args: BurstJobArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:BurstJob", name, {}, opts);
    const context = `BurstJob "${name}"`;
    const mode = args.placement ?? "virtual";
    if (!PLACEMENT_MODES.includes(mode)) throw new InvalidInputError(`${context}: placement`, `must be "virtual" or "overflow", got "${String(mode)}"`);
    const node = args.virtualNode;
    if (!(node instanceof VirtualNode) && !node.name) throw new InvalidInputError(`${context}: virtualNode.name`, "is required for a virtual node burstlet did not register");
    this.target = node instanceof VirtualNode ? node.target : { name: node.name, taint: node.taint };
    const podLabels = { "app.kubernetes.io/name": name, "burstlet.io/burst-job": name, ...(args.labels ?? {}) };

    const plan = planBurstJob({
      context,
      placement: placementFor(mode, this.target),
      podLabels,
      containers: args.containers,
      initContainers: args.initContainers,
      volumes: args.volumes,
      completions: args.completions,
      parallelism: args.parallelism,
      indexed: args.indexed,
      backoffLimit: args.backoffLimit ?? 3,
      ttlSecondsAfterFinished: args.ttlSecondsAfterFinished ?? 86_400,
      activeDeadlineSeconds: args.activeDeadlineSeconds,
      topologySpreadConstraints: args.topologySpreadConstraints,
      serviceAccountName: args.serviceAccountName,
      priority: args.priority,
    });
    this.warnings = [...plan.warnings];
    for (const warning of plan.warnings) void pulumi.log.warn(`${context}: ${warning}`, this);

    const child = { parent: this, provider: args.provider };
    const dependsOn: pulumi.Resource[] = [];
    if (node instanceof VirtualNode) {
      dependsOn.push(node);
    } else {
      dependsOn.push(
        new k8s.core.v1.NodePatch(
          `${name}-lb-exclusion`,
          { metadata: { name: node.name, labels: { ...LOAD_BALANCER_EXCLUSION_LABELS }, annotations: { "pulumi.com/patchForce": "true" } } },
          // The patch owns only these labels; on delete they are left for the node's owner.
          { ...child, retainOnDelete: true },
        ),
      );
    }
    const annotations: Record<string, string> = args.waitForCompletion ? {} : { "pulumi.com/skipAwait": "true" };
    const job = new k8s.batch.v1.Job(
      `${name}-job`,
      {
        metadata: { name: args.jobName, namespace: args.namespace ?? "default", labels: podLabels, annotations },
        spec: plan.spec,
      },
      { ...child, dependsOn },
    );
    this.jobName = job.metadata.name;
    this.namespace = job.metadata.namespace;
    const spec = plan.spec;
    const region = args.region ?? (node instanceof VirtualNode ? node.location : undefined);
    // Checked now, so a bad price table fails the constructor, not a later apply.
    estimateBurstCost({ context, group: plan.group, completions: Number(spec.completions), parallelism: Number(spec.parallelism), priority: plan.priority, priceTable: args.priceTable, podSeconds: args.estimatedPodSeconds });
    this.costEstimate = pulumi.output(region).apply((r: string | undefined) =>
      estimateBurstCost({ context, group: plan.group, completions: Number(spec.completions), parallelism: Number(spec.parallelism), priority: plan.priority, region: r, priceTable: args.priceTable, podSeconds: args.estimatedPodSeconds }),
    );
    this.registerOutputs({ jobName: this.jobName, namespace: this.namespace, costEstimate: this.costEstimate });
  }
}
