import { strict as assert } from "node:assert";
import type { NodeAttributes } from "../../../kubelet/src/api/attributes";
import { ANONYMOUS_USER, Authenticator, type UserInfo, bearerToken, userFromCertificate } from "../../../kubelet/src/api/authn";
import { Authorizer, decisionKey } from "../../../kubelet/src/api/authz";
import { silentLogger } from "../../../kubelet/src/log";

const alice: UserInfo = { username: "alice", groups: ["devs", "system:authenticated"] };
const attrs = (subresource: string): NodeAttributes => ({ verb: "get", resource: "nodes", subresource, name: "vnode" });
const tokenRequest = (token?: string) => ({ socket: {}, headers: token ? { authorization: `Bearer ${token}` } : {} }) as unknown as Parameters<Authenticator["authenticate"]>[0];

describe("kubelet API authentication", () => {
  it("takes the user from a certificate's common name and the groups from its organisations", () => {
    assert.deepEqual(userFromCertificate({ CN: "kube-apiserver-kubelet-client", O: ["a", "b"] }), { username: "kube-apiserver-kubelet-client", groups: ["a", "b", "system:authenticated"] });
    assert.deepEqual(userFromCertificate({ CN: "u", O: "single" })?.groups, ["single", "system:authenticated"]);
    assert.equal(userFromCertificate({ O: "no-cn" }), undefined);
  });

  it("reads bearer tokens only from a Bearer header", () => {
    assert.equal(bearerToken("Bearer abc.def"), "abc.def");
    assert.equal(bearerToken("bearer abc"), "abc");
    assert.equal(bearerToken("Basic abc"), undefined);
    assert.equal(bearerToken(undefined), undefined);
  });

  it("reviews a token once while cached, remembers rejections briefly, and never caches a failed review", async () => {
    let now = 0;
    const reviewed: string[] = [];
    let failNext = false;
    const authn = new Authenticator({
      log: silentLogger,
      now: () => now,
      review: (token) => {
        reviewed.push(token);
        if (failNext) return Promise.reject(new Error("API server unreachable"));
        return Promise.resolve(token === "good" ? alice : undefined);
      },
    });
    assert.deepEqual(await authn.authenticate(tokenRequest("good")), { user: alice });
    assert.deepEqual(await authn.authenticate(tokenRequest("good")), { user: alice });
    assert.deepEqual(await authn.authenticate(tokenRequest("bad")), { failure: "invalid-token" });
    assert.deepEqual(await authn.authenticate(tokenRequest("bad")), { failure: "invalid-token" });
    assert.deepEqual(reviewed, ["good", "bad"]);
    now += 11_000;
    await authn.authenticate(tokenRequest("bad"));
    await authn.authenticate(tokenRequest("good"));
    assert.deepEqual(reviewed, ["good", "bad", "bad"], "rejections expire after 10 s, acceptances live longer");
    failNext = true;
    assert.deepEqual(await authn.authenticate(tokenRequest("other")), { failure: "review-failed" });
    failNext = false;
    assert.deepEqual(await authn.authenticate(tokenRequest("other")), { failure: "invalid-token" });
    assert.deepEqual(await authn.authenticate(tokenRequest()), { failure: "anonymous" });
  });

  it("with anonymous requests allowed, serves one without credentials as system:anonymous, and still refuses a bad token or certificate", async () => {
    const authn = new Authenticator({ log: silentLogger, anonymous: true, review: (token) => Promise.resolve(token === "good" ? alice : undefined) });
    assert.deepEqual(await authn.authenticate(tokenRequest()), { user: { username: "system:anonymous", groups: ["system:unauthenticated"] } });
    assert.equal(ANONYMOUS_USER.username, "system:anonymous");
    assert.deepEqual(await authn.authenticate(tokenRequest("bad")), { failure: "invalid-token" });
    assert.deepEqual(await authn.authenticate(tokenRequest("good")), { user: alice });
    const unverified = { socket: { authorized: false, getPeerCertificate: () => ({ subject: { CN: "mallory" } }) }, headers: {} } as unknown as Parameters<Authenticator["authenticate"]>[0];
    assert.deepEqual(await authn.authenticate(unverified), { failure: "invalid-certificate" });
  });
});

describe("kubelet API authorisation", () => {
  it("asks for the fine-grained subresource, then proxy, and caches allowed for 30 s and denied for 10 s", async () => {
    let now = 0;
    const asked: string[] = [];
    const allowed = new Set(["proxy"]);
    const authz = new Authorizer({ now: () => now, review: (_u, a) => (asked.push(a.subresource), Promise.resolve({ allowed: allowed.has(a.subresource) })) });
    assert.equal((await authz.authorize(alice, [attrs("pods"), attrs("proxy")])).allowed, true);
    assert.deepEqual(asked, ["pods", "proxy"]);
    await authz.authorize(alice, [attrs("pods"), attrs("proxy")]);
    assert.deepEqual(asked, ["pods", "proxy"], "both answers cached");
    allowed.clear();
    now += 10_001;
    assert.equal((await authz.authorize(alice, [attrs("pods"), attrs("proxy")])).allowed, true, "allowed is still cached");
    assert.deepEqual(asked, ["pods", "proxy", "pods"], "denied expired after 10 s");
    now += 20_000;
    assert.equal((await authz.authorize(alice, [attrs("pods"), attrs("proxy")])).allowed, false, "allowed expired after 30 s");
  });

  it("keys decisions by everything about the user, and stays within its size", async () => {
    assert.notEqual(decisionKey(alice, attrs("proxy")), decisionKey({ ...alice, groups: ["system:authenticated"] }, attrs("proxy")));
    assert.equal(decisionKey(alice, attrs("proxy")), decisionKey({ ...alice, groups: [...alice.groups].reverse() }, attrs("proxy")));
    let reviews = 0;
    const authz = new Authorizer({ cacheSize: 2, review: () => (reviews++, Promise.resolve({ allowed: true })) });
    for (const name of ["a", "b", "c", "a"]) await authz.authorize({ username: name, groups: [] }, [attrs("stats")]);
    assert.equal(reviews, 4, "the oldest decision was evicted");
  });

  it("lets a review failure propagate (the server answers 500, not 403)", async () => {
    const authz = new Authorizer({ review: () => Promise.reject(new Error("unreachable")) });
    await assert.rejects(authz.authorize(alice, [attrs("proxy")]), /unreachable/);
  });
});
