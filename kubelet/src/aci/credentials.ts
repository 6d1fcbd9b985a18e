/**
 * `imagePullSecrets` → ACI `imageRegistryCredentials`, only for registries the pod's images use.
 * An image's registry follows the reference grammar (see `parseImageReference`). A registry that no
 * pull secret covers is pulled with the configured pull identity when it is an Azure Container
 * Registry (`*.azurecr.io`, the only kind that accepts a managed identity), else anonymously.
 */
import type { V1Pod } from "@kubernetes/client-node";
import type { ContainerGroupIdentity, ImageRegistryCredential } from "@azure/arm-containerinstance";
import { InvalidInputError } from "../errors";
import { credentialsFromPullSecret, type RegistryCredential } from "../registry/docker-config";
import { DOCKER_HUB_REGISTRY, parseImageReference } from "../registry/image-reference";
import type { Problems } from "./problems";
import type { ObjectSources } from "./sources";

/** How credentials name Docker Hub for ACI (Docker's own credential store uses this host too). */
const DOCKER_HUB_CREDENTIAL_SERVER = "index.docker.io";
const ACR_SUFFIX = ".azurecr.io";

export interface RegistryAccess {
  readonly credentials?: ImageRegistryCredential[];
  readonly identity?: ContainerGroupIdentity;
}

/** Registries of every image the pod runs, in order of first use. */
export function podRegistries(pod: V1Pod, problems: Problems): string[] {
  const registries = new Set<string>();
  const visit = (image: string | undefined, at: string): void => {
    if (!image) {
      problems.unsupportedAt(at, "a container needs an image");
      return;
    }
    try {
      registries.add(parseImageReference(image).registry);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.unsupportedAt(at, error.message);
    }
  };
  (pod.spec?.initContainers ?? []).forEach((c, i) => visit(c.image, `spec.initContainers[${i}].image`));
  (pod.spec?.containers ?? []).forEach((c, i) => visit(c.image, `spec.containers[${i}].image`));
  return [...registries];
}

export function translateRegistryAccess(pod: V1Pod, sources: ObjectSources, pullIdentityId: string | undefined, problems: Problems): RegistryAccess {
  const registries = podRegistries(pod, problems);
  const fromSecrets = pullSecretCredentials(pod, sources, problems);
  const credentials: ImageRegistryCredential[] = [];
  let usesIdentity = false;
  for (const registry of registries) {
    const credential = fromSecrets.get(registry);
    const server = registry === DOCKER_HUB_REGISTRY ? DOCKER_HUB_CREDENTIAL_SERVER : registry;
    if (credential) {
      credentials.push({ server, username: credential.username, password: credential.password });
    } else if (pullIdentityId && registry.endsWith(ACR_SUFFIX)) {
      credentials.push({ server, identity: pullIdentityId });
      usesIdentity = true;
    }
  }
  const access: { credentials?: ImageRegistryCredential[]; identity?: ContainerGroupIdentity } = {};
  if (credentials.length > 0) access.credentials = credentials;
  if (usesIdentity && pullIdentityId) access.identity = { type: "UserAssigned", userAssignedIdentities: { [pullIdentityId]: {} } };
  return access;
}

/**
 * Credentials of all pull secrets, the first secret naming a registry winning. A missing pull
 * secret is not fatal, as with the kubelet: the image may be public; the user gets a note.
 */
function pullSecretCredentials(pod: V1Pod, sources: ObjectSources, problems: Problems): Map<string, RegistryCredential> {
  const result = new Map<string, RegistryCredential>();
  (pod.spec?.imagePullSecrets ?? []).forEach((ref, i) => {
    const secret = ref.name ? sources.secrets.get(ref.name) : undefined;
    if (!secret) {
      problems.note(`image pull secret "${ref.name ?? ""}" not found; pulling without it`);
      return;
    }
    try {
      for (const [registry, credential] of credentialsFromPullSecret(secret)) {
        if (!result.has(registry)) result.set(registry, credential);
      }
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      problems.invalidAt(`spec.imagePullSecrets[${i}]`, error.message);
    }
  });
  return result;
}
