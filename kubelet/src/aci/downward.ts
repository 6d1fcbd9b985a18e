/**
 * The downward API (pod fields and container resources exposed to the container) as far as it is
 * known before the container group exists. Shared by environment variables and volumes.
 */
import type { V1ObjectFieldSelector, V1Pod, V1ResourceFieldSelector } from "@kubernetes/client-node";
import type { ResourceRequirements } from "@azure/arm-containerinstance";
import { parseQuantity } from "./quantity";

/** A downward API value: known, unknowable at creation time (with why), or not supported at all. */
export type DownwardValue =
  | { readonly kind: "value"; readonly value: string }
  | { readonly kind: "unknown"; readonly reason: string }
  | { readonly kind: "unsupported"; readonly reason: string };

const known = (value: string): DownwardValue => ({ kind: "value", value });

/** Fields ACI assigns only after the group is created; an environment variable cannot wait for them. */
const ASSIGNED_LATER: Readonly<Record<string, string>> = {
  "status.podIP": "the pod IP is assigned by ACI after the container group is created",
  "status.podIPs": "the pod IPs are assigned by ACI after the container group is created",
  "status.hostIP": "a virtual node has no host IP inside the container group",
  "status.hostIPs": "a virtual node has no host IPs inside the container group",
};

/** `metadata.labels['app']` → the label's key. */
const MAP_ENTRY = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/**
 * The value of a `fieldRef`. `metadata.labels` and `metadata.annotations` as a whole are allowed
 * only in volumes (`wholeMaps`), formatted as the kubelet does: sorted `key="value"` lines.
 */
export function fieldRefValue(pod: V1Pod, nodeName: string, ref: V1ObjectFieldSelector, wholeMaps: boolean): DownwardValue {
  const path = ref.fieldPath;
  const meta = pod.metadata ?? {};
  switch (path) {
    case "metadata.name":
      return known(meta.name ?? "");
    case "metadata.namespace":
      return known(meta.namespace ?? "default");
    case "metadata.uid":
      return known(meta.uid ?? "");
    case "spec.nodeName":
      return known(pod.spec?.nodeName ?? nodeName);
    case "spec.serviceAccountName":
      return known(pod.spec?.serviceAccountName ?? "default");
    case "metadata.labels":
    case "metadata.annotations":
      if (!wholeMaps) return { kind: "unsupported", reason: `${path} is only allowed in downwardAPI volumes; select one key with ${path}['key']` };
      return known(formatMap(path === "metadata.labels" ? meta.labels : meta.annotations));
  }
  const entry = MAP_ENTRY.exec(path);
  if (entry) {
    const map = entry[1] === "labels" ? meta.labels : meta.annotations;
    return known(map?.[entry[2]] ?? "");
  }
  const later = ASSIGNED_LATER[path];
  if (later) return { kind: "unknown", reason: later };
  return { kind: "unsupported", reason: `field path "${path}" is not supported by the downward API on ACI` };
}

/**
 * The value of a `resourceFieldRef` from what the container gets on ACI (a limit defaults to the
 * request, since the container can use no more). CPU is rounded up to whole divisors, as the
 * kubelet does; memory is in bytes divided by the divisor.
 */
export function resourceFieldValue(resources: ResourceRequirements | undefined, ref: V1ResourceFieldSelector): DownwardValue {
  if (!resources) {
    return { kind: "unsupported", reason: `no resources are known for container "${ref.containerName ?? ""}": ACI gives init containers none of their own; set containerName to a container of spec.containers` };
  }
  const divisor = parseQuantity(ref.divisor ?? "1");
  if (divisor === undefined || divisor <= 0) return { kind: "unsupported", reason: `divisor "${ref.divisor}" is not a positive quantity` };
  const { requests, limits } = resources;
  switch (ref.resource) {
    case "requests.cpu":
      return known(String(Math.ceil(requests.cpu / divisor - 1e-9)));
    case "limits.cpu":
      return known(String(Math.ceil((limits?.cpu ?? requests.cpu) / divisor - 1e-9)));
    case "requests.memory":
      return known(String(Math.ceil((requests.memoryInGB * 1e9) / divisor - 1e-9)));
    case "limits.memory":
      return known(String(Math.ceil(((limits?.memoryInGB ?? requests.memoryInGB) * 1e9) / divisor - 1e-9)));
    default:
      return { kind: "unsupported", reason: `resource "${ref.resource}" is not offered by ACI (only cpu and memory)` };
  }
}

function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(map?.[k] ?? "")}`)
    .join("\n");
}
