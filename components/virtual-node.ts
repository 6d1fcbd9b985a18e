/**
 * VirtualNode: burstlet on any Kubernetes cluster reachable through a provider (AKS or not). A
 * namespace, a service account federated to burstlet's Azure identity, least-privilege RBAC, the
 * configuration, and burstlet's replicas (two by default, on different machines when they can be,
 * under a disruption budget): they elect a leader, which alone registers and runs the virtual node.
 * With `zones` or `regions`, one node per ACI placement (a region, or a zone of it), each with its
 * own configuration, Deployment, leader Lease and (optionally) resource group. Outputs what a
 * workload needs to land there: the nodes' names, their taint and ready-made placements.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import type { LogLevel, Taint } from "../kubelet/src/config";
import { DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT, DEFAULT_NODE_NAME, VIRTUAL_NODE_TAINT } from "../kubelet/src/constants";
import { InvalidInputError } from "../kubelet/src/errors";
import { deploymentAwaitAnnotations, type DeploymentAwait } from "./deployment-await";
import { placementFor, type Placement, type VirtualNodeTarget } from "./placement";
import { NODE_NAME_PATTERN, planPlacements, splitArmBudget, type VirtualNodePlacement, type VirtualNodeRegion } from "./virtual-node-placements";
import { declareBurstletRbac } from "./virtual-node-rbac";
import {
  burstletConfigData,
  burstletLabels,
  burstletPodEnv,
  burstletPodTemplateSpec,
  burstletSelector,
  burstletWorkloadIdentity,
  type BurstletSettings,
  type BurstletTuning,
  tuningProblem,
} from "./virtual-node-spec";

/** burstlet's Azure identity: a user-assigned identity federated to its service account. */
export interface AzureIdentity {
  readonly clientId: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
}

/** What the virtual node advertises, per region: each zone's node offers an even share of it. */
export interface BurstCapacity {
  /** Pods on the virtual node at once (ACI subnet addresses). @default 100 */
  readonly pods?: number;
  /** Cores the virtual node advertises. @default the region's ACI quota */
  readonly cpu?: number;
  /** Memory the virtual node advertises, in GiB. @default derived from the quota */
  readonly memoryGiB?: number;
}

/** Requests and limits of burstlet's own container (`cpu`, `memory`). */
export interface ContainerResources {
  readonly requests?: Record<string, string>;
  readonly limits?: Record<string, string>;
}

