/**
 * AksCluster: the ordinary half of a hybrid cluster. Azure CNI on the node subnet (pods get VNet
 * addresses, so they reach burst pods in the ACI subnet directly), OIDC issuer and workload
 * identity on (burstlet authenticates with no secret), and a user-assigned control-plane identity
 * that is granted Network Contributor on the node subnet *before* the cluster is created, so the
 * first load balancer does not race the role assignment.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { InvalidInputError } from "../kubelet/src/errors";
import { roleDefinitionId, subscriptionOf } from "./azure-ids";
import { NETWORK_DEFAULTS } from "./network-plan";

export interface PoolAutoscaling {
  readonly min: number;
  readonly max: number;
}

/** AKS's pricing tiers. */
export const ClusterTier = { Free: "Free", Standard: "Standard", Premium: "Premium" } as const;
export type ClusterTier = (typeof ClusterTier)[keyof typeof ClusterTier];

export interface SystemPoolArgs {
  /** @default "Standard_D4s_v5" */
  readonly vmSize?: string;
  /** Nodes at creation (and the starting size when autoscaling). @default 2 */
  readonly count?: number;
  /** Let the cluster autoscaler move the pool between `min` and `max` nodes. @default off */
  readonly autoscaling?: PoolAutoscaling;
  /** @default none (regional) */
  readonly availabilityZones?: string[];
}

export interface AadArgs {
  /** Entra groups whose members are cluster administrators. */
  readonly adminGroupObjectIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Authorise Kubernetes requests with Azure RBAC. @default true */
  readonly azureRbac?: boolean;
  /** @default the subscription's tenant */
  readonly tenantId?: pulumi.Input<string>;
}

