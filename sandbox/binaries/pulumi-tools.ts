/**
 * The toolsets behind the engine tests: the Pulumi CLI (the deployment engine, which drives an
 * Automation API program) and the Kubernetes resource provider it loads, both built from the Go
 * module proxy like the control plane. Neither is meant to be consumed as a module: both go.mod
 * files replace sibling modules of their repositories with local paths.
 */
import { chmodSync, cpSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { Toolset } from "./catalog";
import type { GoModule } from "./go-build";

export const PULUMI_BINARY = "pulumi";
export const KUBERNETES_PROVIDER_BINARY = "pulumi-resource-kubernetes";

const PULUMI_PKG = "github.com/pulumi/pulumi/pkg/v3";
const PULUMI_VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const KUBERNETES_PROVIDER_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
const KUBERNETES_PROVIDER_CMD = "cmd/pulumi-resource-kubernetes";

/**
 * The provider's source: the proxy serves the commit of pulumi-kubernetes v4.25.0 only as this
 * pseudo-version (the module's tags are not semantic-import-versioned for `provider/v4`), so the
 * release it is stamped with is given beside it.
 */
export const DEFAULT_KUBERNETES_PROVIDER = { module: "v4.0.0-20260115033456-f47bc2d6f199", release: "4.25.0" } as const;

type Env = Readonly<Record<string, string | undefined>>;

const LOCKFILE = path.resolve(__dirname, "..", "..", "package-lock.json");

/** The `@pulumi/pulumi` version in the lockfile (`v3.x.y`), or BURSTLET_PULUMI_VERSION. */
export function pulumiVersion(env: Env = process.env, lockfile = LOCKFILE): string {
  const override = env.BURSTLET_PULUMI_VERSION;
  if (override !== undefined) {
    if (!/^v3\.\d+\.\d+$/.test(override)) throw new Error(`BURSTLET_PULUMI_VERSION must look like v3.276.0, got "${override}"`);
    return override;
  }
  let text: string;
  try {
    text = readFileSync(lockfile, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${lockfile} for the @pulumi/pulumi version (${(err as Error).message}); set BURSTLET_PULUMI_VERSION`, { cause: err });
  }
  const locked = (JSON.parse(text) as { packages?: Record<string, { version?: string }> }).packages?.["node_modules/@pulumi/pulumi"]?.version;
  if (!locked || !/^3\.\d+\.\d+$/.test(locked)) throw new Error(`${lockfile} has no packages["node_modules/@pulumi/pulumi"].version of the form 3.x.y (got ${JSON.stringify(locked)}); set BURSTLET_PULUMI_VERSION`);
  return `v${locked}`;
}

/** The provider's module version and the release it is stamped with, after BURSTLET_PULUMI_KUBERNETES_VERSION (a tag, `v4.x.y`). */
export function kubernetesProviderVersion(env: Env = process.env): { module: string; release: string } {
  const override = env.BURSTLET_PULUMI_KUBERNETES_VERSION;
  if (override === undefined) return DEFAULT_KUBERNETES_PROVIDER;
  if (!/^v4\.\d+\.\d+$/.test(override)) throw new Error(`BURSTLET_PULUMI_KUBERNETES_VERSION must be a release tag like v4.25.0, got "${override}"`);
  return { module: override, release: override.slice(1) };
}

/** The `replace` directives of a go.mod: module, and either a local directory or a module version. */
export function goModReplaces(goMod: string): { from: string; to: string; version?: string }[] {
  return [...goMod.matchAll(/^[ \t]*(?:replace[ \t]+)?([^\s()]+)(?:[ \t]+v\S+)?[ \t]+=>[ \t]+(\S+)(?:[ \t]+(v\S+))?[ \t]*$/gm)].map((m) => ({ from: m[1], to: m[2], version: m[3] }));
}

const isLocal = (to: string): boolean => to.startsWith("./") || to.startsWith("../");

/**
 * `pulumi` from `pkg/v3`'s `cmd/pulumi`, through a wrapper module: its go.mod replaces `sdk/v3`
 * with `../sdk` (required here at the same release) and pins a fork of a clipboard library (the
 * same replace is repeated here, as replaces apply only in the main module).
 */
export function pulumiCli(env: Env = process.env): Toolset {
  const version = pulumiVersion(env);
  return {
    name: "pulumi-cli",
    title: `the Pulumi CLI ${version}`,
    label: "pulumi",
    key: version,
    binaries: [PULUMI_BINARY],
    dirVariables: ["BURSTLET_PULUMI_BIN_DIR"],
    async prepare(go) {
      const replaces = goModReplaces(await go.downloadGoMod(`${PULUMI_PKG}@${version}`));
      const remote = replaces.filter((r) => !isLocal(r.to));
      if (remote.some((r) => !r.version)) throw new Error(`${PULUMI_PKG}@${version}'s go.mod has a replace without a version: ${JSON.stringify(remote)}`);
      if (remote.length > 0) await go.run(["mod", "edit", ...remote.map((r) => `-replace=${r.from}=${r.to}@${r.version}`)]);
      // The local replaces are the repository's own modules, published under the same tag.
      await go.run(["get", `${PULUMI_PKG}@${version}`, ...replaces.filter((r) => isLocal(r.to)).map((r) => `${r.from}@${version}`)]);
      return { pkg: `${PULUMI_PKG}/cmd/pulumi`, ldflags: `-X ${PULUMI_VERSION_VARIABLE}=${version}` };
    },
  };
}

/** Makes a copied tree writable (module cache files are read-only). */
function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(at);
    else chmodSync(at, 0o644);
  }
}

