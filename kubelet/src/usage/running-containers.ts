import type { V1Pod } from "@kubernetes/client-node";

/** Pods that are running on the node now (phase Running, started): the ones the kubelet reports on. */
export function runningPods(pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter((p) => p.status?.phase === "Running" && !!p.status.startTime);
}

/** A pod's running containers with their start times (from its status). */
export function runningContainers(pod: V1Pod): Array<{ name: string; startedAt: Date }> {
  return (pod.status?.containerStatuses ?? []).flatMap((s) => {
    const at = s.state?.running?.startedAt;
    const d = at === undefined ? undefined : new Date(at);
    return d && !Number.isNaN(d.getTime()) ? [{ name: s.name, startedAt: d }] : [];
  });
}