export interface VirtualNodeArgs {
  /** The cluster. @default the ambient provider */
  readonly provider?: k8s.Provider;
  /** The burstlet image (e.g. `KubeletImage.imageRef`). */
  readonly image: pulumi.Input<string>;
  /**
   * Name of the virtual node (a plain DNS subdomain); with several placements, each node is
   * `<nodeName>-<location>[-<zone>]`, e.g. `burstlet-westeurope-1`.
   * @default "burstlet"
   */
  readonly nodeName?: string;
  /** @default "burstlet" */
  readonly namespace?: string;
  /** Create the namespace (with the `restricted` pod security level). @default true */
  readonly createNamespace?: boolean;
  /** @default "burstlet" */
  readonly serviceAccountName?: string;
  /** Written into container group tags, so two clusters never touch each other's groups. */
  readonly clusterName: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** The dedicated resource group where container groups are created. */
  readonly resourceGroupName: pulumi.Input<string>;
  /**
   * A resource group of its own per placement, by key (`westeurope-1`, `northeurope`): each node
   * then lists only its own container groups (ACI's list has no filter, so nodes sharing a resource
   * group each read all of theirs).
   * @default `resourceGroupName` for every node
   */
  readonly placementResourceGroups?: Record<string, pulumi.Input<string>>;
  /** Azure region of the container groups (a plain name when `zones` or `regions` is given). */
  readonly location: pulumi.Input<string>;
  /**
   * Availability zones of `location`, one node each, every container group pinned to its node's
   * zone; each node offers an even share of the region's ACI quota.
   * @default none: one node, ACI picks the zone
   */
  readonly zones?: string[];
  /** Regions besides `location`, one node each (or one per zone). @default none */
  readonly regions?: VirtualNodeRegion[];
  /** Subnet delegated to ACI in `location`: burst pods get private addresses in it. @default no VNet */
  readonly subnetId?: pulumi.Input<string>;
  /** Cluster DNS service IP, so burst pods resolve cluster names. @default none */
  readonly clusterDnsIp?: pulumi.Input<string>;
  /** User-assigned identity container groups pull private images with. @default none */
  readonly pullIdentityId?: pulumi.Input<string>;
  /** burstlet's Azure identity (e.g. from `BurstletIdentity`). */
  readonly identity: AzureIdentity;
  /**
   * Let the workload identity webhook inject the token (AKS with workload identity on). When
   * false, the Deployment projects the service account token itself, for clusters without it.
   * @default true
   */
  readonly workloadIdentityWebhook?: boolean;
  /** The node's taint. @default virtual-kubelet.io/provider=azure:NoSchedule */
  readonly taint?: Taint;
  /** Register the node without a taint, so any pod may land on it; exclusive with `taint`. @default false */
  readonly untainted?: boolean;
  /** What the node advertises. @default the region's ACI quota */
  readonly capacity?: BurstCapacity;
  /**
   * burstlet's replicas. They elect a leader on a Lease; the others wait and take over within
   * 12 s of the leader's end (at once on a graceful stop). With two or more, a disruption budget
   * keeps one running through drains.
   * @default 2
   */
  readonly replicas?: number;
  /** burstlet's own resources. @default requests 100m / 128Mi, limit 512Mi */
  readonly resources?: ContainerResources;
  /** An existing priority class; @default one is created so burstlet is not preempted by workloads */
  readonly priorityClassName?: string;
  /**
   * ARM budgets, status freshness and API server write rate. The ARM budgets and the cap on
   * steady status reads are the virtual node's as a whole: its nodes share one identity and ARM's
   * limits are per principal, so each of N nodes gets 1/N of them.
   * @default the kubelet's defaults
   */
  readonly tuning?: BurstletTuning;
  /** @default "info" */
  readonly logLevel?: LogLevel;
  /**
   * How `pulumi up` waits for burstlet's Deployment to be available: `{ skip: true }` returns once
   * it is accepted; `timeoutSeconds` bounds the wait.
   * @default { timeoutSeconds: 300 }
   */
  readonly deploymentAwait?: DeploymentAwait;
}

export class VirtualNode extends pulumi.ComponentResource {
  /** The (first) node's name, resolved once its burstlet Deployment is available. */
  readonly nodeName: pulumi.Output<string>;
  /** Every node's name, one per placement, resolved once every Deployment is available. */
  readonly nodeNames: pulumi.Output<string[]>;
  /** The (first) node's name as a plain value (`nodeName` resolves once the Deployment is available). */
  readonly name: string;
  /** The nodes' taint (`undefined` when untainted). */
  readonly taint: Taint | undefined;
  /** Names and taint, for `BurstJob` and `placementFor`. */
  get target(): VirtualNodeTarget {
    return NAMES.get(this)!.length === 1 ? { name: this.name, taint: this.taint } : { name: this.name, nodes: [...NAMES.get(this)!], taint: this.taint };
  }
  /** Pod spec fragments: `virtual` only runs on these nodes; `overflow` prefers ordinary nodes. */
  get placement(): { readonly virtual: Placement; readonly overflow: Placement } {
    return { virtual: placementFor("virtual", this.target), overflow: placementFor("overflow", this.target) };
  }
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** The region its container groups go to (`location`). */
  readonly location: pulumi.Output<string>;

