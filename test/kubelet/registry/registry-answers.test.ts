import { strict as assert } from "node:assert";
import { ImagePullError, ThrottledError, TransientError } from "../../../kubelet/src/errors";
import { ImageConfigResolver } from "../../../kubelet/src/registry/image-config";

/** A registry that answers every request with one status (and no challenge to answer). */
function answering(status: number, headers: Record<string, string> = {}): typeof fetch {
  return () => Promise.resolve(new Response(status === 200 ? "{}" : "", { status, headers }));
}

describe("ImageConfigResolver: what a registry's answer means for the pod", () => {
  for (const status of [401, 403, 404]) {
    it(`${status} is an image pull failure (the user's to fix, and often fixed by time), naming the image`, async () => {
      const resolver = new ImageConfigResolver({ fetch: answering(status) });
      await assert.rejects(resolver.resolve("registry.example/team/app:1"), (e: unknown) => e instanceof ImagePullError && e.image === "registry.example/team/app:1" && new RegExp(`answered ${status} for registry.example/team/app:1`).test(e.message));
    });
  }

  it("says a refused image may need a pull secret, or that the secret's credentials were refused", async () => {
    await assert.rejects(new ImageConfigResolver({ fetch: answering(403) }).resolve("registry.example/app:1"), /may need an image pull secret/);
    await assert.rejects(new ImageConfigResolver({ fetch: answering(403) }).resolve("registry.example/app:1", { username: "u", password: "p" }), /pull secret's credentials were not accepted/);
  });

  it("429 is throttling with the registry's Retry-After; 5xx is transient", async () => {
    await assert.rejects(new ImageConfigResolver({ fetch: answering(429, { "retry-after": "7" }) }).resolve("registry.example/app:1"), (e: unknown) => e instanceof ThrottledError && e.retryAfterMs === 7_000);
    await assert.rejects(new ImageConfigResolver({ fetch: answering(503) }).resolve("registry.example/app:1"), (e: unknown) => e instanceof TransientError && !(e instanceof ImagePullError));
  });

  it("an index without a linux/amd64 variant is an image pull failure", async () => {
    const index = JSON.stringify({ mediaType: "application/vnd.oci.image.index.v1+json", manifests: [{ digest: "sha256:aa", platform: { os: "linux", architecture: "arm64" } }] });
    const resolver = new ImageConfigResolver({ fetch: () => Promise.resolve(new Response(index, { status: 200 })) });
    await assert.rejects(resolver.resolve("registry.example/app:1"), (e: unknown) => e instanceof ImagePullError && /linux\/amd64/.test(e.message));
  });
});
