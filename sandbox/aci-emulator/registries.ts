/**
 * Azure Container Registries the emulated subscription holds, and whether a container group may
 * pull an image from one, as ACI decides it when the group is created.
 *
 * ACI pulls from a registry with the credential `imageRegistryCredentials` names for its login
 * server. With a user-assigned identity there, the pull succeeds only if that identity's principal
 * holds `Microsoft.ContainerRegistry/registries/pull/read` (AcrPull's action) on the registry, by
 * the same role assignments ARM authorizes with. Otherwise the deployment fails with 400
 * `InaccessibleImage`, "The image '<image>' in container group '<group>' is not accessible. Please
 * check the image and registry credential." ("Container group fails to pull images from Azure
 * Container Registry by using managed identity authentication", MicrosoftDocs/SupportArticles-docs
 * `support/azure/azure-container-instances/management/acr-image-pull-failures-managed-identity.md`,
 * "The image is inaccessible", possible cause 2: the identity lacks the pull role).
 *
 * Only registries the emulator is told about are modelled: an image from any other registry pulls
 * as the behaviour convention says (`behaviour.ts`). A username and password credential (an admin
 * user or a repository token) is accepted as given; a known registry without any credential
 * refuses the pull (anonymous pull is off unless a registry enables it).
 */
import { ACR_PULL_ACTION } from "../../kubelet/src/constants";
import type { Authorizer } from "./authorization";
import type { WireContainerGroup } from "./wire";

export interface RegistryResource {
  /** e.g. `burstletimages.azurecr.io` */
  readonly loginServer: string;
  /** `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.ContainerRegistry/registries/<name>` */
  readonly id: string;
}

export interface UserAssignedIdentityResource {
  /** `/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<name>` */
  readonly id: string;
  /** The identity's object id: what role assignments name. */
  readonly principalId: string;
  /** @default "" */
  readonly clientId?: string;
}

/** The registry host of an image reference, lower-cased, or undefined for Docker Hub's short names. */
export function registryHost(image: string): string | undefined {
  const slash = image.indexOf("/");
  if (slash < 0) return undefined;
  const first = image.slice(0, slash);
  return first.includes(".") || first.includes(":") || first === "localhost" ? first.toLowerCase() : undefined;
}

export class RegistryAccess {
  private readonly registries: ReadonlyMap<string, RegistryResource>;
  private readonly identities: ReadonlyMap<string, UserAssignedIdentityResource>;

  constructor(registries: readonly RegistryResource[], identities: readonly UserAssignedIdentityResource[], private readonly authorizer: Authorizer | undefined) {
    this.registries = new Map(registries.map((r) => [r.loginServer.toLowerCase(), r]));
    this.identities = new Map(identities.map((i) => [i.id.toLowerCase(), i]));
  }

  /** Whether the group's credentials let ACI pull the image (true for registries not modelled, or with authorization off). */
  canPull(group: WireContainerGroup, image: string): boolean {
    const host = registryHost(image);
    const registry = host === undefined ? undefined : this.registries.get(host);
    if (!registry || !this.authorizer) return true;
    const credential = (group.properties.imageRegistryCredentials ?? []).find((c) => c.server.toLowerCase() === host);
    if (!credential) return false;
    if (credential.identity === undefined) return credential.username !== undefined;
    const identity = this.identities.get(credential.identity.toLowerCase());
    if (!identity) return false;
    return this.authorizer.permits({ objectId: identity.principalId, clientId: identity.clientId ?? "" }, { action: ACR_PULL_ACTION, scope: registry.id });
  }
}
