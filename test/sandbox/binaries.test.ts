import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { controlPlane, kwok, metricsServer, pinnedVersions, registry } from "../../sandbox/binaries/catalog";
import { clock, estimateLeftMs } from "../../sandbox/binaries/go-build";
import { controlPlaneNeedsBuild, ensureAllBinaries, findToolset, toolsetCacheDir } from "../../sandbox/binaries";

describe("sandbox binaries: lookup, cache and progress", () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), "burstlet-bin-test-"))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function fill(dir: string, names: readonly string[]): void {
    mkdirSync(dir, { recursive: true });
    for (const name of names) writeFileSync(path.join(dir, name), "");
  }

  it("keeps one cache folder per toolset and version under BURSTLET_CACHE_DIR", () => {
    const env = { BURSTLET_CACHE_DIR: root, BURSTLET_K8S_VERSION: "v1.34.2" };
    assert.equal(toolsetCacheDir(controlPlane(env), env), path.join(root, "control-plane", "v1.34.2"));
    assert.equal(toolsetCacheDir(kwok(env), env), path.join(root, "kwok", "v0.7.0"));
    assert.equal(toolsetCacheDir(registry(env), env), path.join(root, "registry", "v3.1.2"));
    assert.equal(toolsetCacheDir(metricsServer(env), env), path.join(root, "metrics-server", "v0.8.0"));
  });

  it("looks in the named directory first, then the cache, and needs every binary of the toolset", () => {
    const own = path.join(root, "own");
    const env = { BURSTLET_CACHE_DIR: path.join(root, "cache"), BURSTLET_K8S_BIN_DIR: own };
    const cp = controlPlane(env);
    assert.equal(findToolset(cp, env), undefined);
    assert.equal(controlPlaneNeedsBuild(env), true);
    fill(toolsetCacheDir(cp, env), cp.binaries);
    assert.equal(controlPlaneNeedsBuild(env), true, "kwok is still missing");
    fill(toolsetCacheDir(kwok(env), env), ["kwok"]);
    assert.equal(controlPlaneNeedsBuild(env), true, "metrics-server is still missing");
    fill(toolsetCacheDir(metricsServer(env), env), ["metrics-server"]);
    assert.equal(findToolset(cp, env), toolsetCacheDir(cp, env));
    fill(own, cp.binaries.slice(1));
    assert.equal(findToolset(cp, env), toolsetCacheDir(cp, env), "an incomplete directory is passed over");
    fill(own, [...cp.binaries, "kwok", "metrics-server"]);
    assert.equal(findToolset(cp, env), own);
    assert.equal(findToolset(kwok(env), env), own);
    assert.equal(findToolset(metricsServer(env), env), own, "one directory may hold every control-plane binary");
    assert.equal(controlPlaneNeedsBuild(env), false);
  });

  it("refuses an incomplete BURSTLET_K8S_BIN_DIR, naming what it lacks, rather than building", async () => {
    const own = path.join(root, "own");
    fill(own, ["kube-apiserver", "etcd"]);
    const env = { BURSTLET_CACHE_DIR: path.join(root, "cache"), BURSTLET_K8S_BIN_DIR: own };
    await assert.rejects(ensureAllBinaries({ env, toolsets: [controlPlane(env)], progress: () => assert.fail("no build") }), /BURSTLET_K8S_BIN_DIR=.* lacks kube-controller-manager, kube-scheduler, kubectl; unset it/);
  });

  it("finds built toolsets without building", async () => {
    const env = { BURSTLET_CACHE_DIR: root };
    for (const t of [controlPlane(env), kwok(env), metricsServer(env), registry(env)]) fill(toolsetCacheDir(t, env), t.binaries);
    const sets = await ensureAllBinaries({ env, progress: () => assert.fail("no build") });
    assert.deepEqual([...sets.keys()], ["control-plane", "kwok", "metrics-server", "registry"]);
    assert.equal(sets.get("registry")!.path("registry"), path.join(root, "registry", "v3.1.2", "registry"));
  });

  it("rejects versions that are not vX.Y.Z, naming the variable", () => {
    assert.throws(() => pinnedVersions({ BURSTLET_REGISTRY_VERSION: "latest" }), /BURSTLET_REGISTRY_VERSION must look like v3\.1\.2, got "latest"/);
  });

  it("estimates what is left from the rate so far", () => {
    assert.equal(estimateLeftMs(60_000, 0, 100), undefined);
    assert.equal(estimateLeftMs(60_000, 25, 100), 180_000);
    assert.equal(estimateLeftMs(60_000, 120, 100), 0);
    assert.equal(clock(75_000), "1m15s");
    assert.equal(clock(9_400), "9s");
  });
});
