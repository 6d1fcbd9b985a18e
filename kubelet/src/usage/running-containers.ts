import type { V1Pod } from "@kubernetes/client-node";

/** A pod's running containers with their start times (from its status). */
export function runningContainers(pod: V1Pod): Array<{ name: string; startedAt: Date }> {
  return (pod.status?.containerStatuses ?? []).flatMap((s) => {
    const at = s.state?.running?.startedAt;
    const d = at === undefined ? undefined : new Date(at);
    return d && !Number.isNaN(d.getTime()) ? [{ name: s.name, startedAt: d }] : [];
  });
}
