/**
 * Pod volumes → ACI volumes. ACI has four volume types: emptyDir, azureFile, gitRepo and `secret`
 * (a read-only tmpfs of files given as base64 strings). Secret, configMap, projected and downwardAPI
 * volumes all become ACI secret volumes, since their files are fixed when the group is created.
 * File modes are not applied: ACI does not offer them.
 */
import type { V1Container, V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod, V1ProjectedVolumeSource, V1Volume } from "@kubernetes/client-node";
import type { ResourceRequirements, Volume, VolumeMount } from "@azure/arm-containerinstance";
import { fieldRefValue, resourceFieldValue } from "./downward";
import type { Problems } from "./problems";
import { configMapEntries, secretEntries, type ObjectSources } from "./sources";

export interface VolumeContext extends ObjectSources {
  readonly pod: V1Pod;
  readonly nodeName: string;
  readonly resources: ReadonlyMap<string, ResourceRequirements>;
  /** Service account tokens for projected volumes, by audience (`""` for the API server's). */
  readonly serviceAccountTokens?: ReadonlyMap<string, string>;
}

/** The keys of the secret an azureFile volume refers to (the same as the in-tree Azure File driver's). */
export const AZURE_FILE_SECRET_KEYS = { accountName: "azurestorageaccountname", accountKey: "azurestorageaccountkey" } as const;

/** Files of a secret volume: file name → contents. */
type Files = Map<string, Buffer>;

export function translateVolumes(volumes: readonly V1Volume[], ctx: VolumeContext, problems: Problems): Volume[] {
  return volumes.flatMap((volume, i) => {
    const translated = translateVolume(volume, `spec.volumes[${i}]`, ctx, problems);
    return translated ? [translated] : [];
  });
}

/** Volume mounts; `subPath` cannot be expressed in ACI. */
export function translateVolumeMounts(container: V1Container, field: string, problems: Problems): VolumeMount[] | undefined {
  const mounts = (container.volumeMounts ?? []).map((mount, i) => {
    if (mount.subPath || mount.subPathExpr) {
      const key = mount.subPath ? "subPath" : "subPathExpr";
      problems.unsupportedAt(`${field}.volumeMounts[${i}].${key}`, "ACI mounts whole volumes only; mount the volume and refer to the file inside it");
    }
    const result: VolumeMount = { name: mount.name, mountPath: mount.mountPath };
    if (mount.readOnly) result.readOnly = true;
    return result;
  });
  if ((container.volumeDevices ?? []).length > 0) {
    problems.unsupportedAt(`${field}.volumeDevices`, "ACI has no raw block devices; remove the volume devices");
  }
  return mounts.length > 0 ? mounts : undefined;
}

function translateVolume(volume: V1Volume, at: string, ctx: VolumeContext, problems: Problems): Volume | undefined {
  const { name } = volume;
  if (volume.emptyDir) return { name, emptyDir: {} };
  if (volume.azureFile) return azureFileVolume(volume, at, ctx, problems);
  let files: Files | undefined;
  if (volume.secret) {
    files = secretFiles(volume.secret.secretName ?? "", volume.secret.items, volume.secret.optional, `${at}.secret`, ctx, problems);
  } else if (volume.configMap) {
    files = configMapFiles(volume.configMap.name ?? "", volume.configMap.items, volume.configMap.optional, `${at}.configMap`, ctx, problems);
  } else if (volume.downwardAPI) {
    files = downwardFiles(volume.downwardAPI.items ?? [], `${at}.downwardAPI`, ctx, problems);
  } else if (volume.projected) {
    files = projectedFiles(volume.projected, `${at}.projected`, ctx, problems);
  } else {
    const kind = Object.keys(volume).find((k) => k !== "name" && volume[k as keyof V1Volume] !== undefined) ?? "source";
    problems.unsupportedAt(`${at}.${kind}`, `${kind} volumes are not available on ACI; use emptyDir, secret, configMap, projected, downwardAPI or azureFile`);
    return undefined;
  }
  return filesVolume(name, files);
}

/** A secret volume, or an empty directory when there are no files (ACI rejects an empty secret volume). */
function filesVolume(name: string, files: Files | undefined): Volume {
  if (!files || files.size === 0) return { name, emptyDir: {} };
  const secret: Record<string, string> = {};
  for (const [path, bytes] of files) secret[path] = bytes.toString("base64");
  return { name, secret };
}

function azureFileVolume(volume: V1Volume, at: string, ctx: VolumeContext, problems: Problems): Volume | undefined {
  const source = volume.azureFile;
  if (!source) return undefined;
  const secret = ctx.secrets.get(source.secretName);
  if (!secret) {
    problems.invalidAt(`${at}.azureFile.secretName`, `secret "${source.secretName}" not found`);
    return undefined;
  }
  const entries = secretEntries(secret);
  const accountName = entries.get(AZURE_FILE_SECRET_KEYS.accountName)?.toString("utf8");
  const accountKey = entries.get(AZURE_FILE_SECRET_KEYS.accountKey)?.toString("utf8");
  if (!accountName || !accountKey) {
    problems.invalidAt(`${at}.azureFile.secretName`, `secret "${source.secretName}" must hold "${AZURE_FILE_SECRET_KEYS.accountName}" and "${AZURE_FILE_SECRET_KEYS.accountKey}"`);
    return undefined;
  }
  return { name: volume.name, azureFile: { shareName: source.shareName, storageAccountName: accountName, storageAccountKey: accountKey, readOnly: source.readOnly ?? false } };
}

