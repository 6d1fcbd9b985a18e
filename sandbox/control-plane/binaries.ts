/**
 * Where the control-plane binaries come from: a directory named by BURSTLET_K8S_BIN_DIR (or the
 * KUBEBUILDER_ASSETS that Kubernetes developers already have), then a per-user cache outside the
 * repository, and otherwise a build from the Go module proxy (build-binaries.sh) into that cache.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";

/** The Kubernetes release the sandbox runs; AKS supports it. Override with BURSTLET_K8S_VERSION. */
export const DEFAULT_KUBERNETES_VERSION = "v1.35.4";
/** The kwok release that simulates ordinary nodes. Override with BURSTLET_KWOK_VERSION. */
export const DEFAULT_KWOK_VERSION = "v0.7.0";

export const BINARIES = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"] as const;
export type BinaryName = (typeof BINARIES)[number];

export interface BinarySet {
  readonly dir: string;
  readonly kubernetesVersion: string;
  path(name: BinaryName): string;
}

export interface BinaryOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Receives build progress lines; the first build takes many minutes. @default stderr */
  readonly progress?: (line: string) => void;
}

/** The versions in force, after environment overrides. */
export function pinnedVersions(env: Readonly<Record<string, string | undefined>> = process.env): { kubernetes: string; kwok: string } {
  const kubernetes = env.BURSTLET_K8S_VERSION ?? DEFAULT_KUBERNETES_VERSION;
  const kwok = env.BURSTLET_KWOK_VERSION ?? DEFAULT_KWOK_VERSION;
  for (const [name, value] of [["BURSTLET_K8S_VERSION", kubernetes], ["BURSTLET_KWOK_VERSION", kwok]]) {
    if (!/^v\d+\.\d+\.\d+$/.test(value)) throw new Error(`${name} must look like v1.35.4, got "${value}"`);
  }
  return { kubernetes, kwok };
}

/** The cache directory for one version pair: $XDG_CACHE_HOME/burstlet/control-plane/<k8s>-kwok-<kwok>. */
export function cacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const { kubernetes, kwok } = pinnedVersions(env);
  const base = env.BURSTLET_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "burstlet");
  return path.join(base, "control-plane", `${kubernetes}-kwok-${kwok}`);
}

/** Finds the binaries, building them into the cache when no directory has all of them. */
export async function ensureBinaries(options: BinaryOptions = {}): Promise<BinarySet> {
  const env = options.env ?? process.env;
  const { kubernetes, kwok } = pinnedVersions(env);
  const candidates = [env.BURSTLET_K8S_BIN_DIR, env.KUBEBUILDER_ASSETS, cacheDir(env)].filter((d): d is string => !!d);
  const found = candidates.find(hasAll);
  if (found) return binarySet(found, kubernetes);
  if (env.BURSTLET_K8S_BIN_DIR) {
    const missing = BINARIES.filter((b) => !existsSync(path.join(env.BURSTLET_K8S_BIN_DIR!, b)));
    throw new Error(`BURSTLET_K8S_BIN_DIR=${env.BURSTLET_K8S_BIN_DIR} lacks ${missing.join(", ")}; unset it to build them into ${cacheDir(env)}`);
  }
  const target = cacheDir(env);
  await build(kubernetes, kwok, target, options.progress ?? ((line) => process.stderr.write(`${line}\n`)));
  return binarySet(target, kubernetes);
}

function hasAll(dir: string): boolean {
  return BINARIES.every((b) => existsSync(path.join(dir, b)));
}

function binarySet(dir: string, kubernetesVersion: string): BinarySet {
  return { dir, kubernetesVersion, path: (name) => path.join(dir, name) };
}

async function build(kubernetes: string, kwok: string, target: string, progress: (line: string) => void): Promise<void> {
  const script = path.join(__dirname, "build-binaries.sh");
  const staging = `${target}.partial-${process.pid}`;
  mkdirSync(path.dirname(target), { recursive: true });
  progress(`Building the Kubernetes ${kubernetes} control plane and kwok ${kwok} from the Go module proxy into ${target}.`);
  progress("This happens once per machine and takes many minutes on two cores; later starts take seconds.");
  const started = Date.now();
  const ticker = setInterval(() => progress(`[control-plane build] still compiling… ${Math.round((Date.now() - started) / 1000)} s`), 60_000);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn("bash", [script, kubernetes, kwok, staging], { stdio: ["ignore", "inherit", "pipe"] });
      let tail = "";
      child.stderr.on("data", (chunk: Buffer) => {
        const text = chunk.toString();
        tail = (tail + text).slice(-4000);
        for (const line of text.split("\n")) if (line.startsWith("[control-plane build]")) progress(line);
      });
      child.on("error", (err) => reject(new Error(`could not run ${script}: ${err.message}; is bash installed?`)));
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`control-plane build failed (exit ${code}):\n${tail}`))));
    });
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    progress(`[control-plane build] finished in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(ticker);
    rmSync(staging, { recursive: true, force: true });
  }
}
