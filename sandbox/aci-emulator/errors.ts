/**
 * ARM's error shape (`{ error: { code, message, target?, details? } }`, the spec's `CloudError`) as
 * a typed exception, and the codes the emulator answers with.
 *
 * Codes and messages follow what ARM and ACI are documented or publicly observed to return; where
 * the wording is the emulator's own, the constructor's comment says so.
 */

export interface CloudErrorBody {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
  readonly details?: readonly CloudErrorBody[];
}

/** An answer in ARM's error shape. Thrown by operations, turned into a response by the server. */
export class ArmError extends Error {
  readonly status: number;
  readonly code: string;
  readonly target: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, options: { target?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "ArmError";
    this.status = status;
    this.code = code;
    this.target = options.target;
    this.headers = options.headers ?? {};
  }

  toBody(): { error: CloudErrorBody } {
    return { error: { code: this.code, message: this.message, ...(this.target !== undefined ? { target: this.target } : {}) } };
  }
}

const CG_TYPE = "Microsoft.ContainerInstance/containerGroups";

export const armErrors = {
  /** ARM, when the resource does not exist. */
  resourceNotFound(resourceGroup: string, name: string, type = CG_TYPE): ArmError {
    return new ArmError(404, "ResourceNotFound", `The Resource '${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  },
  resourceGroupNotFound(resourceGroup: string): ArmError {
    return new ArmError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);
  },
  subscriptionNotFound(subscriptionId: string): ArmError {
    return new ArmError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
  },
  missingApiVersion(): ArmError {
    return new ArmError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  },
  unsupportedApiVersion(apiVersion: string, location: string, supported: readonly string[]): ArmError {
    return new ArmError(400, "NoRegisteredProviderFound", `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type 'containerGroups'. The supported api-versions are '${supported.join(", ")}'.`);
  },
  /** ARM's routing miss for a path no operation serves. */
  noRoute(method: string, path: string): ArmError {
    return new ArmError(404, "InvalidResourceType", `The resource type could not be found for ${method} ${path}.`);
  },
  /** JSON.NET deserialisation failure as ARM reports it for a body that does not fit the contract. */
  invalidRequestContent(detail: string, target?: string): ArmError {
    return new ArmError(400, "InvalidRequestContent", `The request content was invalid and could not be deserialized: '${detail}'.`, target !== undefined ? { target } : {});
  },
  /** ARM requires a location on tracked resources (the spec leaves `location` optional). */
  locationRequired(): ArmError {
    return new ArmError(400, "LocationRequired", "The location property is required for this definition.");
  },
  locationNotAvailable(location: string, available: readonly string[]): ArmError {
    return new ArmError(400, "LocationNotAvailableForResourceType", `The provided location '${location}' is not available for resource type '${CG_TYPE}'. List of available regions for the resource type is '${available.join(",")}'.`);
  },
  authenticationMissing(): ArmError {
    return new ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.", {
      headers: { "www-authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."` },
    });
  },
  invalidToken(): ArmError {
    return new ArmError(401, "InvalidAuthenticationToken", "The access token is invalid.", {
      headers: { "www-authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token is invalid."` },
    });
  },
  wrongAudience(got: string, allowed: readonly string[]): ArmError {
    return new ArmError(401, "InvalidAuthenticationTokenAudience", `The access token has been obtained for wrong audience or resource '${got}'. It should exactly match with one of the allowed audiences '${allowed.join("', '")}'.`);
  },
  expiredToken(expiredAt: Date, now: Date): ArmError {
    return new ArmError(401, "ExpiredAuthenticationToken", `The access token expiry UTC time '${expiredAt.toUTCString()}' is earlier than current UTC time '${now.toUTCString()}'.`, {
      headers: { "www-authenticate": `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The access token has expired."` },
    });
  },
  /** ARM's RBAC denial (403): the caller's principal may not perform the action at that scope. */
  authorizationFailed(objectId: string, action: string, scope: string): ArmError {
    return new ArmError(403, "AuthorizationFailed", `The client '${objectId}' with object id '${objectId}' does not have authorization to perform action '${action}' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
  },
  /** ARM's denial of a linked resource (403): allowed on the resource, not on what it links to. */
  linkedAuthorizationFailed(objectId: string, primary: { action: string; scope: string }, missing: ReadonlyArray<{ action: string; scope: string }>): ArmError {
    const actions = missing.map((m) => m.action).join(",");
    const scopes = missing.map((m) => m.scope).join(",");
    return new ArmError(403, "LinkedAuthorizationFailed", `The client '${objectId}' with object id '${objectId}' has permission to perform action '${primary.action}' on scope '${primary.scope}'; however, it does not have permission to perform action(s) '${actions}' on the linked scope(s) '${scopes}' (respectively) or the linked scope(s) are invalid.`);
  },
  /** ARM's per-subscription token-bucket throttling (https://aka.ms/arm-throttling). */
  subscriptionThrottled(kind: "read" | "write" | "delete", subscriptionId: string, retryAfterSeconds: number): ArmError {
    return new ArmError(429, "SubscriptionRequestsThrottled", `Number of '${kind}' requests for subscription '${subscriptionId}' actor 'burstlet' exceeded. Please try again after '${retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`, {
      headers: { "retry-after": String(retryAfterSeconds) },
    });
  },
  /** ACI's own per-region create/delete limits (observation windows). */
  resourceProviderThrottled(operation: string, windowLabel: string, retryAfterSeconds: number): ArmError {
    return new ArmError(429, "TooManyRequests", `The request is being throttled as the limit has been reached for operation type - ${operation}_ObservationWindow_${windowLabel}. For more information, see - https://aka.ms/container-instances-throttling`, {
      headers: { "retry-after": String(retryAfterSeconds) },
    });
  },
  /** ACI's regional quota answer (quota names as in the usages list). */
  quotaReached(quota: string, location: string, limit: number, usage: number, requested: number): ArmError {
    return new ArmError(409, "ContainerGroupQuotaReached", `Resource type '${CG_TYPE}' container group quota '${quota}' exceeded in region '${location}'. Limit: '${limit}', Usage: '${usage}' Requested: '${requested}'.`);
  },
  internal(): ArmError {
    return new ArmError(500, "InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '" + new Date().toISOString() + "'.");
  },
  serviceUnavailable(retryAfterSeconds?: number): ArmError {
    return new ArmError(503, "ServiceUnavailable", "The service is currently unavailable. Please try again later.", retryAfterSeconds !== undefined ? { headers: { "retry-after": String(retryAfterSeconds) } } : {});
  },
  conflict(code: string, message: string): ArmError {
    return new ArmError(409, code, message);
  },
  badRequest(code: string, message: string, target?: string): ArmError {
    return new ArmError(400, code, message, target !== undefined ? { target } : {});
  },
};
