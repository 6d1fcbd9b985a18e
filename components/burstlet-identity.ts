/**
 * BurstletIdentity: who burstlet is in Azure. A user-assigned managed identity federated to its
 * Kubernetes service account (workload identity: the pod trades its service account token for an
 * Entra token, so there is no client secret anywhere), and the least privilege it needs:
 *
 * - Contributor on the dedicated resource group where container groups are created (one per
 *   placement, for a virtual node with zones or regions), and nowhere else. No built-in role is narrower for creating, reading and deleting container groups, and a
 *   dedicated group limits what Contributor reaches to burstlet's own groups.
 * - A custom role with the one action `location.listUsage` needs, on the subscription: the region's
 *   ACI quota and usage are burstlet's node health and capacity, and Azure serves them only at
 *   subscription scope, which no resource-group role reaches.
 * - A custom role with the one action reading platform metrics needs, on the subscription: pods'
 *   CPU and memory usage come from Azure Monitor's metrics batch API, which checks it on the
 *   subscription itself and refuses a grant on the resource group.
 * - Network Contributor on the ACI subnet only (one per region; joining container groups to it).
 * - Optionally a pull identity with AcrPull on a registry, which burstlet assigns to container
 *   groups so burst pods pull private images without a secret; burstlet gets Managed Identity
 *   Operator on that identity only, which assigning it requires.
 *
 * Every grant is a row of `ROLE_TABLE` (`role-table.ts`), which `docs/pulumi.md` prints.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../kubelet/src/errors";
import { BUILT_IN_ROLES, roleDefinitionId, serviceAccountSubject, subscriptionOf, WORKLOAD_IDENTITY_AUDIENCE, type BuiltInRole } from "./azure-ids";
import { ACI_USAGE_READER, METRICS_READER } from "./role-table";

export interface BurstletIdentityArgs {
  /** Resource group the identities live in. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** @default the resource group's */
  readonly location?: pulumi.Input<string>;
  /** Resource ID of the dedicated resource group where burstlet creates container groups. */
  readonly containerGroupResourceGroupId: pulumi.Input<string>;
  /** Resource IDs of the resource groups of a virtual node's further placements (zones, regions). @default none */
  readonly additionalContainerGroupResourceGroupIds?: pulumi.Input<string>[];
  /** Resource ID of the subnet delegated to ACI; omit when container groups get no VNet. */
  readonly aciSubnetId?: pulumi.Input<string>;
  /** The ACI subnets of a virtual node's further regions. @default none */
  readonly additionalAciSubnetIds?: pulumi.Input<string>[];
  /** The cluster's OIDC issuer URL (AKS: `oidcIssuerProfile.issuerURL`). */
  readonly oidcIssuerUrl: pulumi.Input<string>;
  /** Namespace of burstlet's service account (plain: it is part of the trusted subject). @default "burstlet" */
  readonly namespace?: string;
  /** @default "burstlet" */
  readonly serviceAccountName?: string;
  /** A registry whose images burst pods pull: creates a pull identity with AcrPull on it. */
  readonly pullRegistryId?: pulumi.Input<string>;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class BurstletIdentity extends pulumi.ComponentResource {
  /** Client ID burstlet authenticates as (the service account's workload identity annotation). */
  readonly clientId: pulumi.Output<string>;
  readonly tenantId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  readonly identityId: pulumi.Output<string>;
  /** Resource ID of the pull identity, when `pullRegistryId` is given. */
  readonly pullIdentityId?: pulumi.Output<string>;
  /** The subject the federated credential trusts: `system:serviceaccount:<ns>:<sa>`. */
  readonly subject: string;
  readonly namespace: string;
  readonly serviceAccountName: string;

  constructor(name: string, args: BurstletIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:BurstletIdentity", name, {}, opts);
    this.namespace = args.namespace ?? "burstlet";
    this.serviceAccountName = args.serviceAccountName ?? "burstlet";
    const dns = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
    for (const [field, value] of [["namespace", this.namespace], ["serviceAccountName", this.serviceAccountName]] as const) {
      if (!dns.test(value)) throw new InvalidInputError(`BurstletIdentity "${name}": ${field}`, `must be a DNS label (lowercase letters, digits, '-'), got "${value}"`);
    }
    this.subject = serviceAccountSubject(this.namespace, this.serviceAccountName);

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-burstlet`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    new managedidentity.FederatedIdentityCredential(
      `${name}-federation`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: identity.name,
        issuer: args.oidcIssuerUrl,
        subject: this.subject,
        audiences: [WORKLOAD_IDENTITY_AUDIENCE],
      },
      { parent: this },
    );

    /** `role`: a built-in role's key, or the ID of a role definition declared here. */
    const grant = (suffix: string, role: BuiltInRole | pulumi.Output<string>, principalId: pulumi.Input<string>, scope: pulumi.Input<string>, description: string): void => {
      new authorization.RoleAssignment(
        `${name}-${suffix}`,
        {
          principalId,
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: typeof role === "string" && role in BUILT_IN_ROLES
            ? pulumi.output(scope).apply((s) => roleDefinitionId(subscriptionOf(s, `BurstletIdentity "${name}": scope of ${suffix}`), role))
            : role,
          scope,
          description,
        },
        { parent: this },
      );
    };
    grant("container-groups", "contributor", identity.principalId, args.containerGroupResourceGroupId, "burstlet creates and deletes container groups in this dedicated resource group");
    (args.additionalContainerGroupResourceGroupIds ?? []).forEach((id, i) => {
      grant(`container-groups-${i + 2}`, "contributor", identity.principalId, id, "burstlet creates and deletes container groups in this dedicated resource group");
    });

    const subscription = pulumi.output(args.containerGroupResourceGroupId).apply((id) => `/subscriptions/${subscriptionOf(id, `BurstletIdentity "${name}": containerGroupResourceGroupId`)}`);
    /** A custom role of `actions` only, assignable on the subscription alone. */
    const customRole = (suffix: string, role: { readonly roleName: string; readonly description: string; readonly actions: readonly string[] }): authorization.RoleDefinition =>
      new authorization.RoleDefinition(
        `${name}-${suffix}`,
        {
          scope: subscription,
          // Role names are unique in the tenant: the identity's (auto-generated) name keeps two stacks apart.
          roleName: pulumi.interpolate`${role.roleName} (${identity.name})`,
          description: role.description,
          roleType: "CustomRole",
          permissions: [{ actions: [...role.actions], notActions: [], dataActions: [], notDataActions: [] }],
          assignableScopes: [subscription],
        },
        { parent: this },
      );
    const usageReader = customRole("aci-usage-reader", ACI_USAGE_READER);
    grant("aci-usages", usageReader.id, identity.principalId, subscription, "burstlet reads the region's ACI quota and usage: its node's health and capacity");
    const metricsReader = customRole("metrics-reader", METRICS_READER);
    grant("metrics", metricsReader.id, identity.principalId, subscription, "burstlet reads its container groups' CPU and memory metrics (the metrics batch API authorizes on the subscription)");
    if (args.aciSubnetId !== undefined) {
      grant("aci-subnet", "networkContributor", identity.principalId, args.aciSubnetId, "burstlet joins container groups to the ACI subnet");
    }
    (args.additionalAciSubnetIds ?? []).forEach((id, i) => {
      grant(`aci-subnet-${i + 2}`, "networkContributor", identity.principalId, id, "burstlet joins container groups to the ACI subnet");
    });

    if (args.pullRegistryId !== undefined) {
      const pull = new managedidentity.UserAssignedIdentity(
        `${name}-pull`,
        { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
        { parent: this },
      );
      grant("pull-acr", "acrPull", pull.principalId, args.pullRegistryId, "burst pods pull images with this identity");
      grant("assign-pull", "managedIdentityOperator", identity.principalId, pull.id, "burstlet assigns the pull identity to container groups");
      this.pullIdentityId = pull.id;
    }

    this.clientId = identity.clientId;
    this.tenantId = identity.tenantId;
    this.principalId = identity.principalId;
    this.identityId = identity.id;
    this.registerOutputs({
      clientId: this.clientId,
      tenantId: this.tenantId,
      principalId: this.principalId,
      identityId: this.identityId,
      pullIdentityId: this.pullIdentityId,
    });
  }
}
