/**
 * Add a virtual node to a cluster you already have (AKS or any other): the kubeconfig comes in as
 * a secret, and the Azure side is given: a managed identity for burstlet (client and tenant ID),
 * the resource group container groups go to and, optionally, an ACI-delegated subnet. With
 * `identityId` and `oidcIssuerUrl` the identity is federated to burstlet's service account here.
 */
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BurstJob, VirtualNode } from "../../components";

const config = new pulumi.Config();
const provider = new k8s.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig"), enableServerSideApply: true });
const namespace = config.get("namespace") ?? "burstlet";
const serviceAccountName = "burstlet";

const node = new VirtualNode("burstlet", {
  provider,
  image: config.require("image"),
  nodeName: config.get("nodeName"),
  namespace,
  serviceAccountName,
  clusterName: config.require("clusterName"),
  subscriptionId: config.require("subscriptionId"),
  resourceGroupName: config.require("resourceGroupName"),
  location: config.require("location"),
  subnetId: config.get("subnetId"),
  clusterDnsIp: config.get("clusterDnsIp"),
  pullIdentityId: config.get("pullIdentityId"),
  identity: { clientId: config.require("identityClientId"), tenantId: config.require("identityTenantId") },
  // Without the webhook (not every cluster has it) the Deployment projects the token itself.
  workloadIdentityWebhook: config.getBoolean("workloadIdentityWebhook") ?? false,
});

// Federate the given identity to burstlet's service account, when told which identity and issuer.
const identityId = config.get("identityId");
const oidcIssuerUrl = config.get("oidcIssuerUrl");
if (identityId && oidcIssuerUrl) {
  const match = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/([^/]+)$/i.exec(identityId);
  if (!match) throw new Error(`config identityId must be a user-assigned identity resource ID, got "${identityId}"`);
  new managedidentity.FederatedIdentityCredential("burstlet", {
    resourceGroupName: match[1],
    resourceName: match[2],
    issuer: oidcIssuerUrl,
    subject: `system:serviceaccount:${namespace}:${serviceAccountName}`,
    audiences: ["api://AzureADTokenExchange"],
  });
}

// A one-pod Job on the virtual node, to see a burst end to end.
if (config.getBoolean("smokeTest")) {
  new BurstJob("hello", {
    provider,
    virtualNode: node,
    containers: [{ name: "hello", image: "busybox:1.37", command: ["sh", "-c", "echo hello from ACI; uname -a"], resources: { requests: { cpu: "100m", memory: "100M" } } }],
    ttlSecondsAfterFinished: 3600,
  });
}

export const virtualNodeName = node.nodeName;
export const virtualNodeNamespace = node.namespace;
