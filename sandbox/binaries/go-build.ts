/**
 * Builds toolsets with the Go toolchain: a throwaway wrapper module per toolset, modules resolved
 * for all of them first, then one `go build -v` each, counting the packages it compiles against
 * what `go list -deps` said it needs, so progress can say how far along the build is and estimate
 * what is left from the rate so far.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import type { Toolset } from "./catalog";

/** A wrapper module in a directory of its own, and a way to run `go` in it. */
export interface GoModule {
  readonly dir: string;
  /** Runs `go <args>` in the module (with `env` added); resolves with stdout, rejects with the tail of stderr. */
  run(args: readonly string[], onStderrLine?: (line: string) => void, env?: Readonly<Record<string, string>>): Promise<string>;
  /** Downloads a module's go.mod from the proxy and returns its text. */
  downloadGoMod(moduleAtVersion: string): Promise<string>;
}

export interface BuildTarget {
  readonly toolset: Toolset;
  /** Where the binaries go (created; the caller moves it into place). */
  readonly outDir: string;
}

const GO_ENV = { GOFLAGS: "-mod=mod", GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local", CGO_ENABLED: "0" };

function goModule(dir: string): GoModule {
  const run = (args: readonly string[], onStderrLine?: (line: string) => void, env: Readonly<Record<string, string>> = {}): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn("go", args, { cwd: dir, env: { ...process.env, ...GO_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let tail = "";
      let partial = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => {
        const text = partial + chunk.toString();
        const lines = text.split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) {
          tail = `${tail}${line}\n`.slice(-6000);
          onStderrLine?.(line);
        }
      });
      child.on("error", (err) => reject(new Error(`could not run go (${err.message}): the sandbox builds its binaries with Go; install Go 1.25 or newer`)));
      child.on("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`go ${args.join(" ")} failed (exit ${code}) in ${dir}:\n${tail}${partial}`))));
    });
  return {
    dir,
    run,
    async downloadGoMod(moduleAtVersion) {
      const info = JSON.parse(await run(["mod", "download", "-json", moduleAtVersion])) as { GoMod?: string; Error?: string };
      if (!info.GoMod) throw new Error(`could not download ${moduleAtVersion}: ${info.Error ?? "no go.mod"}`);
      return readFileSync(info.GoMod, "utf8");
    },
  };
}

/** What is left of a build, from the rate so far: elapsed × (total − done) ÷ done; unknown before the first package. */
export function estimateLeftMs(elapsedMs: number, done: number, total: number): number | undefined {
  return done > 0 ? (elapsedMs * Math.max(total - done, 0)) / done : undefined;
}

/** `75 s` → `1m15s`. */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * Builds every target, printing one line per step (n/N, the binaries, elapsed time) and, while
 * compiling, a line every `tickMs` with packages compiled so far and an estimate of what is left.
 */
export async function buildToolsets(targets: readonly BuildTarget[], progress: (line: string) => void, tickMs = 20_000): Promise<void> {
  const started = Date.now();
  const say = (text: string): void => progress(`[sandbox build] ${text} (${clock(Date.now() - started)} elapsed)`);
  const work = mkdtempSync(path.join(tmpdir(), "burstlet-go-build-"));
  try {
    say(`resolving Go modules for ${targets.map((t) => t.toolset.label).join(" and ")} (downloads on the first run)`);
    const prepared = [];
    for (const [i, target] of targets.entries()) {
      const label = `${i + 1}/${targets.length} ${target.toolset.label}`;
      let step = "resolving its modules";
      const ticker = setInterval(() => say(`${label}: still ${step}`), tickMs);
      ticker.unref();
      try {
        const dir = path.join(work, target.toolset.name);
        mkdirSync(dir);
        const go = goModule(dir);
        await go.run(["mod", "init", `burstlet.local/sandbox-${target.toolset.name}`]);
        const { pkg, ldflags, test } = await target.toolset.prepare(go, (text) => {
          step = text;
          say(`${label}: ${text}`);
        });
        step = "listing the packages it compiles";
        const deps = (await go.run(["list", "-deps", "-f", "{{.ImportPath}}@{{if .Module}}{{.Module.Version}}{{end}}", pkg])).split("\n").filter(Boolean);
        prepared.push({ target, go, pkg, ldflags, test, deps });
      } finally {
        clearInterval(ticker);
      }
    }
    // Packages shared by two toolsets at the same version compile once (the build cache).
    const seen = new Set<string>();
    const counts = prepared.map((p) => p.deps.filter((d) => !seen.has(d) && seen.add(d)).length);
    const total = counts.reduce((a, b) => a + b, 0);
    let compiled = 0;
    const compileStarted = Date.now();
    const estimate = (): string => {
      const left = estimateLeftMs(Date.now() - compileStarted, compiled, total);
      return left === undefined ? "" : `; about ${clock(left)} left`;
    };
    for (const [i, p] of prepared.entries()) {
      const { toolset, outDir } = p.target;
      const label = `${i + 1}/${prepared.length} ${toolset.label}`;
      say(`${label}: compiling ${toolset.title}, ${counts[i]} packages, into ${toolset.binaries.join(", ")}${estimate()}`);
      const mine = new Set(p.deps.map((d) => d.slice(0, d.lastIndexOf("@"))));
      const ticker = setInterval(() => say(`${label}: ${Math.min(compiled, total)}/${total} packages compiled${estimate()}`), tickMs);
      ticker.unref();
      try {
        mkdirSync(outDir, { recursive: true });
        const [main, ...links] = toolset.binaries;
        const flags = ["-trimpath", "-ldflags", `-s -w ${p.ldflags}`];
        // A test binary: `go build -v` compiles the package and what it imports (with progress), then `go test -c` links.
        await p.go.run(["build", "-v", ...flags, ...(p.test ? [] : ["-o", path.join(outDir, main)]), p.pkg], (line) => {
          if (mine.has(line.trim())) compiled++;
        });
        if (p.test) await p.go.run(["test", "-c", ...flags, "-o", path.join(outDir, main), p.pkg]);
        for (const link of links) symlinkSync(main, path.join(outDir, link));
      } finally {
        clearInterval(ticker);
      }
      compiled = counts.slice(0, i + 1).reduce((a, b) => a + b, 0);
      say(`${label}: done${estimate()}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
