import { strict as assert } from "node:assert";
import { ApiException } from "@kubernetes/client-node";
import { isConflict, isGone, isNotFound, statusOf } from "../../../kubelet/src/util/kube-errors";

const api = (code: number): ApiException<unknown> => new ApiException(code, `HTTP ${code}`, { reason: "x" }, {});

describe("kube-errors", () => {
  it("reads the status of a client-node ApiException", () => {
    assert.equal(statusOf(api(404)), 404);
    assert.equal(statusOf(api(409)), 409);
  });

  it("reads the statusCode of a watch error", () => {
    assert.equal(statusOf(Object.assign(new Error("watch closed"), { statusCode: 410 })), 410);
  });

  it("has no status for network errors, plain values or string codes", () => {
    assert.equal(statusOf(Object.assign(new Error("reset"), { code: "ECONNRESET" })), undefined);
    assert.equal(statusOf(new Error("x")), undefined);
    assert.equal(statusOf(undefined), undefined);
    assert.equal(statusOf(null), undefined);
    assert.equal(statusOf("404"), undefined);
  });

  it("classifies not found, conflict and gone, and nothing else as them", () => {
    assert.deepEqual([isNotFound(api(404)), isConflict(api(404)), isGone(api(404))], [true, false, false]);
    assert.deepEqual([isNotFound(api(409)), isConflict(api(409)), isGone(api(409))], [false, true, false]);
    assert.deepEqual([isNotFound(api(410)), isConflict(api(410)), isGone(api(410))], [false, false, true]);
    for (const other of [api(500), api(403), new Error("ECONNREFUSED"), undefined]) {
      assert.deepEqual([isNotFound(other), isConflict(other), isGone(other)], [false, false, false]);
    }
  });
});
