import { strict as assert } from "node:assert";
import fc from "fast-check";
import { containerGroupName, isValidGroupName, MAX_GROUP_NAME_LENGTH } from "../../../kubelet/src/aci/naming";

/** DNS-1123 labels and subdomains, the shapes Kubernetes allows for namespaces and pod names. */
const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
const subdomain = fc.array(label, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(".").slice(0, 253).replace(/[-.]+$/, "") || "a");
const pod = fc.record({ namespace: label, name: subdomain, uid: fc.uuid() });

describe("containerGroupName", () => {
  it("always satisfies ACI's naming rule (1–63 lowercase letters, digits, single inner hyphens)", () => {
    fc.assert(
      fc.property(pod, (p) => {
        const name = containerGroupName(p);
        assert.ok(name.length <= MAX_GROUP_NAME_LENGTH, name);
        assert.ok(isValidGroupName(name), name);
      }),
    );
  });

  it("is valid even for arbitrary strings", () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (namespace, name, uid) => assert.ok(isValidGroupName(containerGroupName({ namespace, name, uid })))));
  });

  it("is stable for a pod", () => {
    fc.assert(fc.property(pod, (p) => assert.equal(containerGroupName({ ...p }), containerGroupName(p))));
  });

  it("differs whenever namespace, name or UID differ", () => {
    fc.assert(
      fc.property(pod, pod, (a, b) => {
        fc.pre(a.namespace !== b.namespace || a.name !== b.name || a.uid !== b.uid);
        assert.notEqual(containerGroupName(a), containerGroupName(b));
      }),
    );
  });

  it("never collides across namespaces when truncation makes the readable part equal", () => {
    const long = "x".repeat(80);
    const a = containerGroupName({ namespace: "team-a", name: long, uid: "u1" });
    const b = containerGroupName({ namespace: "team-b", name: long, uid: "u1" });
    const c = containerGroupName({ namespace: "team-a-x", name: "x".repeat(78), uid: "u1" });
    assert.equal(new Set([a, b, c]).size, 3);
  });

  it("keeps namespace and name readable when they fit", () => {
    assert.match(containerGroupName({ namespace: "default", name: "web.v1", uid: "abc" }), /^default-web-v1-[0-9a-f]{12}$/);
  });
});
