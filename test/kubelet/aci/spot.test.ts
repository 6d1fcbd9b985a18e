import { strict as assert } from "node:assert";
import type { ContainerGroup, ContainerState } from "@azure/arm-containerinstance";
import type { V1Pod } from "@kubernetes/client-node";
import { admitPod, DEFAULT_GROUP_MAXIMA, type AdmissionContext } from "../../../kubelet/src/aci/admission";
import { requestedPriority, SPOT_REJECTED_REASON } from "../../../kubelet/src/aci/spot";
import { podStatusFromGroup } from "../../../kubelet/src/aci/status";
import { translatePod } from "../../../kubelet/src/aci/translate";
import { ACI_PUBLIC_IP_ANNOTATION, PRIORITY_ANNOTATION } from "../../../kubelet/src/constants";
import { AdmissionError } from "../../../kubelet/src/errors";
import { container, context, pod } from "./fixtures";

const spot = (extra: Record<string, string> = {}, spec: Parameters<typeof pod>[0] = {}): V1Pod => pod(spec, { name: "worker-1", namespace: "batch", uid: "u1", annotations: { [PRIORITY_ANNOTATION]: "Spot", ...extra } });
const where: AdmissionContext = { maxima: DEFAULT_GROUP_MAXIMA, location: "westeurope", exposesPorts: false };

function rejection(p: V1Pod, ctx: AdmissionContext): AdmissionError {
  try {
    admitPod(p, ctx);
  } catch (err) {
    if (err instanceof AdmissionError) return err;
    throw err;
  }
  assert.fail("the pod was admitted");
}

describe("Spot priority: admission", () => {
  it("admits a Spot pod where ACI offers Spot, and translates it into a Spot group", () => {
    admitPod(spot(), where);
    assert.equal(translatePod(spot(), context()).group.priority, "Spot");
    assert.equal(translatePod(pod(), context()).group.priority, undefined);
  });

  it("reads the annotation as ACI's priorities, in any case, and refuses other values naming the annotation", () => {
    assert.equal(requestedPriority(spot({ [PRIORITY_ANNOTATION]: "spot" })), "Spot");
    assert.equal(requestedPriority(spot({ [PRIORITY_ANNOTATION]: "Regular" })), "Regular");
    const err = rejection(spot({ [PRIORITY_ANNOTATION]: "Low" }), where);
    assert.equal(err.reason, SPOT_REJECTED_REASON);
    assert.match(err.message, /metadata\.annotations\[burstlet\.io\/priority\]: "Low" is not an Azure Container Instances priority; use one of Regular, Spot/);
  });

  const refusals: Array<[string, V1Pod, Partial<AdmissionContext>, RegExp]> = [
    ["a node with an ACI subnet (VNet)", spot(), { vnet: true, exposesPorts: true }, /cannot put a Spot container group in a virtual network.*--subnet-id/],
    ["a node pinned to a zone", spot(), { zone: "2" }, /cannot pin a Spot container group to an availability zone.*zone 2 \(--zone\)/],
    ["a region without Spot", spot(), { location: "northeurope" }, /only in eastus2, westeurope, westus, not in northeurope/],
    ["a public IP", spot({ [ACI_PUBLIC_IP_ANNOTATION]: "true" }, { containers: [container({ ports: [{ containerPort: 80 }] })] }), { exposesPorts: true }, /gets no public IP.*burstlet\.io\/public-ip/],
    ["more than 4 cores, even where regular groups may have more", spot({}, { containers: [container({ resources: { requests: { cpu: "6" } } })] }), { maxima: { cpu: 16, memoryGB: 64 } }, /6 cores in all, and a Spot container group can have at most 4/],
    ["more than 16 GB", spot({}, { containers: [container({ resources: { requests: { cpu: "1", memory: "20G" } } })] }), { maxima: { cpu: 16, memoryGB: 64 } }, /20 GB of memory in all, and a Spot container group can have at most 16 GB/],
  ];
  for (const [what, p, ctx, message] of refusals) {
    it(`rejects Spot on ${what}, naming the annotation and what to do`, () => {
      const err = rejection(p, { ...where, ...ctx });
      assert.equal(err.reason, SPOT_REJECTED_REASON);
      assert.equal(err.field, `metadata.annotations[${PRIORITY_ANNOTATION}]`);
      assert.match(err.message, message);
      assert.match(err.message, /remove the annotation \(or set it to Regular\)/);
    });
  }

  it("leaves Regular pods alone on nodes where Spot is not allowed", () => {
    admitPod(pod({}, { annotations: { [PRIORITY_ANNOTATION]: "Regular" } }), { ...where, vnet: true, zone: "1", location: "northeurope" });
  });
});