  constructor(name: string, args: VirtualNodeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:VirtualNode", name, {}, opts);
    const field = (f: string): string => `VirtualNode "${name}": ${f}`;
    const nodeName = args.nodeName ?? DEFAULT_NODE_NAME;
    this.location = pulumi.output(args.location);
    if (!NODE_NAME_PATTERN.test(nodeName)) {
      throw new InvalidInputError(field("nodeName"), `must be a DNS name of at most 63 characters (lowercase letters, digits, '-', '.'), got "${nodeName}"`);
    }
    this.namespace = args.namespace ?? "burstlet";
    this.serviceAccountName = args.serviceAccountName ?? "burstlet";
    for (const [f, value] of [["namespace", this.namespace], ["serviceAccountName", this.serviceAccountName]] as const) {
      if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) throw new InvalidInputError(field(f), `must be a DNS label, got "${value}"`);
    }
    if (args.untainted === true && args.taint !== undefined) throw new InvalidInputError(field("untainted"), "set only one of `taint` or `untainted: true`");
    this.taint = args.untainted === true ? undefined : (args.taint ?? { ...VIRTUAL_NODE_TAINT });
    if (this.taint && (!this.taint.key || !["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(this.taint.effect))) {
      throw new InvalidInputError(field("taint"), `needs a key and an effect of NoSchedule, PreferNoSchedule or NoExecute, got ${JSON.stringify(this.taint)}`);
    }
    const replicas = args.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 1) throw new InvalidInputError(field("replicas"), `must be a whole number of at least 1, got ${JSON.stringify(args.replicas)}`);
    const tuningError = tuningProblem(args.tuning);
    if (tuningError) throw new InvalidInputError(field(tuningError.field), tuningError.message);
    const awaitAnnotations = deploymentAwaitAnnotations(args.deploymentAwait, field("deploymentAwait"));
    const placements = planPlacements({
      context: `VirtualNode "${name}"`,
      nodeName,
      location: args.location,
      zones: args.zones,
      subnetId: args.subnetId,
      regions: args.regions,
      capacity: args.capacity,
      placementResourceGroups: args.placementResourceGroups,
    });
    const child = { parent: this, provider: args.provider };
    const labels = burstletLabels(nodeName);
    const objectName = nodeName === DEFAULT_NODE_NAME ? DEFAULT_NODE_NAME : `burstlet-${nodeName}`;

    const namespace = args.createNamespace === false
      ? undefined
      : new k8s.core.v1.Namespace(`${name}-namespace`, {
          metadata: { name: this.namespace, labels: { ...labels, "pod-security.kubernetes.io/enforce": "restricted" } },
        }, child);
    const dependsOnNamespace = { ...child, dependsOn: namespace ? [namespace] : [] };
    const webhook = args.workloadIdentityWebhook ?? true;
    const identity = burstletWorkloadIdentity(args.identity, webhook);
    const serviceAccount = new k8s.core.v1.ServiceAccount(`${name}-sa`, {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels, annotations: identity.serviceAccountAnnotations },
    }, dependsOnNamespace);
    const rbac = declareBurstletRbac({ name, objectName, nodeNames: placements.map((p) => p.nodeName), namespace: this.namespace, serviceAccountName: this.serviceAccountName, labels }, dependsOnNamespace);

    const priorityClassName = args.priorityClassName ?? new k8s.scheduling.v1.PriorityClass(`${name}-priority`, {
      metadata: { name: objectName === DEFAULT_NODE_NAME ? "burstlet" : objectName, labels },
      value: 1_000_000,
      globalDefault: false,
      preemptionPolicy: "PreemptLowerPriority",
      description: "burstlet runs the virtual node: workloads must not preempt it",
    }, child).metadata.name;

    const tuning = splitArmBudget(args.tuning, placements.length);
    const deployments = placements.map((p) => {
      const single = placements.length === 1;
      return declarePlacement(single ? name : `${name}-${p.key}`, p, {
        args,
        tuning,
        objectName: single ? objectName : `${objectName}-${p.key}`,
        namespace: this.namespace,
        serviceAccountName: this.serviceAccountName,
        taint: this.taint,
        replicas,
        awaitAnnotations,
        priorityClassName,
        identity,
        dependsOn: [serviceAccount, ...rbac],
      }, child, dependsOnNamespace);
    });

