import assert from "node:assert/strict";
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerservice from "@pulumi/azure-native/containerservice";
import * as network from "@pulumi/azure-native/network";
import * as k8s from "@pulumi/kubernetes";
import * as path from "node:path";
import { HybridCluster } from "../../components/hybrid-cluster";
import { VirtualNode } from "../../components/virtual-node";
import { evaluate, RULES } from "../../policy/rules";
import { stubRegistryExchange } from "../components/fetch-stub";
import { declared, loadProgram, SUBSCRIPTION_ID, useMocks } from "../components/mocks";
import { EXISTING_CLUSTER_CONFIG } from "../examples/existing-cluster-config";
import { asStack } from "./stack-resources";

const root = path.join(__dirname, "../..");
const toleration = { key: "virtual-kubelet.io/provider", operator: "Equal", value: "azure", effect: "NoSchedule" };
const virtualNodeArgs = {
  image: "burstlet:1",
  clusterName: "c",
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroupName: "burst",
  location: "westeurope",
  identity: { clientId: "client", tenantId: "tenant" },
};

async function violationsOf(declare: () => unknown): Promise<Record<string, unknown[]>> {
  const { resources } = await declared(declare);
  return evaluate(asStack(resources));
}

describe("policy pack on real stacks (mocks)", () => {
  stubRegistryExchange();

  describe("every rule passes on what this package declares", () => {
    it("the root program", async () => {
      await useMocks();
      assert.deepEqual(await violationsOf(() => loadProgram(path.join(root, "index"))), {});
    });
    it("the image-processing example, on a new hybrid cluster and through a stack reference", async () => {
      await useMocks();
      assert.deepEqual(await violationsOf(() => loadProgram(path.join(root, "examples/image-processing/index"))), {});
      await useMocks({ "burstlet:clusterStack": "org/burstlet/prod", "burstlet:workerImage": "thumbnailer:1" });
      assert.deepEqual(await violationsOf(() => loadProgram(path.join(root, "examples/image-processing/index"))), {});
    });
    it("the existing-cluster example", async () => {
      await useMocks(EXISTING_CLUSTER_CONFIG);
      assert.deepEqual(await violationsOf(() => loadProgram(path.join(root, "examples/existing-cluster/index"))), {});
    });
  });

  describe("seeded bad stacks violate exactly the right rule", () => {
    before(() => useMocks());

    it("Contributor on the whole subscription", async () => {
      const violations = await violationsOf(() => {
        new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope", image: "burstlet:1" });
        new authorization.RoleAssignment("too-wide", {
          principalId: "someone",
          roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c`,
          scope: `/subscriptions/${SUBSCRIPTION_ID}`,
        });
      });
      assert.deepEqual(Object.keys(violations), ["no-broad-role-assignments", "role-assignments-as-documented"]);
    });

    it("Network Contributor on a whole resource group instead of the subnet", async () => {
      const violations = await violationsOf(() => {
        new HybridCluster("h", { resourceGroupName: "rg", location: "westeurope", image: "burstlet:1" });
        new authorization.RoleAssignment("network-everywhere", {
          principalId: "someone",
          roleDefinitionId: `/subscriptions/${SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7`,
          scope: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg`,
        });
      });
      assert.deepEqual(Object.keys(violations), ["role-assignments-as-documented"]);
      assert.match(JSON.stringify(violations), /grants Network Contributor on .*resourceGroups\/rg \(a resourceGroup\); the role table in docs\/pulumi.md grants it only on the ACI subnet only \(one per region\) or the node subnet/);
    });

    it("a ClusterRole that mints tokens for every service account", async () => {
      const violations = await violationsOf(() => {
        new VirtualNode("vn", virtualNodeArgs);
        new k8s.rbac.v1.ClusterRole("tokens", { metadata: { name: "tokens" }, rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }] });
        new k8s.rbac.v1.ClusterRoleBinding("tokens", {
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "tokens" },
          subjects: [{ kind: "ServiceAccount", name: "burstlet", namespace: "burstlet" }],
        });
      });
      assert.deepEqual(Object.keys(violations), ["no-cluster-wide-service-account-tokens"]);
    });

    it("an ACI subnet without its delegation", async () => {
      const violations = await violationsOf(() => {
        const subnet = new network.Subnet("aci", { resourceGroupName: "rg", virtualNetworkName: "vnet", addressPrefix: "10.225.0.0/24" });
        new VirtualNode("vn", { ...virtualNodeArgs, subnetId: subnet.id });
      });
      assert.deepEqual(Object.keys(violations), ["aci-subnet-delegated"]);
    });

    it("an AKS cluster on kubenet without workload identity", async () => {
      const violations = await violationsOf(
        () => new containerservice.ManagedCluster("kubenet", { resourceGroupName: "rg", networkProfile: { networkPlugin: "kubenet" }, oidcIssuerProfile: { enabled: true } }),
      );
      assert.deepEqual(Object.keys(violations), ["aks-azure-cni-oidc-workload-identity"]);
    });

    it("burstlet bound to cluster-admin", async () => {
      const violations = await violationsOf(() => {
        new VirtualNode("vn", virtualNodeArgs);
        new k8s.rbac.v1.ClusterRoleBinding("shortcut", {
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" },
          subjects: [{ kind: "ServiceAccount", name: "burstlet", namespace: "burstlet" }],
        });
      });
      assert.deepEqual(Object.keys(violations), ["burstlet-no-cluster-wide-secret-listing"]);
    });

    it("a hand-written Job that tolerates the taint but mounts a host path and requests nothing", async () => {
      const violations = await violationsOf(() => {
        new VirtualNode("vn", virtualNodeArgs);
        new k8s.batch.v1.Job("raw", {
          spec: {
            template: {
              spec: {
                restartPolicy: "Never",
                tolerations: [toleration],
                nodeSelector: { "kubernetes.io/hostname": "burstlet" },
                containers: [{ name: "c", image: "busybox", command: ["true"], volumeMounts: [{ name: "h", mountPath: "/h" }] }],
                volumes: [{ name: "h", hostPath: { path: "/var" } }],
              },
            },
          },
        });
      });
      assert.deepEqual(Object.keys(violations), ["virtual-node-workloads-runnable"]);
    });

    it("a workload bursting onto a virtual node nobody excluded from load balancers", async () => {
      const violations = await violationsOf(
        () =>
          new k8s.batch.v1.Job("raw", {
            spec: {
              template: {
                spec: {
                  restartPolicy: "Never",
                  tolerations: [toleration],
                  nodeSelector: { "kubernetes.io/hostname": "virtual-node-aci-linux" },
                  containers: [{ name: "c", image: "busybox", command: ["true"], resources: { requests: { cpu: "1", memory: "1G" } } }],
                },
              },
            },
          }),
      );
      assert.deepEqual(Object.keys(violations), ["virtual-node-excluded-from-load-balancers"]);
    });

    it("covers every rule", () => {
      assert.equal(RULES.length, 8);
    });
  });
});