describe("Spot priority: an evicted group", () => {
  const T0 = Date.parse("2026-12-02T10:00:00Z");
  const at = (s: number) => new Date(T0 + s * 1000);
  const killed: ContainerState = { state: "Terminated", exitCode: 137, startTime: at(0), finishTime: at(30), detailStatus: "Evicted" };
  const rerun: ContainerState = { state: "Running", startTime: at(40) };
  function evictedGroup(restartPolicy: string): ContainerGroup {
    return {
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/g",
      name: "g",
      osType: "Linux",
      priority: "Spot",
      restartPolicy,
      provisioningState: "Succeeded",
      instanceView: { state: "Running", events: [{ name: "SpotEviction", type: "Warning", message: "evicted", count: 1, firstTimestamp: at(30) }] },
      containers: [{ name: "main", image: "busybox:1.36", resources: { requests: { cpu: 1, memoryInGB: 1 } }, instanceView: { restartCount: 1, currentState: rerun, previousState: killed } }],
    };
  }
  const statusOf = (restartPolicy: string) => podStatusFromGroup({ pod: spot({}, { restartPolicy }), group: evictedGroup(restartPolicy), hostIP: "10.0.0.1", now: at(45) });

  it("fails a pod that must not run again as the kubelet terminates a pod for its node: killed container, reason Terminated, DisruptionTarget", () => {
    const status = statusOf("Never");
    assert.equal(status.phase, "Failed");
    assert.equal(status.reason, "Terminated");
    assert.match(status.message ?? "", /evicted the pod's Spot container group/);
    const terminated = status.containerStatuses?.[0].state?.terminated;
    assert.deepEqual({ exitCode: terminated?.exitCode, reason: terminated?.reason, running: status.containerStatuses?.[0].state?.running }, { exitCode: 137, reason: "Error", running: undefined });
    const disruption = status.conditions?.find((c) => c.type === "DisruptionTarget");
    assert.deepEqual({ status: disruption?.status, reason: disruption?.reason }, { status: "True", reason: "TerminationByKubelet" });
    assert.equal(status.conditions?.find((c) => c.type === "Ready")?.status, "False");
  });

  it("shows a restart for a pod that may restart: the killed container as its last state, no DisruptionTarget", () => {
    const status = statusOf("OnFailure");
    assert.equal(status.phase, "Running");
    const s = status.containerStatuses?.[0];
    assert.equal(s?.restartCount, 1);
    assert.ok(s?.state?.running);
    assert.deepEqual({ exitCode: s?.lastState?.terminated?.exitCode, reason: s?.lastState?.terminated?.reason }, { exitCode: 137, reason: "Error" });
    assert.equal(status.conditions?.some((c) => c.type === "DisruptionTarget"), false);
  });

  it("is no eviction for a Regular group killed the same way", () => {
    const regular = { ...evictedGroup("Never"), priority: "Regular" };
    const status = podStatusFromGroup({ pod: pod({ restartPolicy: "Never" }), group: regular, hostIP: "10.0.0.1", now: at(45) });
    assert.equal(status.phase, "Running");
  });
});
