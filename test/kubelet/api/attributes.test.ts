import { strict as assert } from "node:assert";
import { isSubpath, requestAttributes, verbFor } from "../../../kubelet/src/api/attributes";

describe("kubelet API request attributes (the kubelet's mapping)", () => {
  const subresources = (method: string, path: string): string[] => requestAttributes(method, path, "vnode").map((a) => a.subresource);

  for (const [path, expected] of [
    ["/stats/summary", ["stats"]],
    ["/stats", ["stats"]],
    ["/metrics", ["metrics"]],
    ["/metrics/resource", ["metrics"]],
    ["/metrics/cadvisor", ["metrics"]],
    ["/logs/", ["log"]],
    ["/logs/syslog", ["log"]],
    ["/spec/", ["spec"]],
    ["/checkpoint/ns/pod/c", ["checkpoint"]],
    ["/pods", ["pods", "proxy"]],
    ["/runningpods/", ["pods", "proxy"]],
    ["/healthz", ["healthz", "proxy"]],
    ["/configz", ["configz", "proxy"]],
    ["/containerLogs/ns/pod/c", ["proxy"]],
    ["/exec/ns/pod/c", ["proxy"]],
    ["/attach/ns/pod/c", ["proxy"]],
    ["/portForward/ns/pod", ["proxy"]],
    ["/run/ns/pod/c", ["proxy"]],
    ["/statsx", ["proxy"]],
    ["/metricsfoo/bar", ["proxy"]],
  ] as const) {
    it(`${path} → nodes/${expected.join(", then nodes/")}`, () => {
      assert.deepEqual(subresources("GET", path), expected);
    });
  }

  it("takes the verb from the HTTP method, and always names the node with no namespace or group", () => {
    assert.deepEqual(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"].map(verbFor), ["get", "get", "create", "update", "patch", "delete", ""]);
    assert.deepEqual(requestAttributes("POST", "/exec/ns/p/c", "vnode"), [{ verb: "create", resource: "nodes", subresource: "proxy", name: "vnode" }]);
  });

  it("matches whole path segments only", () => {
    assert.equal(isSubpath("/stats/summary", "/stats"), true);
    assert.equal(isSubpath("/stats", "/stats/"), true);
    assert.equal(isSubpath("/statsummary", "/stats"), false);
  });
});
