/** What a pod refers to and the caller must fetch before `translatePod` can run. */
import type { V1Container, V1Pod } from "@kubernetes/client-node";
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