/**
 * `pulumi-resource-kubernetes`: its main package embeds `schema-embed.json` and
 * `terraform-mapping-embed.json`, which its `go:generate` step writes from the `schema.json` and
 * `terraform-mapping.json` beside it (stamping the release into the schema) and which the module
 * zip does not hold. So the module itself is the build: copied out of the module cache, its local
 * replace of the Kubernetes SDK dropped (the published version it requires stands), its generator
 * run, then the command built.
 */
export function kubernetesProvider(env: Env = process.env): Toolset {
  const { module: moduleVersion, release } = kubernetesProviderVersion(env);
  return {
    name: "pulumi-kubernetes",
    title: `the Pulumi Kubernetes provider ${release} (${KUBERNETES_PROVIDER_MODULE}@${moduleVersion})`,
    label: "kubernetes provider",
    key: moduleVersion,
    binaries: [KUBERNETES_PROVIDER_BINARY],
    dirVariables: ["BURSTLET_PULUMI_KUBERNETES_BIN_DIR"],
    async prepare(go: GoModule, progress) {
      const info = JSON.parse(await go.run(["mod", "download", "-json", `${KUBERNETES_PROVIDER_MODULE}@${moduleVersion}`])) as { Dir?: string; Error?: string };
      if (!info.Dir) throw new Error(`could not download ${KUBERNETES_PROVIDER_MODULE}@${moduleVersion}: ${info.Error ?? "no directory"}`);
      cpSync(info.Dir, go.dir, { recursive: true, force: true });
      makeWritable(go.dir);
      const local = goModReplaces(readFileSync(path.join(go.dir, "go.mod"), "utf8")).filter((r) => isLocal(r.to));
      if (local.length > 0) await go.run(["mod", "edit", ...local.map((r) => `-dropreplace=${r.from}`)]);
      progress(`generating the schema files ${KUBERNETES_PROVIDER_CMD} embeds (compiles the generator first)`);
      await go.run(["-C", KUBERNETES_PROVIDER_CMD, "run", "generate.go"], undefined, { VERSION: release });
      return { pkg: `./${KUBERNETES_PROVIDER_CMD}`, ldflags: `-X ${KUBERNETES_PROVIDER_MODULE}/pkg/version.Version=${release}` };
    },
  };
}
