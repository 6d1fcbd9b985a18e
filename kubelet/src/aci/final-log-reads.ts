/**
 * A finished pod's logs, on both sides of its group's deletion: read from ACI just before the group
 * goes (`readFinalLogs`), served from the store afterwards (`servedFinalLog`) with the kubelet's
 * options applied as on a live read. When nothing is kept, the answer says why, plainly.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { LogsGoneError, NotFoundError } from "../errors";
import type { LogOptions } from "../provider/provider";
import type { FinalLogStore } from "./final-logs";
import { parseStampedLines, renderLines, selectLines, sinceNs, truncateUtf8 } from "./logs";

/** Every container of the pod that may have logged: its init containers and its containers. */
export function loggingContainers(pod: V1Pod): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
}

/**
 * Reads each container's whole log with timestamps; a container ACI has no log for (it never
 * started, or the group is already gone) is kept as unavailable, with the reason.
 */
export async function readFinalLogs(read: (container: string) => Promise<string>, pod: V1Pod): Promise<Map<string, string | { unavailable: string }>> {
  const logs = new Map<string, string | { unavailable: string }>();
  for (const container of loggingContainers(pod)) {
    try {
      logs.set(container, await read(container));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      logs.set(container, { unavailable: "Azure Container Instances had no log for it when its container group was deleted" });
    }
  }
  return logs;
}

/**
 * The kept log of a finished container with the request's options applied (timestamps, tail,
 * since, limitBytes), or a `LogsGoneError` saying plainly why there is none. `flag` names the
 * setting that bounds the store, for the eviction message.
 */
export function servedFinalLog(store: FinalLogStore, pod: V1Pod, container: string, options: LogOptions, now: number, flag: string): string {
  const log = store.get(pod.metadata?.uid ?? "", container);
  const what = `the final log of container "${container}" in pod "${pod.metadata?.name ?? ""}"`;
  switch (log.kind) {
    case "kept": {
      const lines = selectLines(parseStampedLines(log.raw), sinceNs(options, now), options.tailLines);
      const text = renderLines(lines, !!options.timestamps);
      return options.limitBytes === undefined ? text : truncateUtf8(text, options.limitBytes);
    }
    case "unavailable":
      throw new LogsGoneError(`${what} was not kept: ${log.reason}`);
    case "evicted":
      throw new LogsGoneError(`${what} was evicted from burstlet's memory at ${new Date(log.evictedAt).toISOString()} to make room for newer pods' logs (${flag}); its container group was deleted when the pod finished`);
    case "unknown":
      throw new LogsGoneError(`${what} is no longer available: its container group was deleted when the pod finished, and burstlet keeps final logs in memory only (it has restarted since, or another replica kept them)`);
  }
}
