/**
 * What the VirtualNode component declares, as pure functions: burstlet's labels, its RBAC rules
 * (least privilege, scoped to its own node and lease by name where Kubernetes allows it) and the
 * environment of its Deployment. Variable names come from the kubelet's `SETTINGS`, so a renamed
 * setting breaks the build instead of a deployment.
 */
import type * as pulumi from "@pulumi/pulumi";
import { SETTINGS, type LogLevel, type Taint } from "../kubelet/src/config";

/** Labels on every object of a virtual node; `instance` is the node name. */
export function burstletLabels(nodeName: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "burstlet",
    "app.kubernetes.io/component": "virtual-kubelet",
    "app.kubernetes.io/instance": nodeName,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The pod label the workload identity webhook looks for. */
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
/** Service account annotations the workload identity webhook reads. */
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";

/** Where the node's heartbeat Lease lives. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/**
 * Cluster-wide rules: its own Node (create, then only that name), pods bound to it (pods of every
 * namespace, since Kubernetes cannot scope by `spec.nodeName`), events, `get` on the secrets and
 * config maps its pods reference (never list or watch: burstlet cannot read every secret in bulk),
 * and the reviews that authenticate and authorise callers of its kubelet API.
 */
export function burstletClusterRules(nodeName: string): PolicyRule[] {
  return [
    { apiGroups: [""], resources: ["nodes"], verbs: ["create", "list", "watch"] },
    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "update", "patch"], resourceNames: [nodeName] },
    { apiGroups: [""], resources: ["nodes/status"], verbs: ["get", "update", "patch"], resourceNames: [nodeName] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
    { apiGroups: [""], resources: ["pods/status"], verbs: ["get", "update", "patch"] },
    { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "update", "patch"] },
    { apiGroups: [""], resources: ["secrets", "configmaps"], verbs: ["get"] },
    { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
    { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
  ];
}

/** Rules in `kube-node-lease`: create the node's Lease, then renew only that one. */
export function burstletLeaseRules(nodeName: string): PolicyRule[] {
  return [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update", "patch"], resourceNames: [nodeName] },
  ];
}

/** `key=value:effect`, or `none`: the form of the `taint` setting. */
export function formatTaint(taint: Taint | undefined): string {
  return taint ? `${taint.key}=${taint.value}:${taint.effect}` : "none";
}

export interface BurstletSettings {
  readonly nodeName: string;
  readonly clusterName: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subnetId?: pulumi.Input<string>;
  readonly clusterDnsIp?: pulumi.Input<string>;
  readonly pullIdentityId?: pulumi.Input<string>;
  readonly taint?: Taint;
  readonly capacity?: { readonly cpu?: number; readonly memoryGiB?: number; readonly pods?: number };
  readonly logLevel?: LogLevel;
}

/**
 * The configuration data (variable → value) the Deployment reads with `envFrom`; unset optional
 * settings are left out, so the kubelet's own defaults apply.
 */
export function burstletConfigData(s: BurstletSettings): Record<string, pulumi.Input<string>> {
  const data: Record<string, pulumi.Input<string>> = {
    [SETTINGS.nodeName[1]]: s.nodeName,
    [SETTINGS.clusterName[1]]: s.clusterName,
    [SETTINGS.subscriptionId[1]]: s.subscriptionId,
    [SETTINGS.resourceGroup[1]]: s.resourceGroupName,
    [SETTINGS.location[1]]: s.location,
    [SETTINGS.taint[1]]: formatTaint(s.taint),
  };
  const optional: [keyof typeof SETTINGS, pulumi.Input<string> | number | undefined][] = [
    ["subnetId", s.subnetId],
    ["clusterDnsIp", s.clusterDnsIp],
    ["pullIdentityId", s.pullIdentityId],
    ["cpu", s.capacity?.cpu],
    ["memory", s.capacity?.memoryGiB],
    ["pods", s.capacity?.pods],
    ["logLevel", s.logLevel],
  ];
  for (const [name, value] of optional) {
    if (value !== undefined) data[SETTINGS[name][1]] = typeof value === "number" ? String(value) : value;
  }
  return data;
}

/** Variables read from the pod itself rather than the configuration. */
export function burstletPodEnv(): { name: string; valueFrom: { fieldRef: { fieldPath: string } } }[] {
  return [{ name: SETTINGS.nodeAddress[1], valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }];
}

/** Where a projected service account token is mounted when the webhook does not inject it. */
export const FEDERATED_TOKEN_DIR = "/var/run/secrets/azure/tokens";
export const FEDERATED_TOKEN_FILE = `${FEDERATED_TOKEN_DIR}/azure-identity-token`;
export const AZURE_AUTHORITY_HOST = "https://login.microsoftonline.com/";
