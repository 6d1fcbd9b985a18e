import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { allToolsets, controlPlane, pinnedVersions, registry } from "../../sandbox/binaries/catalog";
import { buildToolsets, clock, estimateLeftMs } from "../../sandbox/binaries/go-build";
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
    const env = { BURSTLET_CACHE_DIR: root, BURSTLET_K8S_VERSION: "v1.36.1" };
    assert.equal(toolsetCacheDir(controlPlane(env), env), path.join(root, "control-plane", "v1.36.1-kwok-v0.8.0-metrics-server-v0.9.0"));
    assert.equal(toolsetCacheDir(registry(env), env), path.join(root, "registry", "v3.1.2"));
    const kwokPinned = { ...env, BURSTLET_KWOK_VERSION: "v0.8.1" };
    assert.equal(toolsetCacheDir(controlPlane(kwokPinned), kwokPinned), path.join(root, "control-plane", "v1.36.1-kwok-v0.8.1-metrics-server-v0.9.0"), "every version in the program is in its key");
  });

  it("looks in the named directory first, then the cache, and needs every binary of the toolset", () => {
    const own = path.join(root, "own");
    const env = { BURSTLET_CACHE_DIR: path.join(root, "cache"), BURSTLET_K8S_BIN_DIR: own };
    const cp = controlPlane(env);
    assert.equal(findToolset(cp, env), undefined);
    assert.equal(controlPlaneNeedsBuild(env), true);
    fill(toolsetCacheDir(cp, env), cp.binaries.filter((b) => b !== "metrics-server"));
    assert.equal(controlPlaneNeedsBuild(env), true, "metrics-server is still missing");
    fill(toolsetCacheDir(cp, env), cp.binaries);
    assert.equal(findToolset(cp, env), toolsetCacheDir(cp, env));
    assert.equal(controlPlaneNeedsBuild(env), false);
    fill(own, cp.binaries.slice(1));
    assert.equal(findToolset(cp, env), toolsetCacheDir(cp, env), "an incomplete directory is passed over");
    fill(own, cp.binaries);
    assert.equal(findToolset(cp, env), own);
  });

  it("refuses an incomplete BURSTLET_K8S_BIN_DIR, naming what it lacks, rather than building", async () => {
    const own = path.join(root, "own");
    fill(own, ["kube-apiserver", "etcd"]);
    const env = { BURSTLET_CACHE_DIR: path.join(root, "cache"), BURSTLET_K8S_BIN_DIR: own };
    await assert.rejects(ensureAllBinaries({ env, toolsets: [controlPlane(env)], progress: () => assert.fail("no build") }), /BURSTLET_K8S_BIN_DIR=.* lacks kube-controller-manager, kube-scheduler, kubectl, kwok, metrics-server; unset it/);
  });

  it("finds built toolsets without building", async () => {
    const env = { BURSTLET_CACHE_DIR: root };
    for (const t of allToolsets(env)) fill(toolsetCacheDir(t, env), t.binaries);
    const sets = await ensureAllBinaries({ env, progress: () => assert.fail("no build") });
    assert.deepEqual([...sets.keys()], ["control-plane", "registry", "virtual-kubelet-e2e", "netif", "pulumi-cli", "pulumi-kubernetes"]);
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

  it("names the toolset and its step, n/N, while a slow preparation runs, not only once it ends", async () => {
    const lines: string[] = [];
    let heard!: () => void;
    const ticked = new Promise<void>((resolve) => (heard = resolve));
    const slow = {
      ...registry(),
      label: "slow",
      prepare: async (_go: unknown, progress: (text: string) => void) => {
        progress("generating files");
        await ticked;
        throw new Error("stopped here");
      },
    };
    const progress = (line: string): void => {
      lines.push(line);
      if (line.includes("still generating files")) heard();
    };
    await assert.rejects(buildToolsets([{ toolset: slow, outDir: path.join(root, "out") }], progress, 20), /stopped here/);
    assert.match(lines[0], /^\[sandbox build\] resolving Go modules for slow/);
    const step = lines.findIndex((line) => /^\[sandbox build\] 1\/1 slow: generating files \(\d+s elapsed\)$/.test(line));
    assert.ok(step > 0, lines.join("\n"));
    assert.match(lines.at(-1)!, /^\[sandbox build\] 1\/1 slow: still generating files \(\d+s elapsed\)$/);
    assert.ok(lines.slice(1, step).every((line) => line.includes("1/1 slow: still resolving its modules")), "before the step, only the module resolution is named");
  });
});
