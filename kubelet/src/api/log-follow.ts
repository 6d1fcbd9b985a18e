/**
 * Following a log that the backend only returns as snapshots (ACI's `listLogs`): each poll returns
 * the log so far, with timestamps, and the follower emits only what it has not emitted yet.
 *
 * Lines are ordered by time. The follower remembers the timestamp of the last line it emitted and
 * how many lines with that exact timestamp and text it emitted, so lines written in the same
 * instant — even identical ones — are neither repeated nor lost. A line without a timestamp takes
 * the previous line's (a continuation of the same write).
 */

/** A log line with its timestamp kept at full precision (nanoseconds since the epoch). */
export interface StampedLine {
  /** The timestamp as the backend wrote it (RFC 3339). */
  readonly stamp: string;
  readonly ns: bigint;
  readonly text: string;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp; undefined when it is not one. */
export function parseTimestampNs(stamp: string): bigint | undefined {
  const m = RFC3339.exec(stamp);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  const fraction = BigInt((m[2] ?? "").padEnd(9, "0"));
  return BigInt(ms) * 1_000_000n + fraction;
}

/** Splits a timestamped snapshot into lines; a line without a timestamp inherits the previous one's. */
export function parseStampedLines(raw: string): StampedLine[] {
  const lines = raw.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const out: StampedLine[] = [];
  let previous: { stamp: string; ns: bigint } = { stamp: new Date(0).toISOString(), ns: 0n };
  for (const line of lines) {
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

/** Remembers what was emitted; `next(snapshot)` returns the lines not emitted before. */
export class LogFollower {
  private cursor: bigint | undefined;
  /** How many lines of each text were emitted at exactly `cursor`. */
  private atCursor = new Map<string, number>();

  /** Starts after a line (e.g. the last one of the initial answer); `undefined` starts at the beginning. */
  constructor(after?: readonly StampedLine[]) {
    if (after && after.length > 0) this.advance(after);
  }

  /** The timestamp of the last line emitted, if any. */
  get lastNs(): bigint | undefined {
    return this.cursor;
  }

  next(snapshot: readonly StampedLine[]): StampedLine[] {
    const fresh: StampedLine[] = [];
    const seenAtCursor = new Map<string, number>();
    for (const line of snapshot) {
      if (this.cursor !== undefined && line.ns < this.cursor) continue;
      if (this.cursor !== undefined && line.ns === this.cursor) {
        const seen = (seenAtCursor.get(line.text) ?? 0) + 1;
        seenAtCursor.set(line.text, seen);
        if (seen <= (this.atCursor.get(line.text) ?? 0)) continue;
      }
      fresh.push(line);
    }
    if (fresh.length > 0) this.advance(fresh, seenAtCursor);
    return fresh;
  }

  /**
   * Whether a snapshot cut to its last `tail` lines may have dropped lines not emitted yet: it is
   * full and its first line is newer than the cursor (so nothing in it overlaps what was emitted).
   */
  mayHaveGap(snapshot: readonly StampedLine[], tail: number): boolean {
    if (this.cursor === undefined) return snapshot.length >= tail;
    return snapshot.length >= tail && snapshot[0].ns > this.cursor;
  }

  private advance(emitted: readonly StampedLine[], seenAtCursor = new Map<string, number>()): void {
    const last = emitted[emitted.length - 1].ns;
    const counts = last === this.cursor ? new Map(this.atCursor) : new Map<string, number>();
    if (last === this.cursor) {
      // Lines at the old cursor were counted against what had been emitted already.
      for (const [text, n] of seenAtCursor) counts.set(text, Math.max(counts.get(text) ?? 0, n));
    } else {
      for (const line of emitted) if (line.ns === last) counts.set(line.text, (counts.get(line.text) ?? 0) + 1);
    }
    this.cursor = last;
    this.atCursor = counts;
  }
}
