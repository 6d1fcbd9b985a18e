/**
 * Where a burst workload's pods may run. `virtual` pins them to the virtual node; `overflow` lets
 * the scheduler prefer ordinary nodes and spill onto the virtual node when they are full. Pure, so
 * the scheduling contract is tested without a cluster and reused by every component.
 */
import type { Taint } from "../kubelet/src/config";
import { REGION_LABEL, VIRTUAL_NODE_TYPE_LABEL, ZONE_LABEL } from "../kubelet/src/constants";

/** `virtual`: only the virtual node; `overflow`: ordinary nodes first, spilling onto the virtual node. */
export const PlacementMode = { virtual: "virtual", overflow: "overflow" } as const;
export type PlacementMode = (typeof PlacementMode)[keyof typeof PlacementMode];

export const PLACEMENT_MODES: readonly PlacementMode[] = ["virtual", "overflow"];

export const HOSTNAME_LABEL = "kubernetes.io/hostname";
export const OS_LABEL = "kubernetes.io/os";

export interface Toleration {
  readonly key: string;
  readonly operator: "Equal" | "Exists";
  readonly value?: string;
  readonly effect: string;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values?: readonly string[];
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: {
    readonly nodeSelectorTerms: readonly { readonly matchExpressions: readonly NodeSelectorRequirement[] }[];
  };
  readonly preferredDuringSchedulingIgnoredDuringExecution?: readonly {
    readonly weight: number;
    readonly preference: { readonly matchExpressions: readonly NodeSelectorRequirement[] };
  }[];
}

/** What a pod spec needs to land where the mode says. Spread it into a pod spec as is. */
export interface Placement {
  readonly tolerations: readonly Toleration[];
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly affinity?: { readonly nodeAffinity: NodeAffinity };
}

export interface VirtualNodeTarget {
  readonly name: string;
  /** Every node's name, for a virtual node of several placements (zones, regions). @default [name] */
  readonly nodes?: string[];
  /** The node's taint; `undefined` when the node is not tainted. */
  readonly taint?: Taint;
}

/** The toleration that matches a taint exactly (key, value and effect). */
export function tolerationFor(taint: Taint): Toleration {
  return { key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect };
}

export function placementFor(mode: PlacementMode, node: VirtualNodeTarget): Placement {
  const tolerations = node.taint ? [tolerationFor(node.taint)] : [];
  const notVirtual: NodeSelectorRequirement = { key: VIRTUAL_NODE_TYPE_LABEL.key, operator: "NotIn", values: [VIRTUAL_NODE_TYPE_LABEL.value] };
  const linux: NodeSelectorRequirement = { key: OS_LABEL, operator: "In", values: ["linux"] };
  const names = node.nodes && node.nodes.length > 0 ? node.nodes : [node.name];
  if (mode === "virtual" && names.length > 1) {
    return {
      tolerations,
      nodeSelector: { [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [...names] }] }] } } },
    };
  }
  if (mode === "virtual") {
    return {
      tolerations,
      nodeSelector: { [VIRTUAL_NODE_TYPE_LABEL.key]: VIRTUAL_NODE_TYPE_LABEL.value, [HOSTNAME_LABEL]: node.name },
    };
  }
  return {
    tolerations,
    affinity: {
      nodeAffinity: {
        // Ordinary Linux nodes, or this virtual node (terms are ORed); never another virtual node.
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [notVirtual, linux] },
            { matchExpressions: [{ key: HOSTNAME_LABEL, operator: "In", values: [...names] }] },
          ],
        },
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [notVirtual] } }],
      },
    },
  };
}

export const WhenUnsatisfiable = { DoNotSchedule: "DoNotSchedule", ScheduleAnyway: "ScheduleAnyway" } as const;
export type WhenUnsatisfiable = (typeof WhenUnsatisfiable)[keyof typeof WhenUnsatisfiable];
/** Whether a spread counts nodes the pod's affinity or tolerations leave out (`nodeAffinityPolicy`, `nodeTaintsPolicy`). */
export const NodeInclusionPolicy = { Honor: "Honor", Ignore: "Ignore" } as const;
export type NodeInclusionPolicy = (typeof NodeInclusionPolicy)[keyof typeof NodeInclusionPolicy];

