import assert from "node:assert/strict";
import * as path from "node:path";
import { SETTINGS } from "../../kubelet/src/settings";
import { declared, loadProgram, ofType, oneOfType, TEST_KUBECONFIG, useMocks } from "../components/mocks";
import { EXISTING_CLUSTER_CONFIG, subnetId } from "./existing-cluster-config";

const programPath = path.join(__dirname, "../../examples/existing-cluster/index");
describe("example: existing-cluster (program)", () => {
  it("adds a virtual node through the given kubeconfig, identity and subnet", async () => {
    await useMocks(EXISTING_CLUSTER_CONFIG, ["burstlet:kubeconfig"]);
    const { resources } = await declared(() => loadProgram(programPath));
    const provider = oneOfType(resources, "pulumi:providers:kubernetes");
    assert.equal(provider.inputs.kubeconfig, TEST_KUBECONFIG);
    assert.ok(provider.secretPaths.includes("kubeconfig"), "the kubeconfig stays secret");
    const data = oneOfType(resources, "kubernetes:core/v1:ConfigMap").inputs.data;
    assert.equal(data[SETTINGS.subnetId[1]], subnetId);
    assert.equal(data[SETTINGS.clusterName[1]], "on-prem");
    const pod = oneOfType(resources, "kubernetes:apps/v1:Deployment").inputs.spec.template.spec;
    assert.ok((pod.containers[0].env as { name: string }[]).some((e) => e.name === "AZURE_FEDERATED_TOKEN_FILE"), "no webhook assumed");
    const fic = oneOfType(resources, "azure-native:managedidentity:FederatedIdentityCredential");
    assert.deepEqual([fic.inputs.resourceGroupName, fic.inputs.resourceName, fic.inputs.subject], ["ids", "burstlet", "system:serviceaccount:burstlet:burstlet"]);
    assert.equal(oneOfType(resources, "kubernetes:batch/v1:Job").inputs.spec.template.spec.nodeSelector["kubernetes.io/hostname"], "burstlet");
    assert.equal(ofType(resources, "kubernetes:core/v1:NodePatch").length, 0);
  });

  it("needs a kubeconfig", async () => {
    await useMocks({ "burstlet:image": "x" });
    assert.throws(() => loadProgram(programPath), /Missing required configuration variable 'burstlet:kubeconfig'/);
  });
});
