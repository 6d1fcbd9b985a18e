/**
 * How the rules find burstlet and burst workloads among a stack's Kubernetes objects: burstlet's
 * configuration, its service accounts, pod templates, tolerations and the nodes they target.
 */
import { HOSTNAME_LABEL } from "../components/placement";
import { SETTINGS } from "../kubelet/src/settings";
import { VIRTUAL_NODE_TAINT } from "../kubelet/src/constants";
import { arrayAt, get, kindOf, stringAt, type StackResource } from "./model";

export interface BurstletConfig {
  readonly resource: StackResource;
  readonly data: Readonly<Record<string, unknown>>;
}

/** ConfigMaps that configure a burstlet (they name its node and cluster). */
export function burstletConfigs(resources: readonly StackResource[]): BurstletConfig[] {
  return resources
    .filter((r) => kindOf(r) === "ConfigMap")
    .map((r) => ({ resource: r, data: (get(r.props, "data") ?? {}) as Record<string, unknown> }))
    .filter((c) => SETTINGS.nodeName[1] in c.data && SETTINGS.clusterName[1] in c.data);
}

/** `namespace/name` of the service accounts burstlet Deployments run as. */
export function burstletServiceAccounts(resources: readonly StackResource[]): Set<string> {
  const accounts = new Set<string>();
  for (const r of resources) {
    if (kindOf(r) !== "Deployment" || stringAt(r.props, "metadata", "labels", "app.kubernetes.io/name") !== "burstlet") continue;
    const namespace = stringAt(r.props, "metadata", "namespace") ?? "default";
    accounts.add(`${namespace}/${stringAt(r.props, "spec", "template", "spec", "serviceAccountName") ?? "default"}`);
  }
  return accounts;
}

/** The pod spec of a workload of any kind, or `undefined` for other objects. */
export function podSpecOf(resource: StackResource): Record<string, unknown> | undefined {
  const paths: Record<string, string[]> = {
    Pod: ["spec"],
    Job: ["spec", "template", "spec"],
    Deployment: ["spec", "template", "spec"],
    StatefulSet: ["spec", "template", "spec"],
    DaemonSet: ["spec", "template", "spec"],
    ReplicaSet: ["spec", "template", "spec"],
    CronJob: ["spec", "jobTemplate", "spec", "template", "spec"],
  };
  const path = paths[kindOf(resource) ?? ""];
  const spec = path ? get(resource.props, ...path) : undefined;
  return spec !== null && typeof spec === "object" ? (spec as Record<string, unknown>) : undefined;
}

/** The taint keys of virtual nodes in the stack: burstlet's configured taints and the default. */
function virtualNodeTaintKeys(resources: readonly StackResource[]): Set<string> {
  const keys = new Set<string>([VIRTUAL_NODE_TAINT.key]);
  for (const config of burstletConfigs(resources)) {
    const taint = config.data[SETTINGS.taint[1]];
    if (typeof taint === "string" && taint !== "none") keys.add(taint.split("=")[0]);
  }
  return keys;
}

export function toleratesVirtualNode(spec: Record<string, unknown>, resources: readonly StackResource[]): boolean {
  const keys = virtualNodeTaintKeys(resources);
  return arrayAt(spec, "tolerations").some((t) => {
    const key = get(t, "key");
    return (key === undefined || key === "") && get(t, "operator") === "Exists" ? true : typeof key === "string" && keys.has(key);
  });
}

/** Node names a pod spec pins itself to (hostname selector or required affinity). */
export function targetedNodes(spec: Record<string, unknown>): string[] {
  const nodes = new Set<string>();
  const selected = get(spec, "nodeSelector", HOSTNAME_LABEL);
  if (typeof selected === "string") nodes.add(selected);
  if (typeof get(spec, "nodeName") === "string") nodes.add(get(spec, "nodeName") as string);
  for (const term of arrayAt(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")) {
    for (const expression of arrayAt(term, "matchExpressions")) {
      if (get(expression, "key") === HOSTNAME_LABEL && get(expression, "operator") === "In") {
        for (const value of arrayAt(expression, "values")) if (typeof value === "string") nodes.add(value);
      }
    }
  }
  return [...nodes];
}