export interface SpreadLabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}

export interface TopologySpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly whenUnsatisfiable: WhenUnsatisfiable;
  readonly labelSelector?: SpreadLabelSelector;
  readonly minDomains?: number;
  readonly matchLabelKeys?: string[];
  /** `Honor`: a tainted node (a NotReady virtual node) is not a domain the skew is counted against. */
  readonly nodeTaintsPolicy?: NodeInclusionPolicy;
}

/**
 * A hard spread of the pods `matchLabels` selects across the virtual nodes' zones
 * (`topology.kubernetes.io/zone`), each zone within `maxSkew` pods of the others. Tainted nodes are
 * left out (`nodeTaintsPolicy: Honor`): a zone whose node is NotReady is tainted by the node
 * lifecycle controller, and counting it would hold every other zone at `maxSkew` pods.
 */
export function zoneSpread(matchLabels: Readonly<Record<string, string>>, maxSkew = 1): TopologySpreadConstraint {
  return { maxSkew, topologyKey: ZONE_LABEL, whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels }, nodeTaintsPolicy: "Honor" };
}

/**
 * The virtual node is one node with no zone: a hard (`DoNotSchedule`) spread constraint would treat
 * it as a single failure domain and cap a burst at `maxSkew` above the smallest ordinary domain, or
 * exclude it outright when it lacks the topology key. Hard constraints become `ScheduleAnyway`
 * (still spreading across ordinary nodes, never blocking the burst); `minDomains` only applies to
 * hard constraints and is dropped. Returns the constraints and a warning per change.
 */
export function relaxSpreadConstraints(constraints: readonly TopologySpreadConstraint[]): {
  constraints: TopologySpreadConstraint[];
  warnings: string[];
} {
  const warnings: string[] = [];
  const relaxed = constraints.map((c, i): TopologySpreadConstraint => {
    if (c.whenUnsatisfiable !== "DoNotSchedule") return c;
    warnings.push(
      `topologySpreadConstraints[${i}] (${c.topologyKey}) relaxed from DoNotSchedule to ScheduleAnyway: the virtual node is not a failure domain and must not cap the burst`,
    );
    return {
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      whenUnsatisfiable: "ScheduleAnyway",
      labelSelector: c.labelSelector,
      matchLabelKeys: c.matchLabelKeys,
    };
  });
  return { constraints: relaxed, warnings };
}

/**
 * `overflow` over virtual nodes in several regions: ordinary Linux nodes first (weight 100), then
 * the virtual nodes of `homeRegion` (weight 50), then those of other regions; a full node (its pod
 * capacity is its share of the region's ACI quota) is filtered out, so a burst that outgrows the
 * home region's quota spills into the next. Every virtual node's taint is tolerated (`taints`, one
 * per distinct taint). Zone spread, if wanted, is added beside it (`zoneSpread`).
 */
export function regionalOverflowPlacement(homeRegion: string, taints: readonly Taint[]): Placement {
  const notVirtual: NodeSelectorRequirement = { key: VIRTUAL_NODE_TYPE_LABEL.key, operator: "NotIn", values: [VIRTUAL_NODE_TYPE_LABEL.value] };
  const virtual: NodeSelectorRequirement = { key: VIRTUAL_NODE_TYPE_LABEL.key, operator: "In", values: [VIRTUAL_NODE_TYPE_LABEL.value] };
  const linux: NodeSelectorRequirement = { key: OS_LABEL, operator: "In", values: ["linux"] };
  const seen = new Set<string>();
  const tolerations = taints.filter((t) => !seen.has(`${t.key}=${t.value}:${t.effect}`) && seen.add(`${t.key}=${t.value}:${t.effect}`)).map(tolerationFor);
  return {
    tolerations,
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [notVirtual, linux] }, { matchExpressions: [virtual] }] },
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 100, preference: { matchExpressions: [notVirtual] } },
          { weight: 50, preference: { matchExpressions: [virtual, { key: REGION_LABEL, operator: "In", values: [homeRegion] }] } },
        ],
      },
    },
  };
}
