/**
 * Follows of one container share one poller (keyed by pod UID and container): one snapshot read per
 * poll interval however many followers, parsed once, and each follower takes the new lines from its
 * own position with its own options (`FollowView`). A poll asks for the last `FOLLOW_TAIL` lines, or
 * for the whole log when a follower needs it (its first answer, or a cut poll that may have skipped
 * lines it has not written yet).
 *
 * A follower still writing its previous lines skips a poll and catches up from its cursor on a
 * later one, so a slow client never holds the others back and nothing is buffered for it. A
 * throttled or failed poll (the log share refused it, ARM throttled or failed) is tried again on the
 * next interval: lines come late, the stream goes on. The poller stops when its last follower
 * leaves, or once the container has ended and a last poll after that has been written to everyone.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { NotFoundError, ThrottledError, TransientError } from "../errors";
import type { Logger } from "../log";
import type { LogOptions, PodProvider } from "../provider/provider";
import { type Clock, realClock } from "../util/clock";
import { type StampedLine, parseStampedLines } from "../aci/logs";
import { FollowView } from "./log-follow";

/** Lines asked for per poll while following; a follower that may have missed lines gets the whole log. */
export const FOLLOW_TAIL = 500;
/** How often a container's log is read while someone follows it. */
export const DEFAULT_FOLLOW_POLL_MS = 1_000;

export interface LogPollersOptions {
  readonly provider: Pick<PodProvider, "getContainerLogs">;
  /** The cached pod now (whether its container has ended). */
  readonly currentPod: (namespace: string, name: string) => V1Pod | undefined;
  readonly log: Logger;
  /** @default DEFAULT_FOLLOW_POLL_MS */
  readonly pollMs?: number;
  readonly clock?: Clock;
}

export interface FollowInput {
  readonly pod: V1Pod;
  readonly container: string;
  readonly options: LogOptions;
  /** Writes a chunk; resolves when it may write again. */
  readonly write: (chunk: string) => Promise<void>;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** Whether following should stop: the pod is gone or replaced, finished, or the container exited. */
export function followFinished(pod: V1Pod | undefined, uid: string, container: string): boolean {
  if (!pod || pod.metadata?.uid !== uid) return true;
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return true;
  const all = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return all.find((s) => s.name === container)?.state?.terminated !== undefined;
}

/** The shared pollers of one kubelet API. */
export class LogPollers {
  private readonly pollers = new Map<string, SharedPoller>();
  readonly pollMs: number;
  readonly clock: Clock;

  constructor(readonly options: LogPollersOptions) {
    this.pollMs = options.pollMs ?? DEFAULT_FOLLOW_POLL_MS;
    this.clock = options.clock ?? realClock;
  }

  /** Containers being polled now. */
  get active(): number {
    return this.pollers.size;
  }

  /** Writes the log and then its new lines until the container ends, the client leaves or `limitBytes` is used up. */
  follow(input: FollowInput): Promise<void> {
    const key = `${input.pod.metadata?.uid}/${input.container}`;
    let poller = this.pollers.get(key);
    if (!poller) {
      poller = new SharedPoller(this, input.pod, input.container, () => this.pollers.get(key) === poller && this.pollers.delete(key));
      this.pollers.set(key, poller);
    }
    return poller.add(input);
  }
}

interface Follower {
  readonly view: FollowView;
  readonly input: FollowInput;
  /** The write under way, if any. */
  writing: Promise<void> | undefined;
  /** A cut poll may have skipped lines it has not written: the next poll reads the whole log. */
  needsFull: boolean;
  readonly done: (err?: unknown) => void;
}

class SharedPoller {
  private readonly followers = new Set<Follower>();
  /** Aborts the wait between polls when the last follower leaves. */
  private readonly stopped = new AbortController();

  constructor(private readonly owner: LogPollers, private readonly pod: V1Pod, private readonly container: string, private readonly forget: () => void) {
    void this.run();
  }

  add(input: FollowInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (input.signal.aborted) return resolve();
      const follower: Follower = {
        view: new FollowView(input.options, this.owner.clock.now()),
        input,
        writing: undefined,
        needsFull: false,
        done: (err) => {
          if (!this.followers.delete(follower)) return;
          input.signal.removeEventListener("abort", leave);
          if (this.followers.size === 0) this.stop();
          if (err === undefined) resolve();
          else reject(err instanceof Error ? err : new Error(`log stream failed: ${JSON.stringify(err)}`));
        },
      };
      const leave = (): void => follower.done();
      input.signal.addEventListener("abort", leave, { once: true });
      this.followers.add(follower);
    });
  }

  private stop(): void {
    this.forget();
    this.stopped.abort();
  }

  private async run(): Promise<void> {
    // The first poll waits for the followers of this moment to join, so they share it.
    await Promise.resolve();
    const { clock, pollMs, options } = this.owner;
    const uid = this.pod.metadata?.uid ?? "";
    while (this.followers.size > 0) {
      // Checked before the poll: once the container has ended, one last poll picks up its final lines.
      const finished = followFinished(options.currentPod(this.pod.metadata?.namespace ?? "", this.pod.metadata?.name ?? ""), uid, this.container);
      const full = finished || [...this.followers].some((f) => f.needsFull || !f.view.started);
      let wait = pollMs;
      try {
        const raw = await options.provider.getContainerLogs(this.pod, this.container, { timestamps: true, tailLines: full ? undefined : FOLLOW_TAIL });
        const snapshot = parseStampedLines(raw);
        if (finished) {
          // Followers that join meanwhile get the same, complete, snapshot.
          while (this.followers.size > 0) await Promise.all([...this.followers].map((f) => this.finish(f, snapshot)));
          break;
        }
        for (const f of this.followers) this.deliver(f, snapshot, full);
      } catch (err) {
        if (err instanceof NotFoundError) {
          for (const f of [...this.followers]) f.done();
          break;
        }
        if (!(err instanceof ThrottledError || err instanceof TransientError)) {
          for (const f of [...this.followers]) f.done(err);
          break;
        }
        wait = Math.max(pollMs, err.retryAfterMs ?? 0);
        options.log.debug("log poll failed; trying again", { pod: `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`, container: this.container, retryInMs: wait, error: err });
      }
      if (this.followers.size > 0) await clock.sleep(wait, this.stopped.signal);
    }
    this.stop();
  }

  /** Hands a snapshot to a follower unless it is still writing (it catches up on a later one). */
  private deliver(f: Follower, snapshot: readonly StampedLine[], full: boolean): void {
    if (f.writing) return;
    const text = f.view.take(snapshot, full, FOLLOW_TAIL);
    f.needsFull = text === undefined;
    if (!text) {
      if (f.view.exhausted) f.done();
      return;
    }
    f.writing = f.input.write(text).then(
      () => {
        f.writing = undefined;
        if (f.view.exhausted) f.done();
      },
      (err: unknown) => f.done(err),
    );
  }

  /** The last snapshot (whole) to a follower once its write under way is done; then it ends. */
  private async finish(f: Follower, snapshot: readonly StampedLine[]): Promise<void> {
    await f.writing;
    if (!this.followers.has(f)) return;
    this.deliver(f, snapshot, true);
    await f.writing;
    f.done();
  }
}
