/**
 * Which answers of ARM and of image registries are permanent, which are transient, and which are the
 * user's to fix: one table, so the pod controller's decisions follow from the answer, not from where
 * it came. Only codes listed as `permanent` ever fail a pod; an unknown code is transient (retried
 * with backoff, and explained in an Event), because failing a pod that a controller replaces at once
 * turns one bad answer into a storm of pods and creates.
 *
 * - `permanent`: the request can never succeed as written → the pod is `Failed`.
 * - `image`: the user must fix an image, a registry or a pull secret → the pod stays `Pending` with
 *   `ErrImagePull` / `ImagePullBackOff` and the kubelet's backoff.
 * - `credentials`: Azure refused burstlet's own identity → retried; the node's health says so.
 * - `throttled`, `notFound`, `transient`: what they say.
 */
export type FailureClass = "permanent" | "image" | "credentials" | "throttled" | "notFound" | "transient";

interface CodeEntry {
  readonly class: FailureClass;
  /** Where the code and its meaning are documented. */
  readonly source: string;
}

const TROUBLESHOOT = "https://learn.microsoft.com/troubleshoot/azure/azure-container-instances/configuration-setup";
const ARM_ERRORS = "https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors";

/** ARM and ACI error codes (`error.code` of ARM's CloudError) with their class. */
export const ARM_ERROR_CODES: Readonly<Record<string, CodeEntry>> = {
  // "The image '…' in container group '…' is not accessible. Please check the image and registry credential."
  InaccessibleImage: { class: "image", source: `${TROUBLESHOOT}/inaccessible-image` },
  // "An error response is received from the docker registry '…'. Please retry later." (e.g. Docker Hub's pull rate limit)
  RegistryErrorResponse: { class: "image", source: `${TROUBLESHOOT}/docker-hub-rate-limit-registryerrorresponse` },
  // 409: capacity for the request is missing in the region now ("typically intermittent"), or the
  // region's container group quota is used up; both pass.
  ServiceUnavailable: { class: "transient", source: `${TROUBLESHOOT}/service-unavailable-requested-resource-is-not-available` },
  ContainerGroupQuotaReached: { class: "transient", source: `${TROUBLESHOOT}/spot-container-group-quota-reached-error` },
  ResourceNotFound: { class: "notFound", source: ARM_ERRORS },
  // A 404 about where groups live, not about a group: burstlet's configuration (or the resource
  // group) must be fixed; no pod is lost for it.
  ResourceGroupNotFound: { class: "transient", source: ARM_ERRORS },
  SubscriptionNotFound: { class: "transient", source: ARM_ERRORS },
  // Another operation on the same group is running; it ends.
  Conflict: { class: "transient", source: ARM_ERRORS },
  AnotherOperationInProgress: { class: "transient", source: ARM_ERRORS },
  // The body does not fit the contract: sending it again cannot help.
  InvalidRequestContent: { class: "permanent", source: ARM_ERRORS },
  // A managed identity in imageRegistryCredentials on an api-version without it.
  InvalidImageRegistryCredentialType: { class: "permanent", source: "https://learn.microsoft.com/troubleshoot/azure/azure-container-instances/management/acr-image-pull-failures-managed-identity" },
  AuthorizationFailed: { class: "credentials", source: ARM_ERRORS },
  InvalidAuthenticationTokenTenant: { class: "credentials", source: ARM_ERRORS },
};

/**
 * The class of an ARM answer: its code when the table knows it, else its HTTP status — 404 not
 * found, 429 throttled (ARM's and ACI's throttling both answer 429 with `Retry-After`), 401 and 403
 * credentials, anything else transient.
 */
export function armFailureClass(status: number | undefined, code: string | undefined): FailureClass {
  const known = code ? ARM_ERROR_CODES[code] : undefined;
  if (known) return known.class;
  if (status === 404) return "notFound";
  if (status === 429) return "throttled";
  if (status === 401 || status === 403) return "credentials";
  return "transient";
}

/**
 * The class of a registry's answer while an image's manifest or config is read (OCI distribution
 * API): 401, 403 and 404 mean the image is missing or refused — the user's to fix, and often fixed
 * by time alone (a pull secret created after the pod, a role assignment still propagating); 429 and
 * 5xx pass. https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
 */
export function registryFailureClass(status: number): FailureClass {
  if (status === 401 || status === 403 || status === 404) return "image";
  if (status === 429) return "throttled";
  return "transient";
}
