/**
 * The default Pulumi program: `pulumi up` stands up a resource group and a hybrid AKS cluster whose
 * virtual node bursts into Azure Container Instances. Configured with `pulumi config` (the keys
 * are documented in docs/pulumi.md); the library itself is `components/`.
 */
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import { HybridCluster } from "./components";

const config = new pulumi.Config();
const location = config.get("location") ?? new pulumi.Config("azure-native").get("location") ?? "westeurope";
const nodeCount = config.getNumber("nodeCount", { min: 1 }) ?? 2;
const nodeMaxCount = config.getNumber("nodeMaxCount", { min: 1 });
const image = config.get("image");
const registryId = config.get("registryId");
const registryLoginServer = config.get("registryLoginServer");
if ((registryId === undefined) !== (registryLoginServer === undefined)) {
  throw new Error("config burstlet:registryId and burstlet:registryLoginServer must be set together");
}
// Availability zones of `location` as "1,2,3": one virtual node per zone.
const zones = config.get("zones")?.split(",").map((z) => z.trim());
const tags = { "burstlet.io/stack": `${pulumi.getProject()}-${pulumi.getStack()}` };

const resourceGroup = new resources.ResourceGroup("burstlet", { location, tags });

const hybrid = new HybridCluster("burstlet", {
  resourceGroupName: resourceGroup.name,
  location,
  kubernetesVersion: config.get("kubernetesVersion"),
  systemPool: {
    vmSize: config.get("nodeVmSize") ?? "Standard_D4s_v5",
    count: nodeCount,
    autoscaling: nodeMaxCount === undefined ? undefined : { min: nodeCount, max: nodeMaxCount },
  },
  burst: {
    pods: config.getNumber("burstPods", { min: 1 }) ?? 100,
    cpu: config.getNumber("burstCpu", { min: 1 }),
    memoryGiB: config.getNumber("burstMemoryGiB", { min: 1 }),
  },
  image,
  build: image !== undefined ? undefined : { registry: registryId && registryLoginServer ? { id: registryId, loginServer: registryLoginServer } : undefined },
  nodeName: config.get("nodeName"),
  zones,
  tags,
});

export const resourceGroupName = resourceGroup.name;
export const kubeconfig = pulumi.secret(hybrid.kubeconfig);
export const clusterName = hybrid.clusterName;
export const virtualNodeName = hybrid.virtualNodeName;
export const containerGroupResourceGroupName = hybrid.containerGroupResourceGroupName;
