/**
 * Whether the node's placement (its region, or its zone) is taking creates. One failed create is
 * not an outage: only creates that have kept failing for `afterMs`, with no create succeeding in
 * between, are. Then the node is NotReady (the scheduler places new pods elsewhere) and pods that
 * never started are given up, so their controllers replace them on healthy nodes. Once no create
 * has failed for `afterMs` (nothing is sent to a NotReady node), the node is Ready again and the
 * next create tells. Pure but for the times passed in.
 */
import type { Placement } from "../constants";
import type { Health } from "../node/node-model";

export class PlacementHealth {
  private firstFailure: number | undefined;
  private lastFailure: number | undefined;
  private lastError = "";

  constructor(private readonly placement: Placement, private readonly afterMs: number) {}

  /** A create succeeded: the placement works. */
  succeeded(): void {
    this.firstFailure = this.lastFailure = undefined;
  }

  /** A create failed with an error that may pass (a 5xx, no answer); never a throttle. */
  failed(now: number, error: unknown): void {
    if (this.lastFailure === undefined || now - this.lastFailure > this.afterMs) this.firstFailure = now;
    this.lastFailure = now;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Whether creates have failed for `afterMs` and still do at `now`. */
  down(now: number): boolean {
    if (this.firstFailure === undefined || this.lastFailure === undefined) return false;
    return now - this.lastFailure <= this.afterMs && this.lastFailure - this.firstFailure >= this.afterMs;
  }

  /** The Ready condition's reason and message while `down`; undefined otherwise. */
  health(now: number): Health | undefined {
    if (!this.down(now)) return undefined;
    const p = this.placement;
    const where = p.zone ? `zone ${p.zone} of ${p.region}` : `region ${p.region}`;
    const seconds = Math.round((this.lastFailure! - this.firstFailure!) / 1000);
    return {
      healthy: false,
      reason: p.zone ? "ZoneUnavailable" : "RegionUnavailable",
      message: `container group creates in ${where} have failed for ${seconds} s; pods that never started here are given up so their controllers place them on other nodes: ${this.lastError}`,
    };
  }
}
