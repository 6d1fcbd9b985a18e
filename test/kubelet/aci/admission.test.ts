import { strict as assert } from "node:assert";
import type { V1PodSpec } from "@kubernetes/client-node";
import { type AdmissionContext, DEFAULT_GROUP_MAXIMA, admitPod } from "../../../kubelet/src/aci/admission";
import { AdmissionError } from "../../../kubelet/src/errors";
import { container, pod } from "./fixtures";

const ctx: AdmissionContext = { maxima: DEFAULT_GROUP_MAXIMA, location: "westeurope", exposesPorts: true };

function rejection(spec: Partial<V1PodSpec>, context = ctx): AdmissionError {
  try {
    admitPod(pod(spec), context);
  } catch (err) {
    if (err instanceof AdmissionError) return err;
    throw err;
  }
  assert.fail("the pod was admitted");
}

describe("admitPod (what one container group can be)", () => {
  it("admits a pod within the region's maxima", () => {
    admitPod(pod({ containers: [container({ resources: { requests: { cpu: "2", memory: "8Gi" } } }), container({ name: "side", resources: { requests: { cpu: "2", memory: "6G" } } })] }), ctx);
  });

  for (const [what, cpu, memory, reason, field] of [
    ["8 cores", "8", "1Gi", "OutOfcpu", "requests.cpu"],
    ["100 cores", "100", "1Gi", "OutOfcpu", "requests.cpu"],
    ["1Ei of memory", "1", "1Ei", "OutOfmemory", "requests.memory"],
  ] as const) {
    it(`rejects ${what} with ${reason}, naming the field, the limit and the setting`, () => {
      const err = rejection({ containers: [container({ resources: { requests: { cpu, memory } } })] });
      assert.equal(err.reason, reason);
      assert.match(err.message, new RegExp(field.replace(".", "\\.")));
      assert.match(err.message, reason === "OutOfcpu" ? /at most 4 \(--max-group-cpu\)/ : /at most 16 GB \(--max-group-memory-gb\)/);
      assert.match(err.message, /westeurope/);
      assert.match(err.message, /lower the requests or split the pod/);
    });
  }

  it("counts a limit as the request when no request is given, as Kubernetes defaults it", () => {
    assert.equal(rejection({ containers: [container({ resources: { limits: { cpu: "6" } } })] }).reason, "OutOfcpu");
  });

  it("follows the configured maxima of a region with big container groups", () => {
    admitPod(pod({ containers: [container({ resources: { requests: { cpu: "8", memory: "32G" } } })] }), { ...ctx, maxima: { cpu: 31, memoryGB: 240 } });
  });

  it("rejects a GPU request: ACI has no GPU container groups", () => {
    const err = rejection({ containers: [container({ resources: { limits: { "nvidia.com/gpu": "1" } } })] });
    assert.equal(err.reason, "OutOfnvidia.com/gpu");
    assert.equal(err.field, "spec.containers[0].resources.limits.nvidia.com/gpu");
  });

  it("rejects more than 60 containers", () => {
    const err = rejection({ containers: Array.from({ length: 61 }, (_, i) => container({ name: `c${i}`, resources: { requests: { cpu: "0.01", memory: "0.1G" } } })) });
    assert.equal(err.reason, "TooManyContainers");
    assert.match(err.message, /61 containers.*at most 60/);
  });

  it("rejects more than 20 volumes, naming the token volume the API server added", () => {
    const volumes = [...Array.from({ length: 20 }, (_, i) => ({ name: `v${i}`, emptyDir: {} })), { name: "kube-api-access-x7k2p", projected: { sources: [{ serviceAccountToken: { path: "token" } }] } }];
    const err = rejection({ volumes });
    assert.equal(err.reason, "TooManyVolumes");
    assert.match(err.message, /21 volumes, counting kube-api-access-x7k2p, which the API server adds/);
    assert.match(err.message, /automountServiceAccountToken: false/);
  });

  it("rejects more than 5 exposed ports, but not when the group gets no IP", () => {
    const spec = { containers: [container({ ports: [80, 81, 82, 83, 84, 85].map((p) => ({ containerPort: p })) })] };
    assert.equal(rejection(spec).reason, "TooManyPorts");
    admitPod(pod(spec), { ...ctx, exposesPorts: false });
  });

  it("refuses shareProcessNamespace", () => {
    const err = rejection({ shareProcessNamespace: true });
    assert.equal(err.field, "spec.shareProcessNamespace");
    assert.match(err.message, /own process namespace/);
  });
});
