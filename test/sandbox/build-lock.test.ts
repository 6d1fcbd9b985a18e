import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { once } from "node:events";
import { BUILD_LOCK, releaseBuildLock, tryBuildLock } from "../../sandbox/binaries/build-lock";
import { registry } from "../../sandbox/binaries/catalog";
import { ensureAllBinaries, toolsetCacheDir } from "../../sandbox/binaries";

describe("sandbox binaries: one build at a time per cache", () => {
  let root: string;
  let other: ChildProcess | undefined;
  /** Another process, alive until killed. */
  const otherProcess = (): ChildProcess => (other = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" }));
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), "burstlet-lock-test-"))));
  afterEach(() => {
    other?.kill();
    other = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it("takes a free lock, leaves a live owner's alone, takes over a dead owner's, and releases only its own", async () => {
    const lock = path.join(root, BUILD_LOCK);
    const live = otherProcess();
    writeFileSync(lock, `${live.pid}\n`);
    assert.equal(tryBuildLock(root), false, "another live process builds");
    releaseBuildLock(root);
    assert.equal(readFileSync(lock, "utf8"), `${live.pid}\n`, "not released by a process that does not hold it");
    live.kill();
    await once(live, "exit");
    assert.equal(tryBuildLock(root), true, "its owner is gone: taken over");
    assert.equal(readFileSync(lock, "utf8"), `${process.pid}\n`);
    releaseBuildLock(root);
    assert.equal(tryBuildLock(root), true, "free again");
    releaseBuildLock(root);
  });

  it("waits for another run's build into the same cache, saying so, and builds nothing once that run has put the binaries there", async () => {
    const env = { BURSTLET_CACHE_DIR: root };
    const toolset = registry(env);
    const builder = otherProcess();
    writeFileSync(path.join(root, BUILD_LOCK), `${builder.pid}\n`);
    const lines: string[] = [];
    let waiting!: () => void;
    const saidWaiting = new Promise<void>((resolve) => (waiting = resolve));
    const found = ensureAllBinaries({ env, toolsets: [toolset], progress: (line) => (lines.push(line), line.includes("waiting") && waiting()) });
    await saidWaiting;
    // The other run finishes: its binaries are in the cache, its lock gone.
    const dir = toolsetCacheDir(toolset, env);
    mkdirSync(dir, { recursive: true });
    for (const b of toolset.binaries) writeFileSync(path.join(dir, b), "");
    rmSync(path.join(root, BUILD_LOCK));
    const sets = await found;
    assert.equal(sets.get(toolset.name)?.dir, dir);
    assert.match(lines[0], new RegExp(`^\\[sandbox build\\] waiting for the build of process ${builder.pid} into ${root} to finish \\(0 s so far\\)$`));
    assert.ok(!lines.some((l) => l.startsWith("Building")), lines.join("\n"));
  });
});
