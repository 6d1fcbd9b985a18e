/**
 * Image references (`nginx`, `ghcr.io/org/app:1.2`, `localhost:5000/x@sha256:…`) as the Docker
 * reference grammar reads them: the first path component is a registry host only when it contains
 * a `.` or a `:`, or is `localhost`; otherwise the image lives on Docker Hub, where one-component
 * names are under `library/`.
 */
import { InvalidInputError } from "../errors";

/** The registry name images without a registry host belong to (part of the reference grammar). */
export const DOCKER_HUB_REGISTRY = "docker.io";
/** Docker Hub's registry API host: `docker.io` names are served from there. */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
/** Older spellings of Docker Hub that credentials in pull secrets use. */
const DOCKER_HUB_ALIASES = ["index.docker.io", DOCKER_HUB_API_HOST];

export interface ImageReference {
  /** Registry as written in credentials (`docker.io`, `myregistry.azurecr.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  /** Repository path, e.g. `library/nginx`. */
  readonly repository: string;
  /** Tag, `latest` when neither tag nor digest is given. */
  readonly tag?: string;
  readonly digest?: string;
}

const REGISTRY_HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

export function parseImageReference(reference: string): ImageReference {
  let rest = reference.trim();
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new InvalidInputError("image", `"${reference}" has a malformed digest`);
  }
  let tag: string | undefined;
  const lastColon = rest.lastIndexOf(":");
  if (lastColon > rest.lastIndexOf("/")) {
    tag = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!TAG.test(tag)) throw new InvalidInputError("image", `"${reference}" has a malformed tag`);
  }
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  const hasRegistry = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  let registry = hasRegistry ? first : DOCKER_HUB_REGISTRY;
  let repository = hasRegistry ? rest.slice(slash + 1) : rest;
  if (DOCKER_HUB_ALIASES.includes(registry)) registry = DOCKER_HUB_REGISTRY;
  if (registry === DOCKER_HUB_REGISTRY && !repository.includes("/")) repository = `library/${repository}`;
  if (!REGISTRY_HOST.test(registry)) throw new InvalidInputError("image", `"${reference}" names an invalid registry host "${registry}"`);
  if (!REPOSITORY.test(repository)) throw new InvalidInputError("image", `"${reference}" is not a valid image reference`);
  return { registry, repository, tag: tag ?? (digest ? undefined : "latest"), digest };
}

/** The host to call for a registry's API (Docker Hub's API is not served at `docker.io`). */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_API_HOST : registry;
}

/**
 * The registry a credential's server entry names, normalised like image registries: pull secrets
 * write Docker Hub as `https://index.docker.io/v1/` and others as a URL or a bare host.
 */
export function normaliseRegistry(server: string): string {
  const host = server.replace(/^[a-z]+:\/\//i, "").replace(/\/.*$/, "").toLowerCase();
  return DOCKER_HUB_ALIASES.includes(host) ? DOCKER_HUB_REGISTRY : host;
}