export interface AksClusterArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** @default the resource group's */
  readonly location?: pulumi.Input<string>;
  /** Subnet for nodes and (Azure CNI) their pods. */
  readonly nodeSubnetId: pulumi.Input<string>;
  /** @default "10.0.0.0/16" */
  readonly serviceCidr?: pulumi.Input<string>;
  /** @default "10.0.0.10" */
  readonly dnsServiceIp?: pulumi.Input<string>;
  /** e.g. "1.33"; @default AKS's default version */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /** @default 2 × Standard_D4s_v5, no autoscaling */
  readonly systemPool?: SystemPoolArgs;
  /**
   * Keep Kubernetes local accounts (certificate kubeconfig). Turning them off requires `aad`, and
   * the kubeconfig then authenticates through `kubelogin`. @default true
   */
  readonly localAccounts?: boolean;
  /** Managed Entra ID integration. @default off */
  readonly aad?: AadArgs;
  /** @default "Free" */
  readonly tier?: ClusterTier;
  /** @default derived from the component name */
  readonly dnsPrefix?: string;
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class AksCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterId: pulumi.Output<string>;
  /** Kubeconfig of the cluster user; a secret. */
  readonly kubeconfig: pulumi.Output<string>;
  /** A Kubernetes provider for this cluster (server-side apply). */
  readonly provider: k8s.Provider;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Object ID of the nodes' kubelet identity (the principal that pulls node images). */
  readonly kubeletIdentityObjectId: pulumi.Output<string>;

  constructor(name: string, args: AksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:AksCluster", name, {}, opts);
    const field = (f: string): string => `AksCluster "${name}": ${f}`;
    const pool = validatePool(args.systemPool ?? {}, field);
    const localAccounts = args.localAccounts ?? true;
    if (!localAccounts && !args.aad) throw new InvalidInputError(field("localAccounts"), "can only be false with aad set: without local accounts, Entra ID is the only way in");
    const version = args.kubernetesVersion;
    if (typeof version === "string" && !/^\d+\.\d+(\.\d+)?$/.test(version)) {
      throw new InvalidInputError(field("kubernetesVersion"), `must look like 1.33 or 1.33.2, got "${version}"`);
    }
    const dnsPrefix = args.dnsPrefix ?? (name.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 54) || "burstlet");
    if (!/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$/.test(dnsPrefix)) {
      throw new InvalidInputError(field("dnsPrefix"), `must be 1-54 letters, digits and hyphens, starting and ending alphanumeric, got "${dnsPrefix}"`);
    }

    const controlPlane = new managedidentity.UserAssignedIdentity(
      `${name}-control-plane`,
      { resourceGroupName: args.resourceGroupName, location: args.location, tags: args.tags },
      { parent: this },
    );
    const subnetAccess = new authorization.RoleAssignment(
      `${name}-node-subnet`,
      {
        principalId: controlPlane.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: pulumi.output(args.nodeSubnetId).apply((id) => roleDefinitionId(subscriptionOf(id, field("nodeSubnetId")), "networkContributor")),
        scope: args.nodeSubnetId,
        description: "the AKS control plane manages load balancers and addresses in the node subnet",
      },
      { parent: this },
    );

    const cluster = new containerservice.ManagedCluster(
      `${name}-aks`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        dnsPrefix,
        kubernetesVersion: args.kubernetesVersion,
        sku: { name: "Base", tier: args.tier ?? "Free" },
        identity: { type: containerservice.ResourceIdentityType.UserAssigned, userAssignedIdentities: [controlPlane.id] },
        enableRBAC: true,
        disableLocalAccounts: !localAccounts,
        aadProfile: args.aad
          ? { managed: true, enableAzureRBAC: args.aad.azureRbac ?? true, adminGroupObjectIDs: args.aad.adminGroupObjectIds, tenantID: args.aad.tenantId }
          : undefined,
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        networkProfile: {
          networkPlugin: containerservice.NetworkPlugin.Azure,
          serviceCidr: args.serviceCidr ?? NETWORK_DEFAULTS.serviceCidr,
          dnsServiceIP: args.dnsServiceIp ?? NETWORK_DEFAULTS.dnsServiceIp,
          loadBalancerSku: containerservice.LoadBalancerSku.Standard,
          outboundType: containerservice.OutboundType.LoadBalancer,
        },
        autoUpgradeProfile: { nodeOSUpgradeChannel: containerservice.NodeOSUpgradeChannel.NodeImage },
        agentPoolProfiles: [
          {
            name: "system",
            mode: containerservice.AgentPoolMode.System,
            osType: containerservice.OSType.Linux,
            type: containerservice.AgentPoolType.VirtualMachineScaleSets,
            vmSize: pool.vmSize,
            count: pool.count,
            enableAutoScaling: pool.autoscaling !== undefined,
            minCount: pool.autoscaling?.min,
            maxCount: pool.autoscaling?.max,
            availabilityZones: pool.availabilityZones,
            vnetSubnetID: args.nodeSubnetId,
          },
        ],
        tags: args.tags,
      },
      // The node count belongs to the autoscaler once it is on.
      { parent: this, dependsOn: [subnetAccess], ignoreChanges: pool.autoscaling ? ["agentPoolProfiles[0].count"] : [] },
    );

    const credentials = containerservice.listManagedClusterUserCredentialsOutput(
      { resourceGroupName: args.resourceGroupName, resourceName: cluster.name, format: args.aad ? "exec" : undefined },
      { parent: this },
    );
    this.kubeconfig = pulumi.secret(
      credentials.kubeconfigs.apply((configs) => {
        if (configs.length === 0) throw new Error(`AksCluster "${name}": the cluster returned no user kubeconfig`);
        return Buffer.from(configs[0].value, "base64").toString("utf8");
      }),
    );
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this });
    this.clusterName = cluster.name;
    this.clusterId = cluster.id;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => requireValue(p?.issuerURL, field("oidcIssuerProfile.issuerURL")));
    this.kubeletIdentityObjectId = cluster.identityProfile.apply((p) => requireValue(p?.kubeletidentity?.objectId, field("identityProfile.kubeletidentity.objectId")));
    this.registerOutputs({
      clusterName: this.clusterName,
      clusterId: this.clusterId,
      kubeconfig: this.kubeconfig,
      oidcIssuerUrl: this.oidcIssuerUrl,
      kubeletIdentityObjectId: this.kubeletIdentityObjectId,
    });
  }
}

function validatePool(pool: SystemPoolArgs, field: (f: string) => string): Required<Omit<SystemPoolArgs, "autoscaling" | "availabilityZones">> & SystemPoolArgs {
  const count = pool.count ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 1000) throw new InvalidInputError(field("systemPool.count"), `must be an integer from 1 to 1000, got ${count}`);
  const scale = pool.autoscaling;
  if (scale && (!Number.isInteger(scale.min) || !Number.isInteger(scale.max) || scale.min < 1 || scale.min > count || count > scale.max)) {
    throw new InvalidInputError(field("systemPool.autoscaling"), `needs whole numbers with 1 <= min <= count <= max, got min ${scale.min}, count ${count}, max ${scale.max}`);
  }
  return { ...pool, vmSize: pool.vmSize ?? "Standard_D4s_v5", count };
}

/** Azure fills these in on creation; a missing one means the cluster was created without the feature. */
function requireValue(value: string | undefined, field: string): string {
  if (value === undefined || value === "") throw new Error(`${field} is empty: the cluster must have the feature enabled`);
  return value;
}
