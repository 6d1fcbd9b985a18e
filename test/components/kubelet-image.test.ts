import assert from "node:assert/strict";
import * as path from "node:path";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { KubeletImage, kubeletBundleStage } from "../../components/kubelet-image";
import { stubRegistryExchange } from "./fetch-stub";
import { declared, ofType, oneOfType, SUBSCRIPTION_ID, useMocks, valueOf } from "./mocks";

const root = path.resolve(__dirname, "../..");

describe("KubeletImage", () => {
  const exchanges = stubRegistryExchange().urls;
  before(() => useMocks());

  it("passes a given image reference through and declares nothing", async () => {
    let image!: KubeletImage;
    const { resources } = await declared(() => (image = new KubeletImage("img", { image: "burstlet:1.2.3" })));
    assert.deepEqual(resources.map((r) => r.type), []);
    assert.equal(await valueOf(image.imageRef), "burstlet:1.2.3");
  });

  it("builds kubelet/Dockerfile from the package root into a new registry with no admin user", async () => {
    let image!: KubeletImage;
    const { resources } = await declared(() => (image = new KubeletImage("img", { build: { resourceGroupName: "rg", tag: "dev" }, pullPrincipalIds: ["kubelet-object-id"] })));
    const registry = oneOfType(resources, "azure-native:containerregistry:Registry");
    assert.equal(registry.inputs.adminUserEnabled, false);
    assert.equal(registry.name, "imgregistry", "registry names are 5+ letters and digits");
    const build = oneOfType(resources, "docker-build:index:Image");
    assert.deepEqual(build.inputs.context, { location: root });
    assert.deepEqual(build.inputs.dockerfile, { location: path.join(root, "kubelet", "Dockerfile") });
    assert.deepEqual(build.inputs.buildArgs, { KUBELET_BUNDLE: "source" }, "this repository builds from its sources and lockfile");
    assert.deepEqual(build.inputs.tags, ["imgregistry.registry.test/burstlet:dev"]);
    assert.equal(build.inputs.push, true);
    assert.deepEqual(build.inputs.platforms, ["linux/amd64"]);
    const [login] = build.inputs.registries;
    assert.equal(login.address, "imgregistry.registry.test");
    assert.equal(login.username, "00000000-0000-0000-0000-000000000000");
    assert.ok(build.secretPaths.includes("registries"), "the registry token is a secret");
    assert.ok(exchanges.includes("https://imgregistry.registry.test/oauth2/exchange"));
    assert.match(await valueOf(image.imageRef), /^imgregistry\.registry\.test\/burstlet@sha256:[0-9a-f]{64}$/);

    const pull = oneOfType(resources, "azure-native:authorization:RoleAssignment");
    assert.equal(pull.inputs.principalId, "kubelet-object-id");
    assert.equal(pull.inputs.scope, await valueOf(image.registryId!));
    assert.equal(pull.inputs.roleDefinitionId, `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`);
  });

  it("pushes to a given registry without creating one", async () => {
    const id = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/shared/providers/Microsoft.ContainerRegistry/registries/corp`;
    const { resources } = await declared(() => new KubeletImage("img", { build: { registry: { id, loginServer: "corp.registry.test" } } }));
    assert.equal(ofType(resources, "azure-native:containerregistry:Registry").length, 0);
    assert.match(String(oneOfType(resources, "docker-build:index:Image").inputs.tags[0]), /^corp\.registry\.test\/burstlet:\d+\.\d+\.\d+/);
  });

  it("requires exactly one of image or build", () => {
    assert.throws(() => new KubeletImage("x", {}), /KubeletImage "x": image: exactly one of `image` or `build` must be set/);
    assert.throws(() => new KubeletImage("y", { image: "a", build: {} }), /exactly one of `image` or `build`/);
    assert.throws(() => new KubeletImage("z", { build: {} }), /build\.resourceGroupName: is required to create a registry/);
    assert.throws(() => new KubeletImage("t", { build: { resourceGroupName: "rg", tag: "no spaces" } }), /build\.tag: must be a valid image tag/);
  });

  it("builds an installed package, which has no lockfile, from the bundle npm pack made; without either it says what to do", () => {
    const installed = mkdtempSync(path.join(tmpdir(), "burstlet-installed-"));
    try {
      assert.throws(() => kubeletBundleStage(installed, "KubeletImage \"k\": build"), /KubeletImage "k": build: .* has neither package-lock\.json nor kubelet\/dist\/main\.js .*give a ready `image` instead/);
      mkdirSync(path.join(installed, "kubelet", "dist"), { recursive: true });
      writeFileSync(path.join(installed, "kubelet", "dist", "main.js"), "");
      assert.equal(kubeletBundleStage(installed, "build"), "prebuilt");
      writeFileSync(path.join(installed, "package-lock.json"), "{}");
      assert.equal(kubeletBundleStage(installed, "build"), "source");
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });
});
