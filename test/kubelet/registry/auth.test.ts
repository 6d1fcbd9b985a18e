import { strict as assert } from "node:assert";
import { parseChallenge } from "../../../kubelet/src/registry/auth-challenge";
import { ImageConfigResolver } from "../../../kubelet/src/registry/image-config";
import { LruCache } from "../../../kubelet/src/registry/lru";

describe("parseChallenge", () => {
  it("reads a bearer challenge's realm, service and scope", () => {
    assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"'), {
      scheme: "bearer",
      params: { realm: "https://auth.example/token", service: "registry.example", scope: "repository:a/b:pull" },
    });
  });

  it("reads a basic challenge and ignores unknown schemes", () => {
    assert.deepEqual(parseChallenge('Basic realm="r"'), { scheme: "basic", params: { realm: "r" } });
    assert.equal(parseChallenge("Negotiate abc"), undefined);
    assert.equal(parseChallenge(null), undefined);
  });
});

describe("ImageConfigResolver bearer-token flow", () => {
  it("fetches a token from the challenge's realm with the credentials, then retries with it", async () => {
    const config = Buffer.from(JSON.stringify({ config: { Entrypoint: ["/e"], Cmd: ["c"] } }));
    const configDigest = `sha256:${(await import("node:crypto")).createHash("sha256").update(config).digest("hex")}`;
    const seen: string[] = [];
    const fake: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const auth = new Headers(init?.headers).get("authorization") ?? "";
      seen.push(`${url.pathname}${url.search} ${auth.split(" ")[0]}`);
      if (url.hostname === "auth.example") {
        assert.equal(auth, `Basic ${Buffer.from("u:p").toString("base64")}`);
        return Promise.resolve(Response.json({ token: "T" }));
      }
      if (auth !== "Bearer T") {
        return Promise.resolve(new Response("", { status: 401, headers: { "www-authenticate": 'Bearer realm="https://auth.example/token",service="reg",scope="repository:o/app:pull"' } }));
      }
      if (url.pathname.endsWith("/manifests/1")) return Promise.resolve(Response.json({ schemaVersion: 2, config: { digest: configDigest } }));
      return Promise.resolve(new Response(config));
    };
    const resolver = new ImageConfigResolver({ fetch: fake });
    assert.deepEqual(await resolver.resolve("reg.example/o/app:1", { username: "u", password: "p" }), { entrypoint: ["/e"], cmd: ["c"] });
    assert.deepEqual(seen, [
      "/v2/o/app/manifests/1 ",
      "/token?service=reg&scope=repository%3Ao%2Fapp%3Apull Basic",
      "/v2/o/app/manifests/1 Bearer",
      `/v2/o/app/blobs/${configDigest} Bearer`,
    ]);
  });
});

describe("LruCache", () => {
  it("evicts the least recently used entry and expires entries after their time to live", () => {
    let now = 0;
    const cache = new LruCache<string, number>(2, () => now);
    cache.set("a", 1);
    cache.set("b", 2);
    assert.equal(cache.get("a"), 1);
    cache.set("c", 3);
    assert.equal(cache.get("b"), undefined);
    assert.equal(cache.size, 2);
    cache.set("t", 4, 100);
    now = 100;
    assert.equal(cache.get("t"), undefined);
    assert.equal(cache.get("c"), 3);
  });
});
