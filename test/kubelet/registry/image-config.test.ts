import { strict as assert } from "node:assert";
import { ImagePullError, TransientError } from "../../../kubelet/src/errors";
import { ImageConfigResolver } from "../../../kubelet/src/registry/image-config";
import { startRegistry, type LocalRegistry } from "../../../sandbox/registry";

describe("ImageConfigResolver against a local registry", function () {
  this.timeout(60_000);

  describe("anonymous", () => {
    let registry: LocalRegistry;
    let resolver: ImageConfigResolver;
    let indexDigest: string;

    before(async () => {
      registry = await startRegistry();
      resolver = new ImageConfigResolver({ insecureRegistries: [registry.host] });
      await registry.pushImage("tools/resize", "1.0", { entrypoint: ["/usr/bin/resize"], cmd: ["--help"] }, "oci");
      await registry.pushImage("tools/legacy", "2", { entrypoint: ["/bin/legacy"], cmd: ["run"] }, "docker");
      await registry.pushImage("tools/cmd-only", "1", { cmd: ["sh"] }, "oci");
      indexDigest = await registry.pushIndex("tools/multi", "latest", [
        { architecture: "arm64", entrypoint: ["/arm"], cmd: [] },
        { architecture: "amd64", entrypoint: ["/amd"], cmd: ["x"] },
      ]);
    });
    after(async () => registry?.stop());

    it("reads Entrypoint and Cmd of an OCI image", async () => {
      assert.deepEqual(await resolver.resolve(`${registry.host}/tools/resize:1.0`), { entrypoint: ["/usr/bin/resize"], cmd: ["--help"] });
    });

    it("reads a Docker v2 manifest", async () => {
      assert.deepEqual(await resolver.resolve(`${registry.host}/tools/legacy:2`), { entrypoint: ["/bin/legacy"], cmd: ["run"] });
    });

    it("gives an empty entrypoint when the image has none", async () => {
      assert.deepEqual(await resolver.resolve(`${registry.host}/tools/cmd-only:1`), { entrypoint: [], cmd: ["sh"] });
    });

    it("picks linux/amd64 from an index, by tag and by digest", async () => {
      assert.deepEqual(await resolver.resolve(`${registry.host}/tools/multi`), { entrypoint: ["/amd"], cmd: ["x"] });
      assert.deepEqual(await resolver.resolve(`${registry.host}/tools/multi@${indexDigest}`), { entrypoint: ["/amd"], cmd: ["x"] });
    });

    it("throws ImagePullError for a missing tag or repository", async () => {
      await assert.rejects(resolver.resolve(`${registry.host}/tools/resize:9.9`), ImagePullError);
      await assert.rejects(resolver.resolve(`${registry.host}/nobody/here:1`), ImagePullError);
    });

    it("refuses plain HTTP to a registry not configured as insecure", async () => {
      const strict = new ImageConfigResolver({ timeoutMs: 5_000 });
      await assert.rejects(strict.resolve(`${registry.host}/tools/resize:1.0`), TransientError);
    });

    it("answers from its cache once resolved", async () => {
      let calls = 0;
      const counting = new ImageConfigResolver({ insecureRegistries: [registry.host], fetch: (input, init) => (calls++, fetch(input, init)) });
      await counting.resolve(`${registry.host}/tools/resize:1.0`);
      const afterFirst = calls;
      assert.deepEqual(await counting.resolve(`${registry.host}/tools/resize:1.0`), { entrypoint: ["/usr/bin/resize"], cmd: ["--help"] });
      assert.ok(afterFirst > 0);
      assert.equal(calls, afterFirst);
    });
  });

  describe("with htpasswd basic auth", () => {
    const user = { username: "puller", password: "s3cret-pass" };
    let registry: LocalRegistry;

    before(async () => {
      registry = await startRegistry({ user });
      await registry.pushImage("private/app", "1", { entrypoint: ["/app"], cmd: ["serve"] });
    });
    after(async () => registry?.stop());

    it("resolves with the pull secret's credentials", async () => {
      const resolver = new ImageConfigResolver({ insecureRegistries: [registry.host] });
      assert.deepEqual(await resolver.resolve(`${registry.host}/private/app:1`, user), { entrypoint: ["/app"], cmd: ["serve"] });
    });

    it("throws ImagePullError naming the missing pull secret when anonymous", async () => {
      const resolver = new ImageConfigResolver({ insecureRegistries: [registry.host] });
      await assert.rejects(resolver.resolve(`${registry.host}/private/app:1`), (e: unknown) => e instanceof ImagePullError && /image pull secret/.test(e.message));
    });

    it("throws ImagePullError when the credentials are wrong", async () => {
      const resolver = new ImageConfigResolver({ insecureRegistries: [registry.host] });
      await assert.rejects(resolver.resolve(`${registry.host}/private/app:1`, { username: "puller", password: "wrong" }), (e: unknown) => e instanceof ImagePullError && /refused/.test(e.message));
    });
  });
});
