/** Reading the contents of the secrets and config maps a pod refers to. */
import type { V1ConfigMap, V1Secret } from "@kubernetes/client-node";

/** Secrets and config maps of the pod's namespace, by name. */
export interface ObjectSources {
  readonly secrets: ReadonlyMap<string, V1Secret>;
  readonly configMaps: ReadonlyMap<string, V1ConfigMap>;
}

/** A secret's entries as bytes (`data` is base64; `stringData` only appears in objects never stored). */
export function secretEntries(secret: V1Secret): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secret.data ?? {})) entries.set(key, Buffer.from(value, "base64"));
  for (const [key, value] of Object.entries(secret.stringData ?? {})) entries.set(key, Buffer.from(value, "utf8"));
  return entries;
}

/** A config map's entries as bytes: `data` (text) and `binaryData` (base64). */
export function configMapEntries(configMap: V1ConfigMap, includeBinary: boolean): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(configMap.data ?? {})) entries.set(key, Buffer.from(value, "utf8"));
  if (includeBinary) {
    for (const [key, value] of Object.entries(configMap.binaryData ?? {})) entries.set(key, Buffer.from(value, "base64"));
  }
  return entries;
}
