import { strict as assert } from "node:assert";
import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { classify } from "../../../kubelet/src/aci/arm-errors";
import { AciWindowThrottledError, AuthorizationError, CredentialsRejectedError, ImagePullError, NotFoundError, ThrottledError, TransientError, UnsupportedError } from "../../../kubelet/src/errors";

/** An error as the Azure SDK throws it for an HTTP answer. */
function armError(status: number, code: string, message = `${code} happened`, headers: Record<string, string> = {}): RestError {
  const request = createPipelineRequest({ url: "https://management.example/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/g" });
  return new RestError(message, { code, statusCode: status, request, response: { status, headers: createHttpHeaders(headers), request } });
}

describe("classify (ARM failures)", () => {
  it("turns a 404 into NotFoundError, naming the operation", () => {
    const err = classify("get g", armError(404, "ResourceNotFound", "The Resource 'g' was not found."));
    assert.ok(err instanceof NotFoundError);
    assert.match(err.message, /^get g: The Resource 'g' was not found\.$/);
  });

  it("turns a 429 into ThrottledError with Retry-After in milliseconds, in seconds or as a date", () => {
    const seconds = classify("create g", armError(429, "TooManyRequests", "slow down", { "retry-after": "17" }));
    assert.ok(seconds instanceof ThrottledError);
    assert.equal(seconds.retryAfterMs, 17_000);
    const at = new Date(Date.now() + 30_000).toUTCString();
    const dated = classify("create g", armError(429, "TooManyRequests", "slow down", { "retry-after": at }));
    assert.ok(dated instanceof ThrottledError && dated.retryAfterMs !== undefined);
    assert.ok(dated.retryAfterMs > 25_000 && dated.retryAfterMs <= 30_000, `${dated.retryAfterMs}`);
    const bare = classify("create g", armError(429, "TooManyRequests"));
    assert.ok(bare instanceof ThrottledError);
    assert.equal(bare.retryAfterMs, undefined);
  });

  it("tells ACI's own create and delete windows (TooManyRequests) from ARM's request budget", () => {
    const window = classify("create g", armError(429, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type - ContainerGroupCreate_ObservationWindow_00:05:00", { "retry-after": "240" }));
    assert.ok(window instanceof AciWindowThrottledError && window instanceof ThrottledError);
    assert.equal(window.retryAfterMs, 240_000);
    const arm = classify("create g", armError(429, "SubscriptionRequestsThrottled", "Number of 'write' requests exceeded", { "retry-after": "3" }));
    assert.ok(arm instanceof ThrottledError && !(arm instanceof AciWindowThrottledError));
  });

  it("treats server errors, timeouts and conflicts as transient, keeping the cause", () => {
    for (const [status, code] of [[500, "InternalServerError"], [502, "BadGateway"], [503, "ServiceUnavailable"], [408, "RequestTimeout"], [409, "Conflict"]] as const) {
      const cause = armError(status, code);
      const err = classify("create g", cause);
      assert.ok(err instanceof TransientError, `${status} ${code} → ${err.name}`);
      assert.equal(err.cause, cause);
    }
  });

  it("treats a failure without an HTTP answer (reset, DNS, timeout) as transient", () => {
    const err = classify("list", Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    assert.ok(err instanceof TransientError);
    assert.match(err.message, /^list: socket hang up$/);
    assert.ok(classify("list", "weird") instanceof TransientError);
  });

  it("treats exhausted quotas as 'not now', whatever status carries them", () => {
    for (const code of ["ContainerGroupQuotaReached", "StandardCoresQuotaReached", "QuotaExceeded", "ResourceRequestsThrottled", "AnotherOperationInProgress"]) {
      for (const status of [400, 403, 409]) {
        assert.ok(classify("create g", armError(status, code)) instanceof TransientError, `${status} ${code}`);
      }
    }
  });

  it("says when credentials were rejected, without failing pods for it", () => {
    const err = classify("get g", armError(401, "InvalidAuthenticationToken"));
    assert.ok(err instanceof CredentialsRejectedError);
    assert.ok(err instanceof TransientError);
    assert.match(err.message, /credentials rejected/);
  });

  it("turns ARM's 403 into AuthorizationError naming the action and scope (linked ones too)", () => {
    const scope = "/subscriptions/s/resourceGroups/rg";
    const denied = classify("list", armError(403, "AuthorizationFailed", `The client 'o' with object id 'o' does not have authorization to perform action 'Microsoft.ContainerInstance/containerGroups/read' over scope '${scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`));
    assert.ok(denied instanceof AuthorizationError);
    assert.ok(denied instanceof CredentialsRejectedError, "a refusal of burstlet's identity: retried, and the node's health says so");
    assert.deepEqual([denied.action, denied.scope, denied.code], ["Microsoft.ContainerInstance/containerGroups/read", scope, "AuthorizationFailed"]);
    assert.match(denied.message, /Azure denied burstlet 'Microsoft\.ContainerInstance\/containerGroups\/read' on '\/subscriptions\/s\/resourceGroups\/rg'/);
    const subnet = `${scope}/providers/Microsoft.Network/virtualNetworks/v/subnets/aci`;
    const linked = classify("create g", armError(403, "LinkedAuthorizationFailed", `The client 'o' with object id 'o' has permission to perform action 'Microsoft.ContainerInstance/containerGroups/write' on scope '${scope}/providers/Microsoft.ContainerInstance/containerGroups/g'; however, it does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) '${subnet}' (respectively) or the linked scope(s) are invalid.`));
    assert.ok(linked instanceof AuthorizationError);
    assert.deepEqual([linked.action, linked.scope], ["Microsoft.Network/virtualNetworks/subnets/join/action", subnet]);
    const bare = classify("get g", armError(403, "Forbidden", "no"));
    assert.ok(bare instanceof AuthorizationError);
    assert.equal(bare.action, "(not named)");
  });

  it("fails a pod only for the codes the table lists as permanent, with ACI's own explanation", () => {
    const err = classify("create g", armError(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized."));
    assert.ok(err instanceof UnsupportedError);
    assert.match(err.message, /Azure Container Instances refused the container group: The request content was invalid/);
  });

  it("never takes a missing resource group or subscription for a missing container group", () => {
    for (const code of ["ResourceGroupNotFound", "SubscriptionNotFound"]) {
      const err = classify("get g", armError(404, code));
      assert.ok(err instanceof TransientError && !(err instanceof NotFoundError), code);
    }
  });

  it("retries a 400 it does not know, naming its code, instead of failing the pod", () => {
    const err = classify("create g", armError(400, "SomethingNew", "The container group name 'G' is invalid."));
    assert.ok(err instanceof TransientError);
    assert.match(err.message, /SomethingNew/);
  });

  it("turns an image ACI cannot pull into ImagePullError naming the image", () => {
    const inaccessible = classify("create g", armError(400, "InaccessibleImage", "The image 'docker.io/library/bsybox:1' in container group 'g' is not accessible. Please check the image and registry credential."));
    assert.ok(inaccessible instanceof ImagePullError);
    assert.equal(inaccessible.image, "docker.io/library/bsybox:1");
    const registry = classify("create g", armError(409, "RegistryErrorResponse", "An error response is received from the docker registry 'index.docker.io'. Please retry later."));
    assert.ok(registry instanceof ImagePullError);
    assert.equal(registry.image, undefined);
  });

  it("treats any other status as transient rather than a permanent pod failure", () => {
    assert.ok(classify("get g", armError(418, "Teapot")) instanceof TransientError);
  });
});
