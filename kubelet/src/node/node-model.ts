/**
 * The virtual node as the API server and scheduler see it — a pure builder, so labels, taint,
 * capacity, conditions, addresses and endpoints are tested without I/O.
 */
import type { V1Node, V1NodeCondition, V1NodeStatus } from "@kubernetes/client-node";
import type { Taint } from "../config";
import { type Placement, topologyLabels, VIRTUAL_NODE_LABELS } from "../constants";
import { KUBELET_VERSION } from "../version";

export interface Capacity {
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly pods: number;
}

export interface Health {
  readonly healthy: boolean;
  /** CamelCase reason for the Ready condition, e.g. `ArmUnreachable`. */
  readonly reason: string;
  readonly message: string;
}

export interface NodeModelInput {
  readonly name: string;
  readonly taint?: Taint;
  readonly address: string;
  readonly kubeletPort: number;
  readonly capacity: Capacity;
  readonly health: Health;
  readonly os?: string;
  /** The region (and zone) the node's container groups are created in; labels it for the scheduler. */
  readonly placement?: Placement;
}

export function nodeLabels(name: string, placement?: Placement): Record<string, string> {
  return { ...VIRTUAL_NODE_LABELS, ...(placement ? topologyLabels(placement) : {}), "kubernetes.io/hostname": name };
}

/** The Node object burstlet registers. */
export function buildNode(input: NodeModelInput, now: Date): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: input.name, labels: nodeLabels(input.name, input.placement) },
    spec: { taints: input.taint ? [{ key: input.taint.key, value: input.taint.value, effect: input.taint.effect }] : [] },
    status: buildNodeStatus(input, now),
  };
}

/** The node's status; `previous` keeps transition times stable while a condition holds. */
export function buildNodeStatus(input: NodeModelInput, now: Date, previous?: V1NodeStatus): V1NodeStatus {
  const resources = {
    cpu: String(input.capacity.cpu),
    memory: `${input.capacity.memoryGiB}Gi`,
    pods: String(input.capacity.pods),
  };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: buildConditions(input.health, now, previous?.conditions),
    addresses: [
      { type: "InternalIP", address: input.address },
      { type: "Hostname", address: input.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: input.kubeletPort } },
    nodeInfo: {
      architecture: "amd64",
      operatingSystem: input.os ?? "linux",
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: "",
      bootID: "",
      containerRuntimeVersion: "aci://2023-05-01",
      kernelVersion: "",
      machineID: "",
      osImage: "Azure Container Instances",
      systemUUID: "",
    },
  };
}

function buildConditions(health: Health, now: Date, previous: readonly V1NodeCondition[] = []): V1NodeCondition[] {
  const condition = (type: string, status: "True" | "False", reason: string, message: string): V1NodeCondition => {
    const before = previous.find((c) => c.type === type);
    const transition = before && before.status === status && before.lastTransitionTime ? before.lastTransitionTime : now;
    return { type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: transition };
  };
  return [
    health.healthy
      ? condition("Ready", "True", "KubeletReady", "burstlet is ready: Azure Container Instances is reachable and credentials are valid")
      : condition("Ready", "False", health.reason, health.message),
    condition("MemoryPressure", "False", "KubeletHasSufficientMemory", "container groups get dedicated memory; the node has no shared pool"),
    condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "container groups get their own disk; the node has none to fill"),
    condition("PIDPressure", "False", "KubeletHasSufficientPID", "container groups get their own PID space"),
    condition("NetworkUnavailable", "False", "RouteCreated", "container groups are networked by Azure"),
  ];
}
