import { strict as assert } from "node:assert";
import fc from "fast-check";
import { backoffDelay } from "../../../kubelet/src/util/backoff";

const policy = { baseMs: 100, maxMs: 10_000 };

describe("backoffDelay", () => {
  it("doubles with each attempt, from the base, with jitter in [½, 1] of the step", () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 1)), [100, 200, 400, 800]);
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0)), [50, 100, 200, 400]);
  });

  it("never exceeds the cap, even after very many attempts", () => {
    assert.equal(backoffDelay(policy, 8, () => 1), 10_000);
    assert.equal(backoffDelay(policy, 5_000, () => 1), 10_000);
    assert.equal(backoffDelay(policy, 5_000, () => 0), 5_000);
  });

  it("treats attempt 0 or less like the first attempt", () => {
    assert.equal(backoffDelay(policy, 0, () => 1), 100);
    assert.equal(backoffDelay(policy, -3, () => 1), 100);
  });

  it("stays within [step/2, step] for any attempt and random value", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const step = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
        const d = backoffDelay(policy, attempt, () => r);
        assert.ok(Number.isInteger(d) && d >= Math.floor(step / 2) && d <= step, `attempt ${attempt}: ${d} outside [${step / 2}, ${step}]`);
      }),
    );
  });

  it("spreads retries with Math.random by default", () => {
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay({ baseMs: 1_000, maxMs: 1_000 }, 1)));
    assert.ok(delays.size > 5, `only ${delays.size} distinct delays`);
  });
});
