/**
 * Following a log that the backend only returns as snapshots (ACI's `listLogs`): each poll returns
 * the log so far, with timestamps, and the follower emits only what it has not emitted yet.
 *
 * Lines are ordered by time. The follower remembers the timestamp of the last line it emitted and
 * how many lines with that exact timestamp and text it emitted, so lines written in the same
 * instant — even identical ones — are neither repeated nor lost. A line without a timestamp takes
 * the previous line's (a continuation of the same write).
 *
 * A `FollowView` is one follower's view of the shared snapshots: its own cursor, its own options
 * (`timestamps`, `tailLines`, `sinceTime`/`sinceSeconds`) and what is left of its `limitBytes`,
 * counted across the whole stream as the kubelet does, and never splitting a character.
 */
import type { LogOptions } from "../provider/provider";
import { type StampedLine, renderLines, selectLines, sinceNs, truncateUtf8 } from "../aci/logs";

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

/** One follower's state; pure: `take(snapshot)` returns the text to write next. */
export class FollowView {
  private readonly follower = new LogFollower();
  private readonly since: bigint | undefined;
  private bytesLeft: number;
  private begun = false;

  /** `now` (epoch ms) is when the request came: `sinceSeconds` counts back from it. */
  constructor(private readonly options: LogOptions, now: number) {
    this.since = sinceNs(options, now);
    this.bytesLeft = options.limitBytes ?? Infinity;
  }

  /** Whether the first answer was given. */
  get started(): boolean {
    return this.begun;
  }

  /** Whether `limitBytes` is used up: nothing more will be written, and the stream ends. */
  get exhausted(): boolean {
    return this.bytesLeft <= 0;
  }

  /**
   * What to write for a snapshot; `full` says whether it is the whole log so far, else only its
   * last `tail` lines. Undefined when this snapshot cannot be used and a full one is needed: the
   * first answer (it shows the whole log, or its `tailLines`), or a cut one that may have skipped
   * lines not written yet.
   */
  take(snapshot: readonly StampedLine[], full: boolean, tail: number): string | undefined {
    if (!this.begun) {
      if (!full) return undefined;
      this.begun = true;
      // The whole log fixes the cursor, so `tailLines` limits what is shown, not what counts as sent.
      this.follower.next(snapshot);
      return this.cut(renderLines(selectLines(snapshot, this.since, this.options.tailLines), !!this.options.timestamps));
    }
    if (!full && this.follower.mayHaveGap(snapshot, tail)) return undefined;
    return this.cut(renderLines(selectLines(this.follower.next(snapshot), this.since, undefined), !!this.options.timestamps));
  }

  /** Cuts `text` to what is left of `limitBytes`; a cut uses it up (what follows would not be a prefix). */
  private cut(text: string): string {
    if (this.exhausted) return "";
    const kept = truncateUtf8(text, this.bytesLeft);
    const bytes = Buffer.byteLength(kept);
    this.bytesLeft = kept.length < text.length ? 0 : this.bytesLeft - bytes;
    return kept;
  }
}
