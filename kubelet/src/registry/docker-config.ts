/**
 * Registry credentials from image pull secrets: `kubernetes.io/dockerconfigjson` secrets hold
 * `{"auths": {server: {...}}}` under `.dockerconfigjson`; the older `kubernetes.io/dockercfg`
 * holds `{server: {...}}` under `.dockercfg`. An entry gives `username`/`password` or `auth`
 * (base64 of `user:password`).
 */
import type { V1Secret } from "@kubernetes/client-node";
import { InvalidInputError } from "../errors";
import { normaliseRegistry } from "./image-reference";

export interface RegistryCredential {
  readonly username: string;
  readonly password: string;
}

interface DockerAuthEntry {
  username?: unknown;
  password?: unknown;
  auth?: unknown;
}

/** Credentials by normalised registry host; the first entry for a registry wins. */
export function credentialsFromPullSecret(secret: V1Secret): Map<string, RegistryCredential> {
  const name = secret.metadata?.name ?? "";
  const data = secret.data ?? {};
  const json = data[".dockerconfigjson"] ?? data[".dockercfg"];
  if (json === undefined) {
    throw new InvalidInputError(`secret ${name}`, "an image pull secret needs a .dockerconfigjson or .dockercfg key");
  }
  const parsed = parseJson(Buffer.from(json, "base64").toString("utf8"), name);
  const auths = (data[".dockerconfigjson"] !== undefined ? parsed.auths : parsed) ?? {};
  const result = new Map<string, RegistryCredential>();
  for (const [server, entry] of Object.entries(auths as Record<string, DockerAuthEntry>)) {
    const credential = credentialOf(entry);
    const registry = normaliseRegistry(server);
    if (credential && !result.has(registry)) result.set(registry, credential);
  }
  return result;
}

function credentialOf(entry: DockerAuthEntry): RegistryCredential | undefined {
  if (typeof entry.username === "string" && typeof entry.password === "string") {
    return { username: entry.username, password: entry.password };
  }
  if (typeof entry.auth === "string") {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return undefined;
}

function parseJson(text: string, name: string): { auths?: unknown } & Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object") return value as Record<string, unknown>;
  } catch (error) {
    throw new InvalidInputError(`secret ${name}`, `image pull secret is not valid JSON: ${(error as Error).message}`);
  }
  throw new InvalidInputError(`secret ${name}`, "image pull secret must hold a JSON object");
}
