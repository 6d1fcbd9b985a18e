/**
 * Pod-level features a container group cannot provide. Container-level checks live with containers;
 * limits of size and count (cores, memory, containers, volumes, ports) are admission's (`admission.ts`).
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { Problems } from "./problems";

const OS_LABEL = "kubernetes.io/os";

export function checkPodLevel(pod: V1Pod, problems: Problems): void {
  const spec = pod.spec;
  if (!spec || spec.containers.length === 0) {
    problems.unsupportedAt("spec.containers", "a pod needs at least one container");
    return;
  }
  for (const host of ["hostNetwork", "hostPID", "hostIPC"] as const) {
    if (spec[host]) problems.unsupportedAt(`spec.${host}`, `a virtual node has no host to share; remove ${host}`);
  }
  if (spec.nodeSelector?.[OS_LABEL] === "windows") {
    problems.unsupportedAt(`spec.nodeSelector.${OS_LABEL}`, "this virtual node runs Linux containers only; remove the windows node selector");
  }
  if (spec.os?.name === "windows") {
    problems.unsupportedAt("spec.os.name", "this virtual node runs Linux containers only");
  }
  if ((spec.hostAliases ?? []).length > 0) {
    problems.unsupportedAt("spec.hostAliases", "ACI cannot edit /etc/hosts; use DNS names instead");
  }
  if ((spec.securityContext?.sysctls ?? []).length > 0) {
    problems.unsupportedAt("spec.securityContext.sysctls", "ACI does not allow setting sysctls; remove them");
  }
}
