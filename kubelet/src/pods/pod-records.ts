/**
 * One record per pod UID: what the controller knows of a pod, from the first time it sees the pod
 * (or its orphaned backing) until both the pod object and its backing are gone. It replaces
 * parallel sets of UIDs: everything about one pod is in one place, and nothing outlives it.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { StatusNotice } from "../aci/status-tracker";
import type { BackendPod } from "../provider/provider";
import { canonicalJson } from "../util/canonical";
import { PullBackoff } from "./pod-states";

/**
 * Where the pod's backing is, as far as this process knows:
 * - `creating`: not created (or adopted) by this process yet; it may exist from before (a create adopts it);
 * - `running`: created or adopted; the provider follows it;
 * - `deleting`: a deletion has started (and may be retried);
 * - `gone`: confirmed gone.
 */
export type Backing = "creating" | "running" | "deleting" | "gone";

export interface PodRecord extends BackendPod {
  backing: Backing;
  /** Creates that failed in a row. */
  attempts: number;
  /** Whether the pod object is in the informer's cache. */
  present: boolean;
  /** The pod as last seen, without its status: an update that changes only status is no work. */
  shape: string;
  /** The pod finished: its backing goes with its final logs kept, while the pod object stays. */
  finished: boolean;
  /** The backend limit this pod's create waits for now (a create window or a quota), if any. */
  waitsFor?: string;
  /** The latest status the provider observed and the controller has not written yet, with its Events. */
  pending?: StatusNotice;
  readonly pulls: PullBackoff;
  /** A create in flight: a deletion waits for it, so the two never overlap for one pod. */
  creating?: Promise<unknown>;
}

export function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The key of a pod's deletion: `namespace/name/uid` (none of the three may contain a slash). */
export function deletionKey(pod: BackendPod): string {
  return `${pod.namespace}/${pod.name}/${pod.uid}`;
}

export function splitDeletionKey(key: string): BackendPod {
  const [namespace, name, uid] = key.split("/");
  return { namespace, name, uid };
}

/** What of a pod other than its status calls for reconciling. */
function shapeOf(pod: V1Pod): string {
  const m = pod.metadata ?? {};
  return canonicalJson({ spec: pod.spec, deletionTimestamp: m.deletionTimestamp, labels: m.labels, annotations: m.annotations });
}

export class PodRecords {
  private readonly byUid = new Map<string, PodRecord>();
  private readonly uidByKey = new Map<string, string>();

  constructor(private readonly pullBackoff: () => PullBackoff) {}

  /**
   * Records a pod as the cache has it now. `changed`: something other than its status changed since
   * last seen (or it is new). `replaced`: the record of an older pod that had the same name.
   */
  see(pod: V1Pod): { record: PodRecord; changed: boolean; replaced?: PodRecord } {
    const namespace = pod.metadata!.namespace!;
    const name = pod.metadata!.name!;
    const uid = pod.metadata!.uid!;
    const key = podKey(namespace, name);
    const before = this.uidByKey.get(key);
    const replaced = before !== undefined && before !== uid ? this.byUid.get(before) : undefined;
    if (replaced) replaced.present = false;
    this.uidByKey.set(key, uid);
    const shape = shapeOf(pod);
    const record = this.byUid.get(uid);
    if (record) {
      const changed = record.shape !== shape || !record.present;
      record.shape = shape;
      record.present = true;
      return { record, changed, replaced };
    }
    const created: PodRecord = { namespace, name, uid, backing: "creating", attempts: 0, finished: false, present: true, shape, pulls: this.pullBackoff() };
    this.byUid.set(uid, created);
    return { record: created, changed: true, replaced };
  }

  /** Backing found without a pod (garbage): a record so that its deletion is tracked like any other. */
  orphan(backend: BackendPod): PodRecord {
    const existing = this.byUid.get(backend.uid);
    if (existing) return existing;
    const record: PodRecord = { ...backend, backing: "running", attempts: 0, finished: false, present: false, shape: "", pulls: this.pullBackoff() };
    this.byUid.set(backend.uid, record);
    return record;
  }

  get(uid: string): PodRecord | undefined {
    return this.byUid.get(uid);
  }

  /** The record of the pod that has this `namespace/name` now. */
  forKey(key: string): PodRecord | undefined {
    const uid = this.uidByKey.get(key);
    return uid === undefined ? undefined : this.byUid.get(uid);
  }

  /** The pod object left the cache. */
  vanished(uid: string): void {
    const record = this.byUid.get(uid);
    if (record) record.present = false;
  }

  /** Forgets a pod whose object and backing are both gone. */
  remove(uid: string): void {
    const record = this.byUid.get(uid);
    if (!record) return;
    this.byUid.delete(uid);
    const key = podKey(record.namespace, record.name);
    if (this.uidByKey.get(key) === uid) this.uidByKey.delete(key);
  }

  uids(): IterableIterator<string> {
    return this.byUid.keys();
  }

  get size(): number {
    return this.byUid.size;
  }

  /** Records by where their backing is (for metrics). */
  counts(): Record<Backing, number> {
    const counts: Record<Backing, number> = { creating: 0, running: 0, deleting: 0, gone: 0 };
    for (const r of this.byUid.values()) counts[r.backing]++;
    return counts;
  }
}
