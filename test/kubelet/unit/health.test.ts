import { strict as assert } from "node:assert";
import { ArmHealth } from "../../../kubelet/src/aci/health";
import { AuthorizationError, CredentialsRejectedError, ThrottledError, TransientError } from "../../../kubelet/src/errors";

describe("ArmHealth (Ready with hysteresis, on a fake clock)", () => {
  it("stays Ready through failures shorter than the threshold, then says what failed", () => {
    const health = new ArmHealth(120_000);
    const outage = new TransientError("usages: 503 ServiceUnavailable");
    assert.equal(health.observe(outage, 0).healthy, true);
    const at119 = health.observe(outage, 119_000);
    assert.equal(at119.healthy, true);
    assert.match(at119.message, /has not answered for 119 s; the node turns NotReady after 120 s/);
    const down = health.observe(outage, 120_000);
    assert.deepEqual([down.healthy, down.reason], [false, "ArmUnreachable"]);
    assert.match(down.message, /Azure Resource Manager has not answered for 120 s: usages: 503/);
    assert.equal(health.observe(undefined, 121_000).healthy, true);
    assert.equal(health.observe(outage, 122_000).healthy, true, "a new outage starts a new count");
  });

  it("counts a throttled answer as an answer", () => {
    const health = new ArmHealth(1_000);
    health.observe(new TransientError("503"), 0);
    assert.equal(health.observe(new ThrottledError("429"), 10_000).healthy, true);
    assert.equal(health.observe(new TransientError("503"), 10_500).healthy, true, "the 429 ended the earlier trouble");
  });

  it("names rejected credentials, and counts from when ARM stopped answering if that is known", () => {
    const health = new ArmHealth(60_000);
    const refused = health.observe(new CredentialsRejectedError("401 (credentials rejected)"), 90_000, 10_000);
    assert.deepEqual([refused.healthy, refused.reason], [false, "CredentialsRejected"]);
    assert.match(refused.message, /rejected burstlet's credentials for 80 s/);
  });

  it("turns NotReady at once for a refused permission, naming the action and scope", () => {
    const health = new ArmHealth(120_000);
    const denied = health.observe(new AuthorizationError("Microsoft.ContainerInstance/locations/usages/read", "/subscriptions/s/providers/Microsoft.ContainerInstance/locations/westeurope", "AuthorizationFailed"), 0);
    assert.deepEqual([denied.healthy, denied.reason], [false, "AuthorizationFailed"]);
    assert.match(denied.message, /'Microsoft\.ContainerInstance\/locations\/usages\/read' on '\/subscriptions\/s\/providers\/Microsoft\.ContainerInstance\/locations\/westeurope'/);
    assert.equal(health.observe(undefined, 1_000).healthy, true, "Ready again once the role is granted");
  });
});
