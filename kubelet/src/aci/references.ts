/** What a pod refers to and must be fetched before `translatePod` can run, and the fetching. */
import type { V1ConfigMap, V1Container, V1Pod, V1Secret } from "@kubernetes/client-node";
import { ImagePullError, ThrottledError, TransientError } from "../errors";
import type { ReferenceReader } from "../kube/reference-reader";
import { credentialsFromPullSecret } from "../registry/docker-config";
import type { ImageConfig, ImageConfigResolver } from "../registry/image-config";
import { parseImageReference } from "../registry/image-reference";
import { needsEntrypoint } from "./containers";

export interface PodReferences {
  /** Secret names in the pod's namespace (env, envFrom, volumes, image pull secrets). */
  readonly secrets: string[];
  /** Config map names in the pod's namespace (env, envFrom, volumes). */
  readonly configMaps: string[];
  /** Images of containers that give `args` without `command`: their entrypoint must be resolved. */
  readonly imagesNeedingEntrypoint: string[];
  /** Audiences of projected service account tokens (`""` = the API server's). */
  readonly serviceAccountTokenAudiences: string[];
}

export function podReferences(pod: V1Pod): PodReferences {
  const secrets = new Set<string>();
  const configMaps = new Set<string>();
  const images = new Set<string>();
  const audiences = new Set<string>();
  const containers: V1Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const container of containers) {
    if (needsEntrypoint(container) && container.image) images.add(container.image);
    for (const source of container.envFrom ?? []) {
      if (source.secretRef?.name) secrets.add(source.secretRef.name);
      if (source.configMapRef?.name) configMaps.add(source.configMapRef.name);
    }
    for (const variable of container.env ?? []) {
      const from = variable.valueFrom;
      if (from?.secretKeyRef?.name) secrets.add(from.secretKeyRef.name);
      if (from?.configMapKeyRef?.name) configMaps.add(from.configMapKeyRef.name);
    }
  }
  for (const volume of pod.spec?.volumes ?? []) {
    if (volume.secret?.secretName) secrets.add(volume.secret.secretName);
    if (volume.configMap?.name) configMaps.add(volume.configMap.name);
    if (volume.azureFile?.secretName) secrets.add(volume.azureFile.secretName);
    for (const source of volume.projected?.sources ?? []) {
      if (source.secret?.name) secrets.add(source.secret.name);
      if (source.configMap?.name) configMaps.add(source.configMap.name);
      if (source.serviceAccountToken) audiences.add(source.serviceAccountToken.audience ?? "");
    }
  }
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (ref.name) secrets.add(ref.name);
  }
  return { secrets: [...secrets], configMaps: [...configMaps], imagesNeedingEntrypoint: [...images], serviceAccountTokenAudiences: [...audiences] };
}

/** What `translatePod` needs fetched: secrets, config maps, tokens and image entrypoints. */
export interface FetchedReferences {
  readonly secrets: ReadonlyMap<string, V1Secret>;
  readonly configMaps: ReadonlyMap<string, V1ConfigMap>;
  readonly imageConfigs: ReadonlyMap<string, ImageConfig>;
  readonly serviceAccountTokens: ReadonlyMap<string, string>;
}

export interface ReferenceSources {
  readonly references: ReferenceReader;
  readonly images: Pick<ImageConfigResolver, "resolve">;
  /** Lifetime of the service account tokens asked for. */
  readonly tokenSeconds: number;
}

/** Fetches what the pod refers to (missing secrets and config maps are left out: translation says so). */
export async function fetchPodReferences(pod: V1Pod, sources: ReferenceSources): Promise<FetchedReferences> {
  const namespace = pod.metadata!.namespace!;
  const refs = podReferences(pod);
  const r = sources.references;
  const secrets = new Map<string, V1Secret>();
  for (const name of refs.secrets) {
    const s = await r.secret(namespace, name);
    if (s) secrets.set(name, s);
  }
  const configMaps = new Map<string, V1ConfigMap>();
  for (const name of refs.configMaps) {
    const c = await r.configMap(namespace, name);
    if (c) configMaps.set(name, c);
  }
  const serviceAccountTokens = new Map<string, string>();
  for (const audience of refs.serviceAccountTokenAudiences) serviceAccountTokens.set(audience, await r.serviceAccountToken(pod, audience, sources.tokenSeconds));
  const imageConfigs = new Map<string, ImageConfig>();
  for (const image of refs.imagesNeedingEntrypoint) imageConfigs.set(image, await resolveImage(pod, image, secrets, sources.images));
  return { secrets, configMaps, imageConfigs, serviceAccountTokens };
}

/**
 * The image's entrypoint, with the pod's pull secret for its registry. A registry that refuses
 * or cannot find the image is an image pull failure (`ImagePullError`), never a pod failure.
 */
async function resolveImage(pod: V1Pod, image: string, secrets: ReadonlyMap<string, V1Secret>, images: Pick<ImageConfigResolver, "resolve">): Promise<ImageConfig> {
  const registry = parseImageReference(image).registry;
  const credential = (pod.spec?.imagePullSecrets ?? [])
    .map((ref) => secrets.get(ref.name ?? ""))
    .flatMap((s) => (s ? [credentialsFromPullSecret(s).get(registry)] : []))
    .find((c) => c !== undefined);
  try {
    return await images.resolve(image, credential);
  } catch (err) {
    if (err instanceof ImagePullError || err instanceof TransientError || err instanceof ThrottledError) throw err;
    throw new TransientError(`resolving the entrypoint of ${image}: ${(err as Error).message}`, undefined, { cause: err });
  }
}
