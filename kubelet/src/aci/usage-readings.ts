/**
 * The region's usages (quotas and what they count), as the node's health check, its capacity and
 * the create pacer read them: at most one reading every 10 s, shared by callers that ask while it
 * is under way. A reading also probes that burstlet may read in its resource group; one that fails
 * keeps the last figures, with the error.
 */
import type { Usage } from "@azure/arm-containerinstance";
import type { Clock } from "../util/clock";

export interface UsageReading {
  readonly at: number;
  readonly usages?: Usage[];
  readonly error?: unknown;
}

export class UsageReadings {
  private last: UsageReading | undefined;
  private reading: Promise<UsageReading> | undefined;

  constructor(private readonly arm: { usages(): Promise<Usage[]>; probeRead(): Promise<void> }, private readonly clock: Clock, private readonly maxAgeMs = 10_000) {}

  get(): Promise<UsageReading> {
    const now = this.clock.now();
    if (this.last && now - this.last.at < this.maxAgeMs) return Promise.resolve(this.last);
    this.reading ??= (async () => {
      try {
        const [usages] = await Promise.all([this.arm.usages(), this.arm.probeRead()]);
        this.last = { at: now, usages };
      } catch (error) {
        this.last = { at: now, usages: this.last?.usages, error };
      }
      return this.last;
    })().finally(() => (this.reading = undefined));
    return this.reading;
  }
}
