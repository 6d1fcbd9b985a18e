/**
 * The node's Ready from what ARM answers, with hysteresis: a throttled answer is an answer, one
 * failed call is not an outage, and only trouble that lasts `notReadyAfterMs` (ARM unreachable, or
 * refusing burstlet's credentials) makes the node NotReady; the reason names which. A refused
 * permission (403) makes it NotReady at once, naming the action and scope. Pure but for the time
 * passed in.
 */
import { AuthorizationError, CredentialsRejectedError, ThrottledError } from "../errors";
import type { Health } from "../node/node-model";

/** Two minutes: longer than any retry of one call, shorter than the node lifecycle's grace. */
export const DEFAULT_NOT_READY_AFTER_MS = 120_000;

export class ArmHealth {
  private troubleSince: number | undefined;

  constructor(private readonly notReadyAfterMs = DEFAULT_NOT_READY_AFTER_MS) {}

  /** The health after a check that failed with `error` (undefined: it succeeded) at `now`. */
  observe(error: unknown, now: number, since?: number): Health {
    if (error === undefined || error instanceof ThrottledError) {
      this.troubleSince = undefined;
      return { healthy: true, reason: "KubeletReady", message: "Azure Container Instances is reachable" };
    }
    this.troubleSince ??= Math.min(since ?? now, now);
    // A refused permission does not pass with time: the node says at once which grant is missing.
    if (error instanceof AuthorizationError) return { healthy: false, reason: "AuthorizationFailed", message: error.message };
    const text = error instanceof Error ? error.message : JSON.stringify(error);
    const credentials = error instanceof CredentialsRejectedError;
    const what = credentials ? "Azure has rejected burstlet's credentials" : "Azure Resource Manager has not answered";
    const lasted = now - this.troubleSince;
    const seconds = Math.round(lasted / 1000);
    if (lasted < this.notReadyAfterMs) {
      return { healthy: true, reason: "KubeletReady", message: `${what} for ${seconds} s; the node turns NotReady after ${Math.round(this.notReadyAfterMs / 1000)} s of it: ${text}` };
    }
    return { healthy: false, reason: credentials ? "CredentialsRejected" : "ArmUnreachable", message: `${what} for ${seconds} s: ${text}` };
  }
}
