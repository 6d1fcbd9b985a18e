import { strict as assert } from "node:assert";
import { canonicalJson } from "../../../kubelet/src/util/canonical";

describe("canonicalJson", () => {
  it("ignores key order at every depth", () => {
    assert.equal(canonicalJson({ b: 1, a: { d: 2, c: 3 } }), canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
    assert.equal(canonicalJson({ b: 1, a: 2 }), '{"a":2,"b":1}');
  });

  it("treats empty strings, nulls, undefined, empty arrays and empty objects as absent", () => {
    const sparse = { phase: "Running", message: "", reason: null, hostIP: undefined, conditions: [], nested: { empty: {} } };
    assert.equal(canonicalJson(sparse), canonicalJson({ phase: "Running" }));
  });

  it("compares times at the second precision the API server stores", () => {
    assert.equal(canonicalJson({ startTime: new Date("2025-01-02T03:04:05.678Z") }), canonicalJson({ startTime: "2025-01-02T03:04:05Z" }));
    assert.equal(canonicalJson({ at: "2025-01-02T03:04:05.999999Z" }), '{"at":"2025-01-02T03:04:05Z"}');
    assert.notEqual(canonicalJson({ at: "2025-01-02T03:04:05Z" }), canonicalJson({ at: "2025-01-02T03:04:06Z" }));
  });

  it("still sees every real change: values, array order, false and zero", () => {
    assert.notEqual(canonicalJson({ ready: true }), canonicalJson({ ready: false }));
    assert.notEqual(canonicalJson({ restartCount: 0 }), canonicalJson({}));
    assert.notEqual(canonicalJson({ ready: false }), canonicalJson({}));
    assert.notEqual(canonicalJson({ list: [1, 2] }), canonicalJson({ list: [2, 1] }));
    assert.notEqual(canonicalJson({ state: { running: {} } }), canonicalJson({ state: { waiting: { reason: "ContainerCreating" } } }));
  });

  it("keeps the position of array items, so a blanked item is still a change", () => {
    assert.notEqual(canonicalJson({ args: ["", "x"] }), canonicalJson({ args: ["x"] }));
    assert.notEqual(canonicalJson({ statuses: [{}, { name: "b" }] }), canonicalJson({ statuses: [{ name: "b" }] }));
  });

  it("leaves strings that only look like times alone", () => {
    assert.equal(canonicalJson({ msg: "at 2025-01-02T03:04:05.5Z it failed" }), '{"msg":"at 2025-01-02T03:04:05.5Z it failed"}');
  });

  it("renders nothing at all as an empty string", () => {
    assert.equal(canonicalJson(undefined), "");
    assert.equal(canonicalJson({}), "");
    assert.equal(canonicalJson(""), "");
  });
});
