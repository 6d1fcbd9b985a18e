import { strict as assert } from "node:assert";
import { matchRoute, routeLabel, streamRefusal } from "../../../kubelet/src/api/routes";

describe("kubelet API routes", () => {
  it("recognises the kubelet's paths", () => {
    assert.deepEqual(matchRoute("/containerLogs/ns/pod/main"), { kind: "containerLogs", namespace: "ns", pod: "pod", container: "main" });
    assert.deepEqual(matchRoute("/exec/ns/pod/uid-1/main"), { kind: "stream", verb: "exec", namespace: "ns", pod: "pod", container: "main" });
    assert.deepEqual(matchRoute("/portForward/ns/pod"), { kind: "stream", verb: "portForward", namespace: "ns", pod: "pod" });
    assert.equal(matchRoute("/stats/summary").kind, "statsSummary");
    assert.equal(matchRoute("/metrics/resource").kind, "metricsResource");
    assert.equal(matchRoute("/metrics/cadvisor").kind, "emptyMetrics");
    assert.equal(matchRoute("/healthz").kind, "healthz");
    assert.equal(matchRoute("/pods/").kind, "pods");
    assert.equal(matchRoute("/runningpods/").kind, "runningpods");
    assert.equal(matchRoute("/containerLogs/ns/pod").kind, "notFound");
    assert.equal(matchRoute("/configz").kind, "notFound");
  });

  it("decodes escaped segments and labels routes without pod names", () => {
    assert.deepEqual(matchRoute("/containerLogs/ns/p%2Dx/c"), { kind: "containerLogs", namespace: "ns", pod: "p-x", container: "c" });
    assert.equal(routeLabel(matchRoute("/exec/ns/pod/c")), "exec");
    assert.equal(routeLabel(matchRoute("/containerLogs/ns/pod/c")), "containerLogs");
  });

  it("explains refusals of streaming requests and points at logs", () => {
    const exec = streamRefusal({ kind: "stream", verb: "exec", namespace: "ns", pod: "p", container: "c" }, "vnode");
    assert.match(exec, /^exec is not supported on the virtual node vnode: pod ns\/p runs in Azure Container Instances/);
    assert.match(exec, /kubectl logs -n ns p -c c/);
    assert.match(streamRefusal({ kind: "stream", verb: "portForward", namespace: "ns", pod: "p" }, "vnode"), /^port-forward is not supported on the virtual node vnode/);
  });
});
