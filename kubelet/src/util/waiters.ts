/**
 * Callers waiting for something another loop decides, each for at most its own time: `wait`
 * resolves at the next `release` or after `maxMs`, whichever comes first. Timed on a `Clock`.
 */
import type { Clock } from "./clock";

export class Waiters {
  private waiting: Array<() => void> = [];

  constructor(private readonly clock: Clock) {}

  wait(maxMs: number): Promise<void> {
    return new Promise((resolve) => {
      const cancel = this.clock.timer(maxMs, () => {
        this.waiting = this.waiting.filter((w) => w !== settle);
        resolve();
      });
      const settle = (): void => (cancel(), resolve());
      this.waiting.push(settle);
    });
  }

  /** Resolves every wait under way. */
  release(): void {
    for (const settle of this.waiting.splice(0)) settle();
  }

  get size(): number {
    return this.waiting.length;
  }
}
