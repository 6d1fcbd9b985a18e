/**
 * Where the sandbox's binaries come from. For each toolset (the control plane, the OCI registry):
 * a directory named by its environment variable (e.g. BURSTLET_K8S_BIN_DIR), then a per-user cache outside the
 * repository, and otherwise a build from the Go module proxy into that cache (one build at a time
 * per cache: `build-lock.ts`). Nothing else on the machine is needed but Go.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import * as path from "node:path";
import { allToolsets, controlPlane, pinnedVersions, registry, type Toolset } from "./catalog";
import { buildToolsets } from "./go-build";
import { withBuildLock } from "./build-lock";
import { netif, virtualKubeletE2e } from "./e2e-tools";
import { kubernetesProvider, pulumiCli } from "./pulumi-tools";

export { CONTROL_PLANE_BINARIES, DEFAULT_KUBERNETES_VERSION, DEFAULT_METRICS_SERVER_VERSION, pinnedVersions } from "./catalog";

type Env = Readonly<Record<string, string | undefined>>;

export interface BinarySet {
  readonly dir: string;
  path(name: string): string;
}

export interface BinaryOptions {
  readonly env?: Env;
  /** Receives build progress lines; the first build takes minutes. @default stderr */
  readonly progress?: (line: string) => void;
}

/** The cache root: BURSTLET_CACHE_DIR, else $XDG_CACHE_HOME/burstlet, else ~/.cache/burstlet. */
export function cacheRoot(env: Env = process.env): string {
  return env.BURSTLET_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(homedir(), ".cache"), "burstlet");
}

/** The cache directory of one toolset at its pinned versions. */
export function toolsetCacheDir(toolset: Toolset, env: Env = process.env): string {
  return path.join(cacheRoot(env), toolset.name, toolset.key);
}

/** The first directory in lookup order that has all of the toolset's binaries, if any. */
export function findToolset(toolset: Toolset, env: Env = process.env): string | undefined {
  const named = toolset.dirVariables.map((v) => env[v]).filter((d): d is string => !!d);
  return [...named, toolsetCacheDir(toolset, env)].find((dir) => toolset.binaries.every((b) => existsSync(path.join(dir, b))));
}

/** Whether the control plane still has to be built (the first run on a machine). */
export function controlPlaneNeedsBuild(env: Env = process.env): boolean {
  return !findToolset(controlPlane(env), env);
}

/**
 * Finds the toolsets (default: all), building the missing ones into the cache in one pass (one
 * progress count across all of them). A directory variable that is set but incomplete is an error,
 * not a build.
 */
export async function ensureAllBinaries(options: BinaryOptions & { toolsets?: readonly Toolset[] } = {}): Promise<Map<string, BinarySet>> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sets = new Map<string, BinarySet>();
  const missing: Toolset[] = [];
  for (const toolset of options.toolsets ?? allToolsets(env)) {
    const found = findToolset(toolset, env);
    if (found) sets.set(toolset.name, binarySet(found));
    else {
      const variable = toolset.dirVariables[0];
      if (variable && env[variable]) {
        const lacking = toolset.binaries.filter((b) => !existsSync(path.join(env[variable]!, b)));
        throw new Error(`${variable}=${env[variable]} lacks ${lacking.join(", ")}; unset it to build them into ${toolsetCacheDir(toolset, env)}`);
      }
      missing.push(toolset);
    }
  }
  if (missing.length === 0) return sets;
  const stillMissing = (): Toolset[] => missing.filter((t) => !findToolset(t, env));
  // Another run may be building into the same cache: wait for it, then build only what it did not.
  await withBuildLock(cacheRoot(env), progress, () => stillMissing().length > 0, () => buildInto(stillMissing(), env, progress));
  for (const toolset of missing) {
    const found = findToolset(toolset, env);
    if (!found) throw new Error(`the build of ${toolset.title} left no binaries in ${toolsetCacheDir(toolset, env)}`);
    sets.set(toolset.name, binarySet(found));
  }
  return sets;
}

/** Builds the toolsets into their cache directories, each moved into place once all have built. */
async function buildInto(toolsets: readonly Toolset[], env: Env, progress: (line: string) => void): Promise<void> {
  const targets = toolsets.map((toolset) => ({ toolset, target: toolsetCacheDir(toolset, env), outDir: `${toolsetCacheDir(toolset, env)}.partial-${process.pid}` }));
  progress(`Building ${toolsets.map((t) => t.title).join(" and ")} from the Go module proxy into ${cacheRoot(env)}.`);
  progress("This happens once per machine and takes minutes; later runs find them in the cache.");
  const started = Date.now();
  try {
    await buildToolsets(targets, progress);
    for (const { target, outDir } of targets) {
      mkdirSync(path.dirname(target), { recursive: true });
      rmSync(target, { recursive: true, force: true });
      renameSync(outDir, target);
    }
    progress(`[sandbox build] finished in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    for (const { outDir } of targets) rmSync(outDir, { recursive: true, force: true });
  }
}

/** The binaries of several toolsets as one set: each name resolves in its own toolset's directory. */
async function ensureSet(toolsets: readonly Toolset[], options: BinaryOptions): Promise<BinarySet> {
  const sets = await ensureAllBinaries({ ...options, toolsets });
  const dirs = new Map(toolsets.flatMap((t) => t.binaries.map((b) => [b, sets.get(t.name)!.dir] as const)));
  return {
    dir: sets.get(toolsets[0].name)!.dir,
    path(name) {
      const dir = dirs.get(name);
      if (!dir) throw new Error(`no sandbox binary is called ${name}`);
      return path.join(dir, name);
    },
  };
}

/** The control plane's binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok, metrics-server). */
export async function ensureControlPlaneBinaries(options: BinaryOptions = {}): Promise<BinarySet & { kubernetesVersion: string }> {
  const env = options.env ?? process.env;
  const set = await ensureSet([controlPlane(env)], options);
  return { ...set, kubernetesVersion: pinnedVersions(env).kubernetes };
}

/** Distribution's `registry` binary. */
export function ensureRegistryBinary(options: BinaryOptions = {}): Promise<BinarySet> {
  return ensureSet([registry(options.env ?? process.env)], options);
}

/** The virtual-kubelet end-to-end suite and the interface helper that gives its node a proxyable address. */
export function ensureE2eBinaries(options: BinaryOptions = {}): Promise<BinarySet> {
  return ensureSet([virtualKubeletE2e(options.env ?? process.env), netif()], options);
}

/** The Pulumi CLI and the Kubernetes resource provider it loads (`pulumi`, `pulumi-resource-kubernetes`). */
export function ensurePulumiBinaries(options: BinaryOptions = {}): Promise<BinarySet> {
  const env = options.env ?? process.env;
  return ensureSet([pulumiCli(env), kubernetesProvider(env)], options);
}

/** Partial build directories this process may have left (for a demo interrupted mid-build). */
export function partialDirs(pid: number = process.pid, env: Env = process.env): string[] {
  return allToolsets(env).map((t) => `${toolsetCacheDir(t, env)}.partial-${pid}`);
}

function binarySet(dir: string): BinarySet {
  return { dir, path: (name) => path.join(dir, name) };
}
