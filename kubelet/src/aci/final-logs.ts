/**
 * The final logs of finished pods, kept in memory after their container groups are deleted (so
 * that a finished Job's pods hold no ACI quota and still answer `kubectl logs`). Each container's
 * log is kept as ACI gave it, with timestamps, cut to its last `perContainerBytes` (ACI keeps at
 * most 4 MB of a container's log); all logs together stay within `totalBytes`, the oldest pod's
 * evicted first. Evicted pods are remembered (by UID, a bounded number of them), so a read can say
 * that its logs were evicted rather than that they were never kept.
 */
import { type Clock, realClock } from "../util/clock";

/** ACI's bound on a running container's log (container-instances-resource-and-quota-limits). */
export const ACI_LOG_BYTES = 4 * 1024 * 1024;
/** What burstlet keeps in all unless configured (`--final-logs-memory-mb`). */
export const DEFAULT_FINAL_LOGS_BYTES = 256 * 1024 * 1024;

/** What the store knows of one container's final log. */
export type FinalLog =
  | { readonly kind: "kept"; readonly raw: string; readonly keptAt: number; readonly truncated: boolean }
  /** The container's log could not be read before its group went (e.g. it was already gone). */
  | { readonly kind: "unavailable"; readonly reason: string }
  /** Kept, then evicted to make room for newer pods' logs. */
  | { readonly kind: "evicted"; readonly keptAt: number; readonly evictedAt: number }
  /** This process never kept it (it started after the group was deleted, or the pod never finished here). */
  | { readonly kind: "unknown" };

export interface FinalLogStoreOptions {
  /** @default DEFAULT_FINAL_LOGS_BYTES */
  readonly totalBytes?: number;
  /** @default ACI_LOG_BYTES */
  readonly perContainerBytes?: number;
  /** Evicted pods remembered, so reads can say they were evicted. @default 10_000 */
  readonly rememberEvicted?: number;
  readonly clock?: Clock;
}

interface Entry {
  readonly keptAt: number;
  readonly logs: Map<string, Extract<FinalLog, { kind: "kept" | "unavailable" }>>;
  bytes: number;
}

export class FinalLogStore {
  /** Pods by UID, oldest first (a Map keeps insertion order). */
  private readonly pods = new Map<string, Entry>();
  private readonly evictedPods = new Map<string, { keptAt: number; evictedAt: number }>();
  private readonly clock: Clock;
  readonly totalBytes: number;
  readonly perContainerBytes: number;
  private readonly rememberEvicted: number;
  /** Bytes held now. */
  bytes = 0;
  /** Pods whose logs were evicted since start (for metrics). */
  evictions = 0;

  constructor(options: FinalLogStoreOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.totalBytes = options.totalBytes ?? DEFAULT_FINAL_LOGS_BYTES;
    this.perContainerBytes = options.perContainerBytes ?? ACI_LOG_BYTES;
    this.rememberEvicted = options.rememberEvicted ?? 10_000;
    if (!(this.totalBytes >= 0) || !(this.perContainerBytes > 0)) throw new RangeError(`final log store needs totalBytes >= 0 and perContainerBytes > 0 (got ${this.totalBytes}, ${this.perContainerBytes})`);
  }

  /**
   * Keeps one pod's final logs (container → raw timestamped log, or the reason it could not be
   * read), replacing what was kept for it before; evicts the oldest pods until all fit.
   */
  keep(uid: string, logs: ReadonlyMap<string, string | { readonly unavailable: string }>): void {
    this.drop(uid);
    this.evictedPods.delete(uid);
    const keptAt = this.clock.now();
    const entry: Entry = { keptAt, logs: new Map(), bytes: 0 };
    for (const [container, log] of logs) {
      if (typeof log !== "string") {
        entry.logs.set(container, { kind: "unavailable", reason: log.unavailable });
        continue;
      }
      const { text, truncated } = lastBytes(log, this.perContainerBytes);
      entry.logs.set(container, { kind: "kept", raw: text, keptAt, truncated });
      entry.bytes += Buffer.byteLength(text);
    }
    this.pods.set(uid, entry);
    this.bytes += entry.bytes;
    for (const [oldest, e] of this.pods) {
      if (this.bytes <= this.totalBytes) break;
      this.drop(oldest);
      this.evictions++;
      this.evictedPods.set(oldest, { keptAt: e.keptAt, evictedAt: keptAt });
      if (this.evictedPods.size > this.rememberEvicted) this.evictedPods.delete(this.evictedPods.keys().next().value!);
    }
  }

  get(uid: string, container: string): FinalLog {
    const entry = this.pods.get(uid);
    if (entry) return entry.logs.get(container) ?? { kind: "unavailable", reason: "burstlet did not keep a log for this container" };
    const evicted = this.evictedPods.get(uid);
    return evicted ? { kind: "evicted", ...evicted } : { kind: "unknown" };
  }

  /** Whether anything is known of the pod (kept or evicted). */
  has(uid: string): boolean {
    return this.pods.has(uid) || this.evictedPods.has(uid);
  }

  /** The pod is gone from Kubernetes: nobody can ask for its logs any more. */
  forget(uid: string): void {
    this.drop(uid);
    this.evictedPods.delete(uid);
  }

  /** Pods whose logs are held now. */
  get size(): number {
    return this.pods.size;
  }

  private drop(uid: string): void {
    const entry = this.pods.get(uid);
    if (!entry) return;
    this.pods.delete(uid);
    this.bytes -= entry.bytes;
  }
}

/** The last `limit` bytes of `text`, starting at a line (or, for one long line, a character) boundary. */
export function lastBytes(text: string, limit: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text);
  if (bytes.length <= limit) return { text, truncated: false };
  let start = bytes.length - limit;
  const newline = bytes.indexOf(0x0a, start - 1);
  if (newline >= 0 && newline + 1 < bytes.length) start = newline + 1;
  else while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return { text: bytes.subarray(start).toString(), truncated: true };
}
