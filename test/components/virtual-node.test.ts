import assert from "node:assert/strict";
import { SETTINGS } from "../../kubelet/src/settings";
import { VirtualNode, type VirtualNodeArgs } from "../../components/virtual-node";
import { declared, kubernetesManifests, ofType, oneOfType, SUBSCRIPTION_ID, useMocks, valueOf } from "./mocks";

const subnetId = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aci`;
const args: VirtualNodeArgs = {
  image: "burstlet:test",
  clusterName: "demo",
  subscriptionId: SUBSCRIPTION_ID,
  resourceGroupName: "burst-aci",
  location: "westeurope",
  subnetId,
  clusterDnsIp: "10.0.0.10",
  identity: { clientId: "client-id", tenantId: "tenant-id" },
  capacity: { pods: 200 },
};

describe("VirtualNode", () => {
  before(() => useMocks());

  it("declares namespace, service account, RBAC, configuration, priority class and the Deployment", async () => {
    let node!: VirtualNode;
    const { resources } = await declared(() => (node = new VirtualNode("vn", args)));
    const kinds = kubernetesManifests(resources).map((m) => `${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`);
    assert.deepEqual(kinds.sort(), [
      "ClusterRole//burstlet-bootstrap",
      "ClusterRole//burstlet-node",
      "ClusterRoleBinding//burstlet-bootstrap",
      "ClusterRoleBinding//burstlet-node",
      "ConfigMap/burstlet/burstlet",
      "Deployment/burstlet/burstlet",
      "Namespace//burstlet",
      "PodDisruptionBudget/burstlet/burstlet",
      "PriorityClass//burstlet",
      "Role/burstlet/burstlet-leader-election",
      "RoleBinding/burstlet/burstlet-leader-election",
      "ServiceAccount/burstlet/burstlet",
    ]);
    assert.equal(await valueOf(node.nodeName), "burstlet");
    assert.deepEqual(node.taint, { key: "virtual-kubelet.io/provider", value: "azure", effect: "NoSchedule" });
    assert.deepEqual(node.placement.virtual.nodeSelector, { type: "virtual-kubelet", "kubernetes.io/hostname": "burstlet" });
  });

  it("annotates the service account for workload identity and opts the pod in", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", args));
    const sa = oneOfType(resources, "kubernetes:core/v1:ServiceAccount");
    assert.deepEqual(sa.inputs.metadata.annotations, { "azure.workload.identity/client-id": "client-id", "azure.workload.identity/tenant-id": "tenant-id" });
    const pod = oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template;
    assert.equal(pod.metadata.labels["azure.workload.identity/use"], "true");
    assert.equal(pod.spec.serviceAccountName, "burstlet");
  });

  it("runs two replicas that roll one at a time, prefer different machines and stay off virtual nodes, under a disruption budget", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", args));
    const deployment = oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs;
    const spec = deployment.spec;
    assert.equal(spec.replicas, 2);
    assert.deepEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, "a new replica is ready to lead before an old one stops");
    const pod = spec.template.spec;
    assert.equal(pod.priorityClassName, "burstlet");
    assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchExpressions: [{ key: "type", operator: "NotIn", values: ["virtual-kubelet"] }, { key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }]);
    assert.equal(pod.tolerations, undefined, "no toleration: a virtual node's taint keeps burstlet off it too");
    assert.deepEqual(pod.affinity.podAntiAffinity, {
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: spec.selector.matchLabels } } }],
    });
    for (const [key, value] of Object.entries(spec.selector.matchLabels as Record<string, string>)) assert.equal(spec.template.metadata.labels[key], value, "the selector matches the pods");
    const pdb = oneOfType(resources, "kubernetes:policy/v1:PodDisruptionBudget").inputs;
    assert.deepEqual(pdb.spec, { minAvailable: 1, selector: { matchLabels: spec.selector.matchLabels } });
    assert.equal(pdb.metadata.namespace, deployment.metadata.namespace);
    const [container] = pod.containers;
    assert.equal(container.image, "burstlet:test");
    for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) assert.deepEqual(probe.httpGet, { path: "/healthz", port: "metrics", scheme: "HTTP" });
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    assert.deepEqual(container.resources.requests, { cpu: "100m", memory: "128Mi" });
    assert.equal(container.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual((container.ports as { containerPort: number }[]).map((p) => p.containerPort), [10250, 10255]);
  });

  it("takes a replica count; one replica gets no disruption budget (it would block every drain)", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", { ...args, replicas: 3 }));
    assert.equal(oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.replicas, 3);
    assert.equal(oneOfType(resources, "kubernetes:policy/v1:PodDisruptionBudget").inputs.spec.minAvailable, 1);
    const single = await declared(() => new VirtualNode("vn", { ...args, replicas: 1 }));
    assert.equal(oneOfType(single.resources, "kubernetes:apps/v1:Deployment").inputs.spec.replicas, 1);
    assert.equal(ofType(single.resources, "kubernetes:policy/v1:PodDisruptionBudget").length, 0);
  });

  it("sets the kubelet's settings under the variable names the kubelet reads", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", args));
    const data = oneOfType(resources, "kubernetes:core/v1:ConfigMap").inputs.data;
    assert.deepEqual(data, {
      [SETTINGS.nodeName[1]]: "burstlet",
      [SETTINGS.clusterName[1]]: "demo",
      [SETTINGS.subscriptionId[1]]: SUBSCRIPTION_ID,
      [SETTINGS.resourceGroup[1]]: "burst-aci",
      [SETTINGS.location[1]]: "westeurope",
      [SETTINGS.taint[1]]: "virtual-kubelet.io/provider=azure:NoSchedule",
      [SETTINGS.subnetId[1]]: subnetId,
      [SETTINGS.clusterDnsIp[1]]: "10.0.0.10",
      [SETTINGS.pods[1]]: "200",
      [SETTINGS.leaderElectNamespace[1]]: "burstlet",
    });
    const container = oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec.containers[0];
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "burstlet" } }]);
    assert.deepEqual(container.env, [{ name: SETTINGS.nodeAddress[1], valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }]);
  });

  it("lets the service account only bootstrap the node's identity and hold its leader Lease, and the node's user only renew its certificate", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", { ...args, nodeName: "aci-1" }));
    const roles = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole");
    const rulesOf = (name: string): unknown => roles.find((r) => r.inputs.metadata.name === name)?.inputs.rules;
    assert.deepEqual(rulesOf("burstlet-aci-1-bootstrap"), [
      { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create", "get", "list", "watch"] },
      { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/nodeclient"], verbs: ["create"] },
    ]);
    assert.deepEqual(rulesOf("burstlet-aci-1-node"), [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/selfnodeclient"], verbs: ["create"] }]);
    assert.equal(roles.length, 2, "no other role: the Node authorizer fences the rest");
    const role = oneOfType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").inputs;
    assert.equal(role.metadata.namespace, "burstlet");
    assert.deepEqual(role.rules, [
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"], resourceNames: ["burstlet-aci-1"] },
      { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
    ], "one Lease by name; create alone cannot be restricted by name");
    const roleBinding = oneOfType(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").inputs;
    assert.deepEqual([roleBinding.metadata.namespace, roleBinding.roleRef, roleBinding.subjects], ["burstlet", { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "burstlet-aci-1-leader-election" }, [{ kind: "ServiceAccount", name: "burstlet", namespace: "burstlet" }]]);
    const subjects = Object.fromEntries(ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").map((b) => [b.inputs.metadata.name, b.inputs.subjects]));
    assert.deepEqual(subjects, {
      "burstlet-aci-1-bootstrap": [{ kind: "ServiceAccount", name: "burstlet", namespace: "burstlet" }],
      "burstlet-aci-1-node": [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "system:node:aci-1" }],
    });
  });

  it("projects the federated token itself on clusters without the webhook", async () => {
    const { resources } = await declared(() => new VirtualNode("vn", { ...args, workloadIdentityWebhook: false, createNamespace: false, priorityClassName: "system-cluster-critical", untainted: true }));
    assert.equal(ofType(resources, "kubernetes:core/v1:Namespace").length, 0);
    assert.equal(ofType(resources, "kubernetes:scheduling.k8s.io/v1:PriorityClass").length, 0);
    const pod = oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template;
    assert.equal(pod.metadata.labels["azure.workload.identity/use"], undefined);
    assert.equal(pod.spec.priorityClassName, "system-cluster-critical");
    const names = (pod.spec.containers[0].env as { name: string }[]).map((e) => e.name);
    assert.ok(["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE"].every((n) => names.includes(n)));
    assert.equal(pod.spec.volumes[1].projected.sources[0].serviceAccountToken.audience, "api://AzureADTokenExchange");
    assert.equal(oneOfType(resources, "kubernetes:core/v1:ConfigMap").inputs.data[SETTINGS.taint[1]], "none");
  });

  it("bounds how long `pulumi up` waits for the Deployment, or skips the wait, through the provider's annotations", async () => {
    const annotationsOf = async (deploymentAwait?: VirtualNodeArgs["deploymentAwait"]): Promise<unknown> => {
      const { resources } = await declared(() => new VirtualNode("vn", { ...args, deploymentAwait }));
      return oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.metadata.annotations;
    };
    assert.deepEqual(await annotationsOf(), { "pulumi.com/timeoutSeconds": "300" }, "five minutes, not the provider's ten");
    assert.deepEqual(await annotationsOf({ timeoutSeconds: 90 }), { "pulumi.com/timeoutSeconds": "90" });
    assert.deepEqual(await annotationsOf({ skip: true }), { "pulumi.com/skipAwait": "true" });
    assert.deepEqual(await annotationsOf({ skip: false }), { "pulumi.com/timeoutSeconds": "300" });
  });

  it("runs one node per zone and region, each with its own configuration, Deployment, leader Lease and resource group", async () => {
    let node!: VirtualNode;
    const neSubnet = subnetId.replace("/aci", "/aci-ne");
    const { resources } = await declared(() => (node = new VirtualNode("vn", {
      ...args,
      zones: ["1", "2", "3"],
      regions: [{ location: "northeurope", subnetId: neSubnet }],
      placementResourceGroups: { "westeurope-1": "rg-we-1", "westeurope-2": "rg-we-2", "westeurope-3": "rg-we-3", northeurope: "rg-ne" },
      capacity: { pods: 300, cpu: 90 },
    })));
    const names = ["burstlet-westeurope-1", "burstlet-westeurope-2", "burstlet-westeurope-3", "burstlet-northeurope"];
    assert.deepEqual(await valueOf(node.nodeNames), names);
    // Registrations may complete in any order: compare by node name.
    const byName = <T>(items: T[], nameOf: (item: T) => string): T[] => [...items].sort((a, b) => names.indexOf(nameOf(a)) - names.indexOf(nameOf(b)));
    const configs = byName(ofType(resources, "kubernetes:core/v1:ConfigMap").map((c) => c.inputs.data as Record<string, string>), (d) => d[SETTINGS.nodeName[1]]);
    assert.deepEqual(configs.map((d) => [d[SETTINGS.nodeName[1]], d[SETTINGS.location[1]], d[SETTINGS.zone[1]], d[SETTINGS.quotaShare[1]], d[SETTINGS.resourceGroup[1]], d[SETTINGS.subnetId[1]], d[SETTINGS.pods[1]], d[SETTINGS.cpu[1]]]), [
      ["burstlet-westeurope-1", "westeurope", "1", "0.3333", "rg-we-1", subnetId, "100", "30"],
      ["burstlet-westeurope-2", "westeurope", "2", "0.3333", "rg-we-2", subnetId, "100", "30"],
      ["burstlet-westeurope-3", "westeurope", "3", "0.3333", "rg-we-3", subnetId, "100", "30"],
      ["burstlet-northeurope", "northeurope", undefined, undefined, "rg-ne", neSubnet, "300", "90"],
    ]);
    assert.deepEqual(configs.map((d) => [d[SETTINGS.readsPerSecond[1]], d[SETTINGS.readBurst[1]], d[SETTINGS.writesPerSecond[1]], d[SETTINGS.writeBurst[1]], d[SETTINGS.steadyReadsPerSecond[1]]]), names.map(() => ["5", "50", "2", "37", "3.75"]), "four nodes of one identity share ARM's per-principal limits");
    interface DeploymentInputs {
      metadata: { name: string };
      spec: { selector: { matchLabels: Record<string, string> }; template: { spec: { containers: { envFrom: { configMapRef: { name: string } }[] }[] } } };
    }
    const deployments = byName(ofType(resources, "kubernetes:apps/v1:Deployment").map((d) => d.inputs as DeploymentInputs), (d) => d.metadata.name);
    assert.deepEqual(deployments.map((d) => d.metadata.name), names);
    assert.deepEqual(deployments.map((d) => d.spec.template.spec.containers[0].envFrom[0].configMapRef.name), names, "each Deployment reads its own configuration");
    assert.deepEqual(deployments.map((d) => d.spec.selector.matchLabels["app.kubernetes.io/instance"]), names, "selectors never overlap");
    assert.equal(ofType(resources, "kubernetes:policy/v1:PodDisruptionBudget").length, 4);
    assert.equal(ofType(resources, "kubernetes:core/v1:ServiceAccount").length, 1, "one identity for all");
    const role = oneOfType(resources, "kubernetes:rbac.authorization.k8s.io/v1:Role").inputs;
    assert.deepEqual(role.rules[0].resourceNames, names.map((n) => `burstlet-${n}`), "each node's leader Lease, by name");
    const nodeBinding = ofType(resources, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").find((b) => b.inputs.metadata.name === "burstlet-node")!;
    assert.deepEqual((nodeBinding.inputs.subjects as { name: string }[]).map((s) => s.name), names.map((n) => `system:node:${n}`));
    assert.deepEqual(node.placement.virtual.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: names }] }]);
  });

  it("names the field when a zone list is empty or a region has no ACI subnet", () => {
    assert.throws(() => new VirtualNode("bad", { ...args, zones: [] }), /VirtualNode "bad": zones: is empty/);
    assert.throws(() => new VirtualNode("bad", { ...args, regions: [{ location: "northeurope", zones: [] , subnetId }] }), /VirtualNode "bad": regions\[0\]\.zones: is empty/);
    assert.throws(() => new VirtualNode("bad", { ...args, regions: [{ location: "northeurope" }] }), /VirtualNode "bad": regions\[0\]\.subnetId: the virtual node uses a VNet/);
    assert.throws(() => new VirtualNode("bad", { ...args, zones: ["1"], placementResourceGroups: { "westeurope-2": "rg" } }), /VirtualNode "bad": placementResourceGroups\.westeurope-2: is no placement/);
  });

  it("names the field in validation errors", () => {
    assert.throws(() => new VirtualNode("bad", { ...args, untainted: true, taint: { key: "k", value: "v", effect: "NoSchedule" } }), /VirtualNode "bad": untainted: set only one of `taint` or `untainted: true`/);
    assert.throws(() => new VirtualNode("bad", { ...args, deploymentAwait: { timeoutSeconds: 0 } }), /VirtualNode "bad": deploymentAwait\.timeoutSeconds: must be a whole number of seconds of at least 1, got 0/);
    assert.throws(() => new VirtualNode("bad", { ...args, deploymentAwait: { skip: true, timeoutSeconds: 60 } }), /VirtualNode "bad": deploymentAwait: set only one of `skip` or `timeoutSeconds`/);
    assert.throws(() => new VirtualNode("bad", { ...args, nodeName: "Not_A_Name" }), /VirtualNode "bad": nodeName: must be a DNS name/);
    assert.throws(() => new VirtualNode("bad", { ...args, replicas: 0 }), /VirtualNode "bad": replicas: must be a whole number of at least 1, got 0/);
    assert.throws(() => new VirtualNode("bad", { ...args, replicas: 1.5 }), /VirtualNode "bad": replicas: must be a whole number of at least 1, got 1\.5/);
    assert.throws(() => new VirtualNode("bad", { ...args, namespace: "a.b" }), /VirtualNode "bad": namespace: must be a DNS label/);
    assert.throws(() => new VirtualNode("bad", { ...args, tuning: { armReadBurst: 2.5 } }), /VirtualNode "bad": tuning\.armReadBurst: must be a whole number of at least 1, got 2\.5/);
    assert.throws(() => new VirtualNode("bad", { ...args, tuning: { statusSteadySeconds: 0 } }), /VirtualNode "bad": tuning\.statusSteadySeconds: must be a number above 0, got 0/);
    assert.throws(() => new VirtualNode("bad", { ...args, tuning: { armReadsPerSec: 10 } as never }), /VirtualNode "bad": tuning\.armReadsPerSec: is not a tuning setting; use one of armReadsPerSecond, /);
  });
});
