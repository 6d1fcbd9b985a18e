/**
 * What the sandbox builds from the Go module proxy: each toolset is one Go program, pinned, with
 * the names it is run as. A toolset's binaries live together in one cache directory per version.
 */
import { copyFileSync } from "node:fs";
import * as path from "node:path";
import type { GoModule } from "./go-build";
import { netif, virtualKubeletE2e } from "./e2e-tools";
import { kubernetesProvider, pulumiCli } from "./pulumi-tools";

/**
 * The Kubernetes release the sandbox runs; AKS supports it. Override with BURSTLET_K8S_VERSION.
 * kwok and metrics-server are pinned at releases built on the same Kubernetes libraries, so the
 * three compile as one program.
 */
export const DEFAULT_KUBERNETES_VERSION = "v1.36.3";
/** The kwok release that simulates ordinary nodes (Kubernetes libraries v0.36). Override with BURSTLET_KWOK_VERSION. */
export const DEFAULT_KWOK_VERSION = "v0.8.0";
/** metrics-server, behind the sandbox's metrics.k8s.io APIService (Kubernetes libraries v0.36). Override with BURSTLET_METRICS_SERVER_VERSION. */
export const DEFAULT_METRICS_SERVER_VERSION = "v0.9.0";
/** Distribution's registry (the OCI registry behind Docker Hub and many others). Override with BURSTLET_REGISTRY_VERSION. */
export const DEFAULT_REGISTRY_VERSION = "v3.1.2";

type Env = Readonly<Record<string, string | undefined>>;

export interface Toolset {
  /** Cache folder name and progress label. */
  readonly name: string;
  /** What progress calls it, with its versions. */
  readonly title: string;
  /** A short name for progress lines. */
  readonly label: string;
  /** Cache key below `<cache>/<name>/`: the versions that make up the build. */
  readonly key: string;
  /** The names it is run as; the first is the compiled file, the others link to it. */
  readonly binaries: readonly string[];
  /** Environment variables naming a directory that already holds all the binaries, in lookup order. */
  readonly dirVariables: readonly string[];
  /** Sets up the module to build in `go.dir` (a fresh module); `progress` reports a long step. */
  prepare(go: GoModule, progress: (text: string) => void): Promise<{ readonly pkg: string; readonly ldflags: string; /** Compile the package's tests (`go test -c`). */ readonly test?: boolean }>;
}

/** Everything a control plane of the sandbox runs, and its client. */
export const CONTROL_PLANE_BINARIES = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "kubectl", "kwok", "metrics-server"] as const;

function version(env: Env, variable: string, fallback: string): string {
  const value = env[variable] ?? fallback;
  if (!/^v\d+\.\d+\.\d+$/.test(value)) throw new Error(`${variable} must look like ${fallback}, got "${value}"`);
  return value;
}

/** The versions in force, after environment overrides. */
export function pinnedVersions(env: Env = process.env): { kubernetes: string; kwok: string; metricsServer: string; registry: string } {
  return {
    kubernetes: version(env, "BURSTLET_K8S_VERSION", DEFAULT_KUBERNETES_VERSION),
    kwok: version(env, "BURSTLET_KWOK_VERSION", DEFAULT_KWOK_VERSION),
    metricsServer: version(env, "BURSTLET_METRICS_SERVER_VERSION", DEFAULT_METRICS_SERVER_VERSION),
    registry: version(env, "BURSTLET_REGISTRY_VERSION", DEFAULT_REGISTRY_VERSION),
  };
}

/**
 * etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok and metrics-server
 * as one multi-call program (`kube/main.go`): their shared packages compile once and the program
 * links once. Kubernetes is not meant to be consumed as a module: its go.mod requires the staging
 * modules (k8s.io/api, ...) at v0.0.0 and replaces them with ./staging paths, so the wrapper
 * module replaces each with its published v0.<minor>.<patch>, the list read from that release's
 * own go.mod. etcd comes at the version that release pins; kwok and metrics-server bring their own
 * requirements, and the module's minimum version selection settles one version of each library.
 */
export function controlPlane(env: Env = process.env): Toolset {
  const { kubernetes, kwok, metricsServer } = pinnedVersions(env);
  return {
    name: "control-plane",
    title: `Kubernetes ${kubernetes} (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl), etcd, kwok ${kwok} and metrics-server ${metricsServer} as one binary`,
    label: "control plane",
    key: `${kubernetes}-kwok-${kwok}-metrics-server-${metricsServer}`,
    binaries: CONTROL_PLANE_BINARIES,
    dirVariables: ["BURSTLET_K8S_BIN_DIR"],
    async prepare(go) {
      const k8sMod = await go.downloadGoMod(`k8s.io/kubernetes@${kubernetes}`);
      const goDirective = /^go\s+(\S+)/m.exec(k8sMod)?.[1];
      const staging = [...k8sMod.matchAll(/^\s*(k8s\.io\/[a-z0-9-]+) => \.\/staging\//gm)].map((m) => m[1]);
      const etcd = /^\s*go\.etcd\.io\/etcd\/server\/v3 (\S+)/m.exec(k8sMod)?.[1];
      if (!goDirective || staging.length === 0 || !etcd) throw new Error(`k8s.io/kubernetes@${kubernetes}'s go.mod lacks its go directive, staging replaces or etcd pin`);
      const stagingVersion = `v0.${kubernetes.slice("v1.".length)}`;
      await go.run(["mod", "edit", `-go=${goDirective}`, ...staging.map((m) => `-replace=${m}=${m}@${stagingVersion}`)]);
      copyFileSync(path.join(__dirname, "kube", "main.go"), path.join(go.dir, "main.go"));
      await go.run(["get", `k8s.io/kubernetes@${kubernetes}`, `go.etcd.io/etcd/server/v3@${etcd}`, `sigs.k8s.io/kwok@${kwok}`, `sigs.k8s.io/metrics-server@${metricsServer}`]);
      const minor = kubernetes.split(".")[1];
      const v = "k8s.io/component-base/version";
      const ldflags = [
        `-X ${v}.gitVersion=${kubernetes} -X ${v}.gitMajor=1 -X ${v}.gitMinor=${minor} -X ${v}.gitTreeState=clean -X ${v}.buildDate=${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
        // As kwok's release script sets them.
        `-X sigs.k8s.io/kwok/pkg/consts.Version=${kwok.slice(1)} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${kubernetes.slice(1)}`,
      ].join(" ");
      return { pkg: ".", ldflags };
    },
  };
}

/** Distribution's `registry`, the local OCI registry of the sandbox. */
export function registry(env: Env = process.env): Toolset {
  const { registry: registryVersion } = pinnedVersions(env);
  const module = "github.com/distribution/distribution/v3";
  return {
    name: "registry",
    title: `the OCI registry (Distribution ${registryVersion})`,
    label: "registry",
    key: registryVersion,
    binaries: ["registry"],
    dirVariables: ["BURSTLET_REGISTRY_BIN_DIR"],
    async prepare(go) {
      await go.run(["get", `${module}@${registryVersion}`]);
      return { pkg: `${module}/cmd/registry`, ldflags: `-X ${module}/version.version=${registryVersion}` };
    },
  };
}

/** Every toolset the tests, the demo and the benchmarks use. */
export function allToolsets(env: Env = process.env): Toolset[] {
  return [controlPlane(env), registry(env), virtualKubeletE2e(env), netif(), pulumiCli(env), kubernetesProvider(env)];
}
