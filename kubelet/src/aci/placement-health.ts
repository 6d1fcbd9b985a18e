/**
 * Whether the node's placement (its region, or its zone) is taking creates. One failed create is
 * not an outage: only creates that have kept failing for `afterMs`, with no create succeeding in
 * between, are. Then the node is NotReady (the scheduler places new pods elsewhere) and pods that
 * never started are given up, so their controllers replace them on healthy nodes. A NotReady node
 * is sent no pods, so nothing would tell it the placement is back: once no create has failed for
 * `holdMs`, it is Ready again and the next create tells. Pure but for the times passed in.
 */
import type { Placement } from "../constants";
import { isOutage } from "./arm-errors";
import type { Health } from "../node/node-model";

/** Five minutes: ACI's create window is as long, and a zone outage rarely passes sooner. */
export const PLACEMENT_HOLD_MS = 300_000;

export class PlacementHealth {
  private firstFailure: number | undefined;
  private lastFailure: number | undefined;
  private lastError = "";

  /** @param holdMs how long the node stays NotReady after its last failed create (at least `afterMs`) */
  constructor(private readonly placement: Placement, private readonly afterMs: number, private readonly holdMs = PLACEMENT_HOLD_MS) {}

  /** A create succeeded: the placement works. */
  succeeded(): void {
    this.firstFailure = this.lastFailure = undefined;
  }

  /**
   * A create failed. Only an answer that may pass and says something of the placement counts (a
   * 5xx, none at all): never a throttle, a refusal of the credentials or of the pod, nor a full
   * quota's 409 (it passes as groups are deleted). Returns the node's health if the placement is
   * now down.
   */
  createFailed(now: number, error: unknown): Health | undefined {
    if (!isOutage(error)) return undefined;
    this.failed(now, error);
    return this.health(now);
  }

  /** A create failed with an error that may pass (a 5xx, no answer); never a throttle. */
  failed(now: number, error: unknown): void {
    // A failure more than the hold after the last one starts a new streak: retries of failed
    // creates back off, so failures of one streak may come further apart than `afterMs`.
    if (this.lastFailure === undefined || now - this.lastFailure > this.hold()) this.firstFailure = now;
    this.lastFailure = now;
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  /** Whether creates have failed for `afterMs` and still do at `now`. */
  down(now: number): boolean {
    if (this.firstFailure === undefined || this.lastFailure === undefined) return false;
    return now - this.lastFailure <= this.hold() && this.lastFailure - this.firstFailure >= this.afterMs;
  }

  private hold(): number {
    return Math.max(this.holdMs, this.afterMs);
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
