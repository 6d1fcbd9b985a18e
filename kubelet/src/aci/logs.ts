/**
 * Applies the kubelet's log options to a snapshot of ACI logs. ACI gives only `tail` and
 * `timestamps`; `sinceSeconds`, `sinceTime` and `limitBytes` are applied here, on timestamped lines.
 */
import type { LogOptions } from "../provider/provider";

/** A log line, and when it was written if the snapshot carried timestamps. */
export interface LogLine {
  readonly at?: Date;
  readonly text: string;
}

/** Splits a snapshot into lines; with `timestamped`, each line starts with an RFC 3339 time. */
export function parseLogLines(raw: string, timestamped: boolean): LogLine[] {
  const lines = raw.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => {
    if (!timestamped) return { text: line };
    const space = line.indexOf(" ");
    const at = space > 0 ? new Date(line.slice(0, space)) : undefined;
    return at && !Number.isNaN(at.getTime()) ? { at, text: line.slice(space + 1) } : { text: line };
  });
}

/** The lines the options select, rendered as the kubelet would (RFC 3339 prefix with `timestamps`). */
export function filterLogs(raw: string, options: LogOptions, now: Date): string {
  const timestamped = !!(options.timestamps || options.sinceSeconds !== undefined || options.sinceTime !== undefined);
  let lines = parseLogLines(raw, timestamped);
  const since = options.sinceTime ?? (options.sinceSeconds !== undefined ? new Date(now.getTime() - options.sinceSeconds * 1000) : undefined);
  if (since) lines = lines.filter((l) => !l.at || l.at >= since);
  if (options.tailLines !== undefined) lines = options.tailLines > 0 ? lines.slice(-options.tailLines) : [];
  let text = lines.map((l) => (options.timestamps && l.at ? `${l.at.toISOString()} ${l.text}` : l.text)).join("\n");
  if (lines.length > 0) text += "\n";
  if (options.limitBytes !== undefined && Buffer.byteLength(text) > options.limitBytes) {
    text = truncateUtf8(text, options.limitBytes);
  }
  return text;
}

/** The longest prefix of `text` within `limit` bytes that does not split a character. */
function truncateUtf8(text: string, limit: number): string {
  const bytes = Buffer.from(text);
  let end = Math.max(0, limit);
  // A cut inside a multi-byte character would decode as U+FFFD (3 bytes, over the limit): cut before it.
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}
