/**
 * Thumbnails for a fresh upload of images, on a hybrid cluster that bursts into ACI: an Azure
 * Files share holds `input/` and `output/`, and an indexed BurstJob runs one pod per shard on the
 * virtual node. Each pod thumbnails its shard (`worker/`) and exits; the cost returns to zero.
 *
 * Upload images into `input/` of the share, then `pulumi config set batch <n>` and `pulumi up`
 * to process them: a new batch replaces the Job. The cluster is a new HybridCluster, or an existing one through a stack reference
 * (`pulumi config set clusterStack <org>/burstlet/<stack>`).
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as resources from "@pulumi/azure-native/resources";
import * as storage from "@pulumi/azure-native/storage";
import * as dockerbuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { BurstJob, DEFAULT_NODE_NAME, exchangeAcrToken, HybridCluster, VIRTUAL_NODE_TAINT, type ForeignVirtualNode, type VirtualNode } from "../../components";
import { AZURE_FILE_SECRET_KEYS } from "../../kubelet/src/aci/volumes";

const config = new pulumi.Config();
const location = config.get("location") ?? "westeurope";
const shards = config.getNumber("shards", { min: 1, max: 1000 }) ?? 8;
const parallelism = config.getNumber("parallelism", { min: 1 }) ?? shards;
const thumbnailSize = config.getNumber("thumbnailSize", { min: 16, max: 4096 }) ?? 256;
const clusterStack = config.get("clusterStack");
// Changing the batch replaces the Job (its template changes), which runs the shards again.
const batch = config.get("batch") ?? "1";
// How long one pod is billed (image pull to end), for the cost estimate's per-run figures.
const podSeconds = config.getNumber("podSeconds", { min: 1 });
const namespace = "images";

const group = new resources.ResourceGroup("images", { location });

// The cluster: a new hybrid cluster, or one another stack manages.
let provider: k8s.Provider;
let virtualNode: VirtualNode | ForeignVirtualNode;
let registry: { loginServer: pulumi.Output<string> } | undefined;
if (clusterStack) {
  const cluster = new pulumi.StackReference(clusterStack);
  provider = new k8s.Provider("cluster", { kubeconfig: cluster.requireOutput("kubeconfig").apply(String), enableServerSideApply: true });
  virtualNode = { name: config.get("virtualNodeName") ?? DEFAULT_NODE_NAME, taint: VIRTUAL_NODE_TAINT };
} else {
  const hybrid = new HybridCluster("images", { resourceGroupName: group.name, location, burst: { pods: Math.max(parallelism, 100) } });
  provider = hybrid.provider;
  virtualNode = hybrid.virtualNode;
  registry = hybrid.image.loginServer ? { loginServer: hybrid.image.loginServer } : undefined;
}

// The share: input/ for uploads, output/ for thumbnails. ACI mounts Azure Files with the account key.
const account = new storage.StorageAccount("images", {
  resourceGroupName: group.name,
  location,
  kind: storage.Kind.StorageV2,
  sku: { name: storage.SkuName.Standard_LRS },
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
  allowBlobPublicAccess: false,
});
const share = new storage.FileShare("images", { resourceGroupName: group.name, accountName: account.name, shareQuota: 100 });
const accountKey = storage.listStorageAccountKeysOutput({ resourceGroupName: group.name, accountName: account.name }).keys.apply((keys) => keys[0].value);

const ns = new k8s.core.v1.Namespace("images", { metadata: { name: namespace } }, { provider });
const shareSecret = new k8s.core.v1.Secret(
  "images-share",
  {
    metadata: { name: "images-share", namespace },
    stringData: { [AZURE_FILE_SECRET_KEYS.accountName]: account.name, [AZURE_FILE_SECRET_KEYS.accountKey]: pulumi.secret(accountKey) },
  },
  { provider, dependsOn: [ns] },
);

// The worker image: given, or built from worker/ into the hybrid cluster's registry (burst pods pull it with its pull identity).
function workerImage(): pulumi.Input<string> {
  const given = config.get("workerImage");
  if (given) return given;
  if (!registry) throw new Error("config workerImage is required with clusterStack: the referenced cluster's registry is not managed here");
  const server = registry.loginServer;
  const credentials = pulumi.all([server, authorization.getClientTokenOutput().token]).apply(([s, token]) => exchangeAcrToken(s, token));
  return new dockerbuild.Image("worker", {
    context: { location: path.join(__dirname, "worker") },
    platforms: [dockerbuild.Platform.Linux_amd64],
    tags: [pulumi.interpolate`${server}/thumbnail-worker:latest`],
    push: true,
    registries: [{ address: server, username: credentials.username, password: pulumi.secret(credentials.password) }],
  }).ref;
}

const thumbnails = new BurstJob(
  "thumbnails",
  {
    provider,
    virtualNode,
    namespace,
    completions: shards,
    parallelism,
    indexed: true,
    backoffLimit: shards * 2,
    containers: [
      {
        name: "thumbnailer",
        image: workerImage(),
        command: ["node", "dist/main.js"],
        env: [
          { name: "SHARD_COUNT", value: String(shards) },
          { name: "INPUT_DIR", value: "/images/input" },
          { name: "OUTPUT_DIR", value: "/images/output" },
          { name: "THUMBNAIL_SIZE", value: String(thumbnailSize) },
          { name: "BATCH", value: batch },
        ],
        resources: { requests: { cpu: "1", memory: "1500M" } },
        volumeMounts: [{ name: "images", mountPath: "/images" }],
      },
    ],
    volumes: [{ name: "images", azureFile: { secretName: "images-share", shareName: share.name, readOnly: false } }],
    region: location,
    estimatedPodSeconds: podSeconds,
  },
  { dependsOn: [shareSecret] },
);

export const storageAccountName = account.name;
export const shareName = share.name;
export const jobName = thumbnails.jobName;
export const jobNamespace = thumbnails.namespace;
/** An ESTIMATE of the burst's cost on ACI (see `components/aci-prices.ts`); what ACI billed is on each finished pod. */
export const estimatedCost = thumbnails.costEstimate;
