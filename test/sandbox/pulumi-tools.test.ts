import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { toolsetCacheDir } from "../../sandbox/binaries";
import { DEFAULT_KUBERNETES_PROVIDER, goModReplaces, kubernetesProvider, kubernetesProviderVersion, pulumiCli, pulumiVersion } from "../../sandbox/binaries/pulumi-tools";

describe("sandbox binaries: the Pulumi CLI and the Kubernetes provider", () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), "burstlet-pulumi-tools-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it("builds the CLI at the @pulumi/pulumi version the lockfile pins", () => {
    const lock = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> };
    const locked = lock.packages["node_modules/@pulumi/pulumi"].version;
    assert.equal(pulumiVersion({}), `v${locked}`);
    const env = { BURSTLET_CACHE_DIR: root };
    assert.equal(toolsetCacheDir(pulumiCli(env), env), path.join(root, "pulumi-cli", `v${locked}`));
    assert.deepEqual(pulumiCli(env).binaries, ["pulumi"]);
  });

  it("reads another lockfile's pin, and says which file and field when there is none", () => {
    const lockfile = path.join(root, "package-lock.json");
    writeFileSync(lockfile, JSON.stringify({ packages: { "node_modules/@pulumi/pulumi": { version: "3.200.1" } } }));
    assert.equal(pulumiVersion({}, lockfile), "v3.200.1");
    writeFileSync(lockfile, JSON.stringify({ packages: {} }));
    assert.throws(() => pulumiVersion({}, lockfile), /has no packages\["node_modules\/@pulumi\/pulumi"\]\.version .*set BURSTLET_PULUMI_VERSION/);
    assert.throws(() => pulumiVersion({}, path.join(root, "missing.json")), /cannot read .*missing\.json/);
  });

  it("takes version overrides only in the form it can build, naming the variable", () => {
    assert.equal(pulumiVersion({ BURSTLET_PULUMI_VERSION: "v3.250.0" }), "v3.250.0");
    assert.throws(() => pulumiVersion({ BURSTLET_PULUMI_VERSION: "3.250.0" }), /BURSTLET_PULUMI_VERSION must look like v3\.276\.0, got "3\.250\.0"/);
    assert.deepEqual(kubernetesProviderVersion({}), DEFAULT_KUBERNETES_PROVIDER);
    assert.deepEqual(kubernetesProviderVersion({ BURSTLET_PULUMI_KUBERNETES_VERSION: "v4.26.0" }), { module: "v4.26.0", release: "4.26.0" });
    assert.throws(() => kubernetesProviderVersion({ BURSTLET_PULUMI_KUBERNETES_VERSION: "latest" }), /BURSTLET_PULUMI_KUBERNETES_VERSION must be a release tag like v4\.25\.0, got "latest"/);
  });

  it("caches the provider by the module version it is built from", () => {
    const env = { BURSTLET_CACHE_DIR: root };
    assert.equal(toolsetCacheDir(kubernetesProvider(env), env), path.join(root, "pulumi-kubernetes", DEFAULT_KUBERNETES_PROVIDER.module));
    assert.match(kubernetesProvider(env).title, /Kubernetes provider 4\.25\.0/);
  });

  it("reads a go.mod's replaces, single and in blocks, local and versioned", () => {
    const goMod = [
      "module example.com/m",
      "replace github.com/pulumi/pulumi/sdk/v3 => ../sdk",
      "replace github.com/atotto/clipboard => github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e",
      "replace (",
      "\tk8s.io/api v0.0.0 => ./staging/src/k8s.io/api",
      ")",
      "require github.com/pulumi/pulumi/sdk/v3 v3.276.0",
    ].join("\n");
    assert.deepEqual(goModReplaces(goMod), [
      { from: "github.com/pulumi/pulumi/sdk/v3", to: "../sdk", version: undefined },
      { from: "github.com/atotto/clipboard", to: "github.com/tgummerer/clipboard", version: "v0.0.0-20241001131231-d02d263e614e" },
      { from: "k8s.io/api", to: "./staging/src/k8s.io/api", version: undefined },
    ]);
  });
});