function secretFiles(secretName: string, items: readonly V1KeyToPath[] | undefined, optional: boolean | undefined, at: string, ctx: VolumeContext, problems: Problems): Files | undefined {
  const secret = ctx.secrets.get(secretName);
  if (!secret) {
    if (!optional) problems.invalidAt(at, `secret "${secretName}" not found`);
    return undefined;
  }
  return selectItems(secretEntries(secret), items, optional, `secret "${secretName}"`, at, problems);
}

function configMapFiles(name: string, items: readonly V1KeyToPath[] | undefined, optional: boolean | undefined, at: string, ctx: VolumeContext, problems: Problems): Files | undefined {
  const configMap = ctx.configMaps.get(name);
  if (!configMap) {
    if (!optional) problems.invalidAt(at, `config map "${name}" not found`);
    return undefined;
  }
  return selectItems(configMapEntries(configMap, true), items, optional, `config map "${name}"`, at, problems);
}

/** All entries, or only `items` renamed to their paths. ACI's secret volumes hold flat files only. */
function selectItems(entries: Files, items: readonly V1KeyToPath[] | undefined, optional: boolean | undefined, what: string, at: string, problems: Problems): Files {
  if (!items || items.length === 0) return entries;
  const files: Files = new Map();
  items.forEach((item, i) => {
    const bytes = entries.get(item.key);
    if (!bytes) {
      if (!optional) problems.invalidAt(`${at}.items[${i}].key`, `key "${item.key}" not found in ${what}`);
      return;
    }
    if (checkFlatPath(item.path, `${at}.items[${i}].path`, problems)) files.set(item.path, bytes);
  });
  return files;
}

function checkFlatPath(path: string, at: string, problems: Problems): boolean {
  if (!path.includes("/")) return true;
  problems.unsupportedAt(at, `"${path}" is in a subdirectory; ACI secret volumes hold files at their top level only`);
  return false;
}

function downwardFiles(items: readonly V1DownwardAPIVolumeFile[], at: string, ctx: VolumeContext, problems: Problems): Files {
  const files: Files = new Map();
  const firstContainer = ctx.pod.spec?.containers[0]?.name ?? "";
  items.forEach((item, i) => {
    const itemAt = `${at}.items[${i}]`;
    if (!checkFlatPath(item.path, `${itemAt}.path`, problems)) return;
    const result = item.fieldRef
      ? fieldRefValue(ctx.pod, ctx.nodeName, item.fieldRef, true)
      : item.resourceFieldRef
        ? resourceFieldValue(ctx.resources.get(item.resourceFieldRef.containerName || firstContainer), item.resourceFieldRef)
        : { kind: "unsupported" as const, reason: "an item needs a fieldRef or a resourceFieldRef" };
    if (result.kind === "value") files.set(item.path, Buffer.from(result.value, "utf8"));
    else if (result.kind === "unknown") problems.note(`file ${item.path} of a downwardAPI volume is not written: ${result.reason}`);
    else problems.unsupportedAt(itemAt, result.reason);
  });
  return files;
}

function projectedFiles(projected: V1ProjectedVolumeSource, at: string, ctx: VolumeContext, problems: Problems): Files {
  const files: Files = new Map();
  const merge = (more: Files | undefined): void => more?.forEach((bytes, path) => files.set(path, bytes));
  (projected.sources ?? []).forEach((source, i) => {
    const sourceAt = `${at}.sources[${i}]`;
    if (source.secret) {
      merge(secretFiles(source.secret.name ?? "", source.secret.items, source.secret.optional, `${sourceAt}.secret`, ctx, problems));
    } else if (source.configMap) {
      merge(configMapFiles(source.configMap.name ?? "", source.configMap.items, source.configMap.optional, `${sourceAt}.configMap`, ctx, problems));
    } else if (source.downwardAPI) {
      merge(downwardFiles(source.downwardAPI.items ?? [], `${sourceAt}.downwardAPI`, ctx, problems));
    } else if (source.serviceAccountToken) {
      const { audience, path } = source.serviceAccountToken;
      const token = ctx.serviceAccountTokens?.get(audience ?? "");
      if (token === undefined) problems.note(`service account token ${path} is not mounted: no token was issued for audience "${audience ?? ""}"`);
      else if (checkFlatPath(path, `${sourceAt}.serviceAccountToken.path`, problems)) files.set(path, Buffer.from(token, "utf8"));
    } else {
      const kind = Object.keys(source).find((k) => source[k as keyof typeof source] !== undefined) ?? "source";
      problems.unsupportedAt(`${sourceAt}.${kind}`, `projected ${kind} sources are not available on ACI; use secret, configMap, downwardAPI or serviceAccountToken`);
    }
  });
  return files;
}
