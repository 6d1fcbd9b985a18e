/**
 * How `pulumi up` waits for a Deployment the components declare, through the Kubernetes
 * provider's own annotations: `pulumi.com/skipAwait` (return once the object is accepted) and
 * `pulumi.com/timeoutSeconds` (fail the update after this long instead of the provider's 10 minutes).
 * A component's `customTimeouts` do not reach its children, so this is the component's own input.
 */
import { InvalidInputError } from "../kubelet/src/errors";

export interface DeploymentAwait {
  /** Do not wait for the pod to be Ready: `pulumi up` returns once the Deployment is accepted. @default false */
  readonly skip?: boolean;
  /**
   * Fail the update when the Deployment is not available after this long. Long enough for an image
   * pull on a fresh node and the startup probe's minute; short enough that a pod that cannot start
   * (a wrong image, a missing identity) fails `pulumi up` in minutes.
   * @default 300
   */
  readonly timeoutSeconds?: number;
}

export const DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS = 300;
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";
export const TIMEOUT_SECONDS_ANNOTATION = "pulumi.com/timeoutSeconds";

/** The annotations for `wait`; `field` names the input in errors, e.g. `VirtualNode "vn": deploymentAwait`. */
export function deploymentAwaitAnnotations(wait: DeploymentAwait | undefined, field: string): Record<string, string> {
  const timeout = wait?.timeoutSeconds;
  if (wait?.skip === true && timeout !== undefined) {
    throw new InvalidInputError(field, "set only one of `skip` or `timeoutSeconds`: a skipped await has no timeout");
  }
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1)) {
    throw new InvalidInputError(`${field}.timeoutSeconds`, `must be a whole number of seconds of at least 1, got ${JSON.stringify(timeout)}`);
  }
  if (wait?.skip === true) return { [SKIP_AWAIT_ANNOTATION]: "true" };
  return { [TIMEOUT_SECONDS_ANNOTATION]: String(timeout ?? DEFAULT_DEPLOYMENT_TIMEOUT_SECONDS) };
}
