import { strict as assert } from "node:assert";
import { classifyMonitorError } from "../../../kubelet/src/aci/monitor-client";
import { AuthorizationError, CredentialsRejectedError, ThrottledError, TransientError } from "../../../kubelet/src/errors";

const SCOPE = "/subscriptions/6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80";
const answer = (statusCode: number, code?: string, headers: Record<string, string> = {}): unknown => ({ statusCode, code, message: `status ${statusCode}`, response: { headers: { get: (n: string) => headers[n] } } });

describe("classifyMonitorError", () => {
  it("makes a 401 that is not about the token, or AuthorizationFailed, a missing metrics read on the subscription", () => {
    for (const err of [answer(401, "AuthorizationFailed"), answer(401), answer(403, "AuthorizationFailed")]) {
      const classified = classifyMonitorError(err, SCOPE);
      assert.ok(classified instanceof AuthorizationError, String(classified));
      assert.equal(classified.action, "Microsoft.Insights/metrics/read");
      assert.equal(classified.scope, SCOPE);
      assert.match(classified.message, /'Microsoft\.Insights\/metrics\/read' on '\/subscriptions\//);
    }
  });

  it("keeps token problems and other 403s (the provider not registered) as rejected credentials, not a missing role", () => {
    for (const err of [answer(401, "ExpiredAuthenticationToken"), answer(401, "InvalidAuthenticationTokenAudience"), answer(403, "SubscriptionNotRegistered")]) {
      const classified = classifyMonitorError(err, SCOPE);
      assert.ok(classified instanceof CredentialsRejectedError && !(classified instanceof AuthorizationError), String(classified));
    }
  });

  it("makes 429 and 529 throttling with the server's hint, anything else transient", () => {
    const throttled = classifyMonitorError(answer(529, undefined, { "retry-after": "7" }), SCOPE);
    assert.ok(throttled instanceof ThrottledError);
    assert.equal(throttled.retryAfterMs, 7000);
    const failed = classifyMonitorError(answer(500, "InternalServerError"), SCOPE);
    assert.ok(failed instanceof TransientError && !(failed instanceof CredentialsRejectedError));
  });
});
