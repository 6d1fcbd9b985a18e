import { strict as assert } from "node:assert";
import { RequestContext, HttpMethod } from "@kubernetes/client-node";
import { PooledKubeConfig } from "../../../kubelet/src/kube/pooled-kube-config";

function config(): PooledKubeConfig {
  const kc = new PooledKubeConfig();
  kc.loadFromOptions({
    // A CA makes client-node build an agent of its own (nothing connects in these tests).
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: Buffer.from("not-a-real-ca").toString("base64"), skipTLSVerify: false }],
    users: [{ name: "u", token: "t0" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return kc;
}

describe("PooledKubeConfig", () => {
  it("gives every request of one config the same connection pool, and still applies credentials per request", async () => {
    const kc = config();
    const a = new RequestContext("https://127.0.0.1:6443/api/v1/pods", HttpMethod.GET);
    const b = new RequestContext("https://127.0.0.1:6443/api/v1/nodes", HttpMethod.GET);
    await kc.applySecurityAuthentication(a);
    await kc.applySecurityAuthentication(b);
    assert.ok(a.getDispatcher());
    assert.equal(a.getDispatcher(), b.getDispatcher());
    assert.equal(b.getHeaders().Authorization, "Bearer t0");
  });

  it("keeps separate pools for separate configs", async () => {
    const a = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
    const b = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
    await config().applySecurityAuthentication(a);
    await config().applySecurityAuthentication(b);
    assert.notEqual(a.getDispatcher(), b.getDispatcher());
  });
});
