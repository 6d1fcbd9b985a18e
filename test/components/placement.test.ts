import assert from "node:assert/strict";
import { placementFor, regionalOverflowPlacement, relaxSpreadConstraints, tolerationFor, zoneSpread } from "../../components/placement";
import { VIRTUAL_NODE_TAINT } from "../../kubelet/src/constants";

const node = { name: "burstlet", taint: VIRTUAL_NODE_TAINT };

describe("placement", () => {
  it("tolerates exactly the node's taint", () => {
    assert.deepEqual(tolerationFor(VIRTUAL_NODE_TAINT), { key: "virtual-kubelet.io/provider", operator: "Equal", value: "azure", effect: "NoSchedule" });
    assert.deepEqual(placementFor("virtual", { name: "n" }).tolerations, [], "an untainted node needs no toleration");
  });

  it("virtual: selects this virtual node by type and hostname", () => {
    const p = placementFor("virtual", node);
    assert.deepEqual(p.nodeSelector, { type: "virtual-kubelet", "kubernetes.io/hostname": "burstlet" });
    assert.equal(p.affinity, undefined);
  });

  it("virtual and overflow over a virtual node of several placements: any of its nodes, no other", () => {
    const zoned = { ...node, name: "burstlet-westeurope-1", nodes: ["burstlet-westeurope-1", "burstlet-westeurope-2"] };
    const virtual = placementFor("virtual", zoned);
    assert.deepEqual(virtual.nodeSelector, { type: "virtual-kubelet" });
    assert.deepEqual(virtual.affinity?.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: zoned.nodes }] }]);
    assert.deepEqual(virtual.tolerations, [tolerationFor(VIRTUAL_NODE_TAINT)]);
    const terms = placementFor("overflow", zoned).affinity!.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    assert.deepEqual(terms[1].matchExpressions, [{ key: "kubernetes.io/hostname", operator: "In", values: zoned.nodes }]);
  });

  it("overflow: ordinary Linux nodes or this virtual node, ordinary ones preferred", () => {
    const affinity = placementFor("overflow", node).affinity!.nodeAffinity;
    const terms = affinity.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    assert.equal(terms.length, 2);
    assert.deepEqual(terms[0].matchExpressions.map((e) => `${e.key} ${e.operator} ${e.values?.join()}`), ["type NotIn virtual-kubelet", "kubernetes.io/os In linux"]);
    assert.deepEqual(terms[1].matchExpressions, [{ key: "kubernetes.io/hostname", operator: "In", values: ["burstlet"] }]);
    assert.equal(affinity.preferredDuringSchedulingIgnoredDuringExecution![0].weight, 100);
  });

  it("relaxes only hard spread constraints", () => {
    const { constraints, warnings } = relaxSpreadConstraints([
      { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway" },
      { maxSkew: 2, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", minDomains: 3 },
    ]);
    assert.deepEqual(constraints.map((c) => c.whenUnsatisfiable), ["ScheduleAnyway", "ScheduleAnyway"]);
    assert.equal(constraints[1].maxSkew, 2);
    assert.equal(constraints[1].minDomains, undefined);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /topologySpreadConstraints\[1\]/);
  });
});

describe("placement across zones and regions", () => {
  it("zoneSpread: a hard spread on the zone label that leaves tainted (NotReady) nodes out", () => {
    assert.deepEqual(zoneSpread({ app: "burst" }), { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "burst" } }, nodeTaintsPolicy: "Honor" });
  });

  it("regionalOverflowPlacement: ordinary nodes, then the home region's virtual nodes, then any virtual node", () => {
    const p = regionalOverflowPlacement("westeurope", [VIRTUAL_NODE_TAINT, VIRTUAL_NODE_TAINT]);
    assert.equal(p.tolerations.length, 1, "one toleration per distinct taint");
    const affinity = p.affinity!.nodeAffinity;
    assert.deepEqual(affinity.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms.map((t) => t.matchExpressions.map((e) => `${e.key} ${e.operator}`)), [["type NotIn", "kubernetes.io/os In"], ["type In"]]);
    assert.deepEqual(affinity.preferredDuringSchedulingIgnoredDuringExecution!.map((w) => [w.weight, w.preference.matchExpressions.map((e) => `${e.key} ${e.operator} ${(e.values ?? []).join(",")}`)]), [
      [100, ["type NotIn virtual-kubelet"]],
      [50, ["type In virtual-kubelet", "topology.kubernetes.io/region In westeurope"]],
    ]);
  });
});
