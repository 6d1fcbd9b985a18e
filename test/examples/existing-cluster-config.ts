/** Configuration of the existing-cluster example under mocks (shared with the policy tests). */
import { SUBSCRIPTION_ID, TEST_KUBECONFIG } from "../components/mocks";

const identityId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/burstlet`;
export const subnetId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/corp/subnets/aci`;
export const EXISTING_CLUSTER_CONFIG: Record<string, string> = {
  "burstlet:kubeconfig": TEST_KUBECONFIG,
  "burstlet:image": "burstlet:0.1.0",
  "burstlet:clusterName": "on-prem",
  "burstlet:subscriptionId": SUBSCRIPTION_ID,
  "burstlet:resourceGroupName": "burst",
  "burstlet:location": "westeurope",
  "burstlet:subnetId": subnetId,
  "burstlet:identityClientId": "client",
  "burstlet:identityTenantId": "tenant",
  "burstlet:identityId": identityId,
  "burstlet:oidcIssuerUrl": "https://issuer.example.test/",
  "burstlet:smokeTest": "true",
};
