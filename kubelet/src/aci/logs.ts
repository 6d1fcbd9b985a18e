/**
 * ACI's log lines and the kubelet's log options on them: the one parser of timestamped lines, used
 * by a plain read (`filterLogs`) and by following (`api/log-follow`). ACI gives only `tail` and
 * `timestamps`; `sinceSeconds`, `sinceTime` and `limitBytes` are applied here, on timestamped lines.
 */
import type { LogOptions } from "../provider/provider";

/** A log line with its timestamp kept at full precision (nanoseconds since the epoch). */
export interface StampedLine {
  /** The timestamp as the backend wrote it (RFC 3339); rendered as is with `timestamps`. */
  readonly stamp: string;
  readonly ns: bigint;
  readonly text: string;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
const EPOCH = { stamp: new Date(0).toISOString(), ns: 0n };

/** Nanoseconds since the epoch of an RFC 3339 timestamp; undefined when it is not one. */
export function parseTimestampNs(stamp: string): bigint | undefined {
  const m = RFC3339.exec(stamp);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = BigInt((m[2] ?? "").padEnd(9, "0"));
  return BigInt(ms) * 1_000_000n + fraction;
}

/** A snapshot's lines, without an empty last line for the trailing newline. */
export function splitLines(raw: string): string[] {
  const lines = raw.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * Splits a timestamped snapshot into lines. A line that does not start with a timestamp is kept
 * whole and takes the previous line's (a continuation of the same write; the epoch before any).
 */
export function parseStampedLines(raw: string): StampedLine[] {
  const out: StampedLine[] = [];
  let previous = EPOCH;
  for (const line of splitLines(raw)) {
    const space = line.indexOf(" ");
    const stamp = space > 0 ? line.slice(0, space) : line;
    const ns = parseTimestampNs(stamp);
    if (ns === undefined) {
      out.push({ ...previous, text: line });
      continue;
    }
    previous = { stamp, ns };
    out.push({ stamp, ns, text: space > 0 ? line.slice(space + 1) : "" });
  }
  return out;
}

/** Whether the options need timestamps from the backend (to show them or to filter by time). */
export function needsTimestamps(options: LogOptions): boolean {
  return !!(options.timestamps || options.sinceSeconds !== undefined || options.sinceTime !== undefined);
}

/** The earliest time (ns since the epoch) the options keep, if they bound it; `now` is epoch ms. */
export function sinceNs(options: LogOptions, now: number): bigint | undefined {
  const since = options.sinceTime?.getTime() ?? (options.sinceSeconds !== undefined ? now - options.sinceSeconds * 1000 : undefined);
  return since === undefined ? undefined : BigInt(since) * 1_000_000n;
}

/** The lines written at or after `since`, then the last `tailLines` of them (since before tail, as the kubelet does). */
export function selectLines(lines: readonly StampedLine[], since: bigint | undefined, tailLines: number | undefined): StampedLine[] {
  const recent = since === undefined ? [...lines] : lines.filter((l) => l.ns >= since);
  if (tailLines === undefined) return recent;
  return tailLines > 0 ? recent.slice(-tailLines) : [];
}

/** Renders lines as the kubelet does: one per `\n`, prefixed with the timestamp with `timestamps`. */
export function renderLines(lines: readonly StampedLine[], timestamps: boolean): string {
  return lines.map((l) => (timestamps ? `${l.stamp} ${l.text}\n` : `${l.text}\n`)).join("");
}

/** The longest prefix of `text` within `limit` bytes that does not split a character. */
export function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= limit) return text;
  let end = Math.max(0, limit);
  // A cut inside a multi-byte character would decode as U+FFFD (3 bytes, over the limit): cut before it.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}

/** The lines the options select from a snapshot, rendered as the kubelet would. `now` is when the request came. */
export function filterLogs(raw: string, options: LogOptions, now: Date): string {
  let text: string;
  if (needsTimestamps(options)) {
    text = renderLines(selectLines(parseStampedLines(raw), sinceNs(options, now.getTime()), options.tailLines), !!options.timestamps);
  } else {
    const lines = splitLines(raw);
    const tail = options.tailLines === undefined ? lines : options.tailLines > 0 ? lines.slice(-options.tailLines) : [];
    text = tail.map((l) => `${l}\n`).join("");
  }
  return options.limitBytes === undefined ? text : truncateUtf8(text, options.limitBytes);
}
