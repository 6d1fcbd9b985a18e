/**
 * What one read of a pod's container group tells the status tracker: the pod's status, the group's
 * Events, and for a pod that finished its billed compute. Pure.
 */
import type { ContainerGroup } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { type BilledUsage, groupBilling } from "./billing";
import { eventsFromGroup } from "./events";
import { podStatusFromGroup } from "./status";
import type { TrackedRead } from "./status-tracker-options";

export function trackedRead(pod: V1Pod, group: ContainerGroup, hostIP: string, now: Date): { read: TrackedRead; billing?: BilledUsage } {
  const status = podStatusFromGroup({ pod, group, hostIP, previous: pod.status, now });
  const records = eventsFromGroup(group);
  const billing = status.phase === "Succeeded" || status.phase === "Failed" ? groupBilling(group) : undefined;
  const read: TrackedRead = {
    namespace: pod.metadata!.namespace!,
    name: pod.metadata!.name!,
    uid: pod.metadata!.uid!,
    status,
    ...(billing ? { billed: { vcpuSeconds: billing.vcpuSeconds, gbSeconds: billing.gbSeconds } } : {}),
    events: records.map((r) => ({ reason: r.reason, message: r.container ? `${r.container}: ${r.message}` : r.message, type: r.type, count: r.count, firstTimestamp: r.firstTimestamp, lastTimestamp: r.lastTimestamp })),
    eventKeys: records.map((r) => `${r.key}#${r.count}`),
  };
  return { read, billing };
}
