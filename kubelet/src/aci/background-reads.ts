/**
 * Reads that can wait: a finished container's final log, read just before its group is deleted.
 * They are admitted in order, one whenever the read budget holds more than half its burst beyond
 * the background reads admitted and not finished yet (so status reads keep that half), or else
 * whenever the log share has a turn nobody reserved (so they never make `kubectl logs` readers
 * wait). Admission is re-checked as the budget refills: after a burst, when many pods finish
 * together, they drain at the rate the budget leaves, not at the log share's.
 */
import type { Clock } from "../util/clock";
import type { TokenBucket } from "../util/token-bucket";
import type { LogReadBudget } from "./log-budget";

export class BackgroundReads {
  private readonly queue: Array<(done: () => void) => void> = [];
  /** Admitted against the read budget and not finished: their tokens may not be taken yet. */
  private direct = 0;
  private cancelPass: (() => void) | undefined;

  constructor(private readonly reads: TokenBucket, private readonly logShare: LogReadBudget, private readonly clock: Clock) {}

  /** Waits for a turn; call the returned function once the read has ended. */
  admit(): Promise<() => void> {
    return new Promise((resolve) => {
      this.queue.push(resolve);
      this.schedule(0);
    });
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Tokens beyond half the burst and the direct reads admitted. */
  private room(): number {
    return this.reads.available() - this.direct - this.reads.burst / 2;
  }

  private schedule(ms: number): void {
    if (this.cancelPass) return;
    this.cancelPass = this.clock.timer(ms, () => {
      this.cancelPass = undefined;
      this.pass();
    });
  }

  private pass(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (this.room() >= 1) {
        this.direct++;
        this.queue.shift();
        let ended = false;
        next(() => {
          if (ended) return;
          ended = true;
          this.direct--;
          if (this.queue.length > 0) this.schedule(0);
        });
      } else if (this.logShare.takeIfFree()) {
        this.queue.shift();
        next(() => undefined);
      } else {
        const untilRoom = ((1 - this.room()) / this.reads.perSecond) * 1000;
        this.schedule(Math.max(10, Math.ceil(Math.min(untilRoom, this.logShare.expectedWaitMs()))));
        return;
      }
    }
  }
}
