import assert from "node:assert/strict";
import { AciNetwork } from "../../components/aci-network";
import { declared, oneOfType, ofType, useMocks, valueOf } from "./mocks";

describe("AciNetwork", () => {
  before(() => useMocks());

  it("declares a VNet, a node subnet and an ACI subnet delegated to container groups", async () => {
    let net!: AciNetwork;
    const { resources } = await declared(() => {
      net = new AciNetwork("net", { resourceGroupName: "rg", location: "westeurope", burstPods: 200 });
    });
    const vnet = oneOfType(resources, "azure-native:network:VirtualNetwork");
    assert.deepEqual(vnet.inputs.addressSpace, { addressPrefixes: ["10.224.0.0/12"] });
    assert.equal(vnet.inputs.subnets, undefined, "subnets are standalone resources, never inline");
    const subnets = ofType(resources, "azure-native:network:Subnet");
    assert.equal(subnets.length, 2);
    const nodes = subnets.find((s) => s.name === "net-nodes")!;
    const aci = subnets.find((s) => s.name === "net-aci")!;
    assert.equal(nodes.inputs.addressPrefix, "10.224.0.0/16");
    assert.equal(nodes.inputs.delegations, undefined);
    assert.equal(aci.inputs.addressPrefix, "10.225.0.0/24");
    assert.deepEqual(aci.inputs.delegations, [{ name: "aci", serviceName: "Microsoft.ContainerInstance/containerGroups" }]);
    assert.match(await valueOf(net.aciSubnetId), /\/virtualNetworks\/net-vnet\/subnets\/net-aci$/);
    assert.equal(net.plan.serviceCidr, "10.0.0.0/16");
  });

  it("adds subnets to an existing VNet in that VNet's resource group", async () => {
    const vnetId = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/netrg/providers/Microsoft.Network/virtualNetworks/corp";
    const { resources } = await declared(() => {
      new AciNetwork("net", { resourceGroupName: "ignored", existingVnetId: vnetId, addressSpace: "172.16.0.0/16", nodeSubnetPrefix: "172.16.0.0/20", aciSubnetPrefix: "172.16.16.0/24" });
    });
    assert.equal(ofType(resources, "azure-native:network:VirtualNetwork").length, 0);
    for (const subnet of ofType(resources, "azure-native:network:Subnet")) {
      assert.equal(subnet.inputs.resourceGroupName, "netrg");
      assert.equal(subnet.inputs.virtualNetworkName, "corp");
    }
  });

  it("rejects an ACI subnet too small for the burst, naming the field", () => {
    assert.throws(
      () => new AciNetwork("small", { resourceGroupName: "rg", aciSubnetPrefix: "10.225.0.0/27", burstPods: 100 }),
      /AciNetwork "small": aciSubnetPrefix: 10\.225\.0\.0\/27 has 27 usable addresses but burstPods is 100.*\/25/,
    );
  });

  it("rejects overlapping subnets and a service range inside the VNet", () => {
    assert.throws(() => new AciNetwork("o", { resourceGroupName: "rg", aciSubnetPrefix: "10.224.1.0/24" }), /aciSubnetPrefix: 10\.224\.1\.0\/24 overlaps nodeSubnetPrefix 10\.224\.0\.0\/16/);
    assert.throws(() => new AciNetwork("s", { resourceGroupName: "rg", serviceCidr: "10.230.0.0/16" }), /serviceCidr: 10\.230\.0\.0\/16 overlaps addressSpace 10\.224\.0\.0\/12/);
    assert.throws(() => new AciNetwork("e", { resourceGroupName: "rg", existingVnetId: "not-an-id" }), /existingVnetId: must be a VNet resource ID/);
  });
});
