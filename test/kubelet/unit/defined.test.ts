import { strict as assert } from "node:assert";
import { definedOnly } from "../../../kubelet/src/util/defined";

describe("definedOnly", () => {
  it("leaves out undefined properties and keeps every other value, falsy ones too", () => {
    const out = definedOnly({ a: 1, b: undefined, c: null, d: 0, e: "", f: false });
    assert.deepEqual(out, { a: 1, c: null, d: 0, e: "", f: false });
    assert.ok(!("b" in out), "absent, not present and undefined");
  });

  it("lets defaults stand when spread over them", () => {
    const defaults = { intervalMs: 1_000, burst: 5 };
    assert.deepEqual({ ...defaults, ...definedOnly({ intervalMs: undefined, burst: 9 }) }, { intervalMs: 1_000, burst: 9 });
  });

  it("is shallow: nested undefined values stay", () => {
    assert.deepEqual(definedOnly({ nested: { x: undefined } }), { nested: { x: undefined } });
  });
});