    const names = placements.map((p) => p.nodeName);
    NAMES.set(this, names);
    this.nodeNames = pulumi.all(deployments.map((d) => d.metadata)).apply(() => [...names]);
    this.nodeName = deployments[0].metadata.apply(() => names[0]);
    this.name = names[0];
    this.registerOutputs({ nodeName: this.nodeName, nodeNames: this.nodeNames, namespace: this.namespace });
  }
}

/** Each node's name, behind `target`: the class's properties are its schema outputs. */
const NAMES = new WeakMap<VirtualNode, readonly string[]>();

interface PlacementShared {
  readonly args: VirtualNodeArgs;
  readonly tuning: BurstletTuning | undefined;
  readonly objectName: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly taint: Taint | undefined;
  readonly replicas: number;
  readonly awaitAnnotations: Record<string, string>;
  readonly priorityClassName: pulumi.Input<string>;
  readonly identity: ReturnType<typeof burstletWorkloadIdentity>;
  readonly dependsOn: pulumi.Resource[];
}

/** One node's configuration, Deployment and disruption budget; returns the Deployment. */
function declarePlacement(name: string, p: VirtualNodePlacement, s: PlacementShared, child: pulumi.CustomResourceOptions, dependsOnNamespace: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment {
  const { args, objectName } = s;
  const labels = burstletLabels(p.nodeName);
  const settings: BurstletSettings = {
    nodeName: p.nodeName,
    clusterName: args.clusterName,
    subscriptionId: args.subscriptionId,
    resourceGroupName: p.resourceGroupName ?? args.resourceGroupName,
    location: p.location,
    zone: p.zone,
    quotaShare: p.quotaShare,
    subnetId: p.subnetId,
    clusterDnsIp: args.clusterDnsIp,
    pullIdentityId: args.pullIdentityId,
    taint: s.taint,
    capacity: p.capacity,
    tuning: s.tuning,
    logLevel: args.logLevel,
    leaderElectionNamespace: s.namespace,
  };
  const data = burstletConfigData(settings);
  const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: { name: objectName, namespace: s.namespace, labels }, data }, dependsOnNamespace);
  const configHash = pulumi.output(data).apply((d) => createHash("sha256").update(JSON.stringify(Object.entries(d).sort())).digest("hex").slice(0, 16));

  const selector = burstletSelector(p.nodeName);
  const deployment = new k8s.apps.v1.Deployment(`${name}-deployment`, {
    metadata: { name: objectName, namespace: s.namespace, labels, annotations: s.awaitAnnotations },
    spec: {
      replicas: s.replicas,
      // Replicas elect a leader, so old and new may overlap: a new pod is ready (waiting to lead)
      // before an old one stops, and a stopping leader releases its lease to a waiting one.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: selector },
      template: burstletPodTemplateSpec({
        labels,
        configHash,
        configMapName: objectName,
        serviceAccountName: s.serviceAccountName,
        priorityClassName: s.priorityClassName,
        image: args.image,
        env: [...burstletPodEnv(), ...s.identity.env],
        identity: s.identity,
        resources: args.resources,
        kubeletPort: DEFAULT_KUBELET_PORT,
        metricsPort: DEFAULT_METRICS_PORT,
        selector,
      }),
    },
  }, { ...child, dependsOn: [config, ...s.dependsOn] });
  // With one replica a budget of one would block every drain; with more, one always stays to lead.
  if (s.replicas >= 2) {
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, {
      metadata: { name: objectName, namespace: s.namespace, labels },
      spec: { minAvailable: 1, selector: { matchLabels: selector } },
    }, dependsOnNamespace);
  }
  return deployment;
}
