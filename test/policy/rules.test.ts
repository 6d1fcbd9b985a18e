import assert from "node:assert/strict";
import { noClusterWideTokenRequests, roleAssignmentsAsDocumented } from "../../policy/access-rules";
import type { StackResource } from "../../policy/model";
import {
  aciSubnetDelegated,
  aksWorkloadIdentity,
  burstletSecretAccess,
  evaluate,
  noBroadRoleAssignments,
  RULES,
  virtualNodeExcludedFromLoadBalancers,
  virtualNodeWorkloadsRunnable,
} from "../../policy/rules";

const SUB = "00000000-1111-2222-3333-444444444444";
const subnetId = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci`;
const r = (type: string, name: string, props: Record<string, unknown>): StackResource => ({ type, name, props });
const burstletConfig = (extra: Record<string, string> = {}): StackResource =>
  r("kubernetes:core/v1:ConfigMap", "config", { metadata: { name: "burstlet", namespace: "burstlet" }, data: { BURSTLET_NODE_NAME: "burstlet", BURSTLET_CLUSTER_NAME: "c", ...extra } });
const subnet = (delegations: unknown[]): StackResource =>
  r("azure-native:network:Subnet", "aci", { id: subnetId, name: "aci", virtualNetworkName: "vnet", delegations });
const job = (podSpec: Record<string, unknown>): StackResource => r("kubernetes:batch/v1:Job", "job", { spec: { template: { spec: podSpec } } });
const toleration = { key: "virtual-kubelet.io/provider", operator: "Equal", value: "azure", effect: "NoSchedule" };
const runnable = { containers: [{ name: "w", image: "i", command: ["x"], resources: { requests: { cpu: "1", memory: "1G" } } }], tolerations: [toleration] };

describe("policy rules", () => {
  it("every rule has a unique name and a description", () => {
    assert.equal(new Set(RULES.map((rule) => rule.name)).size, RULES.length);
    for (const rule of RULES) assert.ok(rule.description.length > 20, rule.name);
  });

  describe("aci-subnet-delegated", () => {
    it("passes a delegated ACI subnet", () => {
      assert.deepEqual(aciSubnetDelegated.check([burstletConfig({ BURSTLET_SUBNET_ID: subnetId }), subnet([{ name: "aci", serviceName: "Microsoft.ContainerInstance/containerGroups" }])]), []);
    });
    it("flags an ACI subnet without the delegation", () => {
      const [v] = aciSubnetDelegated.check([burstletConfig({ BURSTLET_SUBNET_ID: subnetId }), subnet([])]);
      assert.match(v.message, /subnet "aci" holds burstlet's container groups but is not delegated/);
    });
  });

  describe("aks-azure-cni-oidc-workload-identity", () => {
    const cluster = (props: Record<string, unknown>): StackResource => r("azure-native:containerservice:ManagedCluster", "aks", props);
    const good = { networkProfile: { networkPlugin: "azure" }, oidcIssuerProfile: { enabled: true }, securityProfile: { workloadIdentity: { enabled: true } } };
    it("passes Azure CNI with OIDC and workload identity", () => assert.deepEqual(aksWorkloadIdentity.check([cluster(good)]), []));
    it("flags kubenet and missing workload identity", () => {
      const [v] = aksWorkloadIdentity.check([cluster({ ...good, networkProfile: { networkPlugin: "kubenet" }, securityProfile: {} })]);
      assert.match(v.message, /networkPlugin must be "azure"; securityProfile\.workloadIdentity\.enabled must be true/);
    });
  });

  describe("no-broad-role-assignments", () => {
    const assignment = (role: string, scope: string): StackResource =>
      r("azure-native:authorization:RoleAssignment", "grant", { roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`, scope });
    it("passes Contributor on a resource group", () => assert.deepEqual(noBroadRoleAssignments.check([assignment("b24988ac-6180-42a0-ab88-20f7382dd24c", `/subscriptions/${SUB}/resourceGroups/aci`)]), []));
    it("passes Reader on the subscription", () => assert.deepEqual(noBroadRoleAssignments.check([assignment("acdd72a7-3385-48ef-bd42-f606fba81ae7", `/subscriptions/${SUB}`)]), []));
    it("flags Owner or Contributor at subscription scope", () => {
      assert.match(noBroadRoleAssignments.check([assignment("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", `/subscriptions/${SUB}`)])[0].message, /grants Owner on \/subscriptions\//);
      assert.match(noBroadRoleAssignments.check([assignment("b24988ac-6180-42a0-ab88-20f7382dd24c", `/subscriptions/${SUB}/`)])[0].message, /grants Contributor/);
    });
  });

  describe("role-assignments-as-documented", () => {
    const assign = (role: string, scope: string): StackResource =>
      r("azure-native:authorization:RoleAssignment", "grant", { roleDefinitionId: role.startsWith("/") ? role : `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${role}`, scope });
    const usageReader = (actions: string[], guid = "1111"): StackResource =>
      r("azure-native:authorization:RoleDefinition", "usages", { id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, permissions: [{ actions }] });
    it("passes every row of the table", () => {
      assert.deepEqual(roleAssignmentsAsDocumented.check([
        assign("b24988ac-6180-42a0-ab88-20f7382dd24c", `/subscriptions/${SUB}/resourceGroups/aci`),
        assign("4d97b98b-1d4f-4787-a291-c67834d212e7", subnetId),
        assign("f1a07417-d97a-45cb-824c-7a7467783830", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull`),
        assign("7f951dda-4ed3-4680-a7ca-43fe172d538d", `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr`),
        usageReader(["Microsoft.ContainerInstance/locations/usages/read"]),
        assign(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/1111`, `/subscriptions/${SUB}`),
        usageReader(["Microsoft.Insights/metrics/read"], "2222"),
        assign(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/2222`, `/subscriptions/${SUB}`),
      ]), []);
    });
    it("flags a listed role on a broader scope than its row, and a role the table does not list", () => {
      const found = roleAssignmentsAsDocumented.check([
        assign("b24988ac-6180-42a0-ab88-20f7382dd24c", `/subscriptions/${SUB}`),
        assign("acdd72a7-3385-48ef-bd42-f606fba81ae7", `/subscriptions/${SUB}/resourceGroups/aci`),
        assign("f1a07417-d97a-45cb-824c-7a7467783830", `/subscriptions/${SUB}/resourceGroups/rg`),
      ]);
      assert.equal(found.length, 3);
      assert.match(found[0].message, /grants Contributor on \/subscriptions\/.* \(a subscription\); .* only on the dedicated container-group resource group only/);
      assert.match(found[1].message, /roleDefinitions\/acdd72a7-3385-48ef-bd42-f606fba81ae7, which the role table in docs\/pulumi.md does not list/);
      assert.match(found[2].message, /Managed Identity Operator .* only on the pull identity only/);
    });
    it("flags a custom role on the subscription that can do more than read ACI usages, or more than read metrics", () => {
      const found = roleAssignmentsAsDocumented.check([
        usageReader(["Microsoft.ContainerInstance/*"]),
        assign(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/1111`, `/subscriptions/${SUB}`),
        usageReader(["Microsoft.Insights/metrics/read", "Microsoft.Insights/*/read"], "2222"),
        assign(`/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/2222`, `/subscriptions/${SUB}`),
      ]);
      assert.equal(found.length, 2);
      for (const f of found) assert.match(f.message, /does not list/);
    });
  });

  describe("no-cluster-wide-service-account-tokens", () => {
    const clusterRole = (rules: unknown[]): StackResource => r("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "role", { metadata: { name: "r" }, rules });
    const bound = r("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "b", { roleRef: { kind: "ClusterRole", name: "r" }, subjects: [] });
    it("flags a bound ClusterRole creating serviceaccounts/token, or everything", () => {
      assert.equal(noClusterWideTokenRequests.check([clusterRole([{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }]), bound]).length, 1);
      assert.equal(noClusterWideTokenRequests.check([clusterRole([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]), bound]).length, 1);
    });
    it("passes the bootstrap role, an unbound role and a role limited by name", () => {
      assert.deepEqual(noClusterWideTokenRequests.check([clusterRole([{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/nodeclient"], verbs: ["create"] }]), bound]), []);
      assert.deepEqual(noClusterWideTokenRequests.check([clusterRole([{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }])]), []);
      assert.deepEqual(noClusterWideTokenRequests.check([clusterRole([{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"], resourceNames: ["builder"] }]), bound]), []);
    });
  });

  describe("burstlet-no-cluster-wide-secret-listing", () => {
    const deployment = r("kubernetes:apps/v1:Deployment", "burstlet", {
      metadata: { name: "burstlet", namespace: "burstlet", labels: { "app.kubernetes.io/name": "burstlet" } },
      spec: { template: { spec: { serviceAccountName: "burstlet" } } },
    });
    const role = (verbs: string[]): StackResource => r("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "role", { metadata: { name: "burstlet" }, rules: [{ apiGroups: [""], resources: ["secrets", "configmaps"], verbs }] });
    const binding = (roleName: string): StackResource =>
      r("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "binding", { roleRef: { kind: "ClusterRole", name: roleName }, subjects: [{ kind: "ServiceAccount", name: "burstlet", namespace: "burstlet" }] });
    it("passes get-only secret access", () => assert.deepEqual(burstletSecretAccess.check([deployment, role(["get"]), binding("burstlet")]), []));
    it("flags list and watch on secrets", () => {
      assert.match(burstletSecretAccess.check([deployment, role(["get", "list", "watch"]), binding("burstlet")])[0].message, /lets burstlet list, watch secrets cluster-wide/);
    });
    it("flags a binding to cluster-admin", () => {
      assert.match(burstletSecretAccess.check([deployment, binding("cluster-admin")])[0].message, /cluster-admin role, which reads every secret/);
    });
  });

  describe("virtual-node-workloads-runnable", () => {
    it("passes a tolerating workload with requests and supported volumes", () => assert.deepEqual(virtualNodeWorkloadsRunnable.check([job(runnable)]), []));
    it("ignores workloads that do not tolerate the virtual node", () => assert.deepEqual(virtualNodeWorkloadsRunnable.check([job({ containers: [{ name: "w", image: "i" }] })]), []));
    it("flags missing requests and host paths", () => {
      const [v] = virtualNodeWorkloadsRunnable.check([job({ ...runnable, containers: [{ name: "w", image: "i" }], volumes: [{ name: "h", hostPath: { path: "/" } }] })]);
      assert.match(v.message, /Job "job" tolerates the virtual node but cannot run there/);
      assert.match(v.message, /hostPath/);
      assert.match(v.message, /sets no cpu request/);
    });
  });

  describe("virtual-node-excluded-from-load-balancers", () => {
    const pinned = job({ ...runnable, nodeSelector: { "kubernetes.io/hostname": "foreign" } });
    const patch = (labels: Record<string, string>): StackResource => r("kubernetes:core/v1:NodePatch", "patch", { metadata: { name: "foreign", labels } });
    it("passes burstlet's own node and a patched foreign node", () => {
      assert.deepEqual(virtualNodeExcludedFromLoadBalancers.check([burstletConfig(), job({ ...runnable, nodeSelector: { "kubernetes.io/hostname": "burstlet" } })]), []);
      assert.deepEqual(virtualNodeExcludedFromLoadBalancers.check([pinned, patch({ "node.kubernetes.io/exclude-from-external-load-balancers": "true" })]), []);
    });
    it("flags a workload bursting onto an unlabelled node", () => {
      assert.match(virtualNodeExcludedFromLoadBalancers.check([pinned])[0].message, /bursts onto node "foreign", which nothing labels/);
    });
    it("flags a virtual kubelet node labelled without the exclusion", () => {
      assert.match(virtualNodeExcludedFromLoadBalancers.check([patch({ type: "virtual-kubelet" })])[0].message, /labelled as a virtual kubelet but not/);
    });
  });

  it("evaluate() reports only rules with violations", () => {
    assert.deepEqual(Object.keys(evaluate([job({ containers: [{ name: "w", image: "i" }], tolerations: [{ operator: "Exists" }] })])), ["virtual-node-workloads-runnable"]);
  });
});
