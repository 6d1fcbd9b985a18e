import { strict as assert } from "node:assert";
import { DeletionWatch, type DeletionWatchOptions } from "../../../kubelet/src/aci/deletion-watch";
import { NotFoundError, TransientError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import { ManualClock } from "../../fixtures/manual-clock";

describe("DeletionWatch", () => {
  let clock: ManualClock;
  let existing: Set<string>;
  let cost: number;
  /** Every listing and every single read, as `list@t` and `name@t`. */
  let calls: string[];
  /** How each deletion ended, as `name resolved@t` or `name rejected@t`. */
  let outcomes: string[];

  const watch = (options: Partial<DeletionWatchOptions> = {}): DeletionWatch =>
    new DeletionWatch({
      list: () => {
        calls.push(`list@${clock.now()}`);
        return Promise.resolve([...existing]);
      },
      exists: (name) => {
        calls.push(`${name}@${clock.now()}`);
        return existing.has(name) ? Promise.resolve(true) : Promise.reject(new NotFoundError(`${name} not found`));
      },
      listCost: () => cost,
      log: silentLogger,
      intervalMs: 1_000,
      clock,
      ...options,
    });

  /** Waits for `name`'s deletion and records when and how it ends; returns the error, if any. */
  const follow = (w: DeletionWatch, name: string): Promise<Error | undefined> =>
    w.gone(name).then(
      () => void outcomes.push(`${name} resolved@${clock.now()}`),
      (err: Error) => (outcomes.push(`${name} rejected@${clock.now()}`), err),
    );

  beforeEach(() => {
    clock = new ManualClock(0);
    existing = new Set(["a", "b", "c", "d", "other"]);
    cost = 3;
    calls = [];
    outcomes = [];
  });

  it("resolves each deletion at the first round that finds its group gone, and not before", async () => {
    const w = watch();
    void follow(w, "a");
    void follow(w, "b");
    await clock.advance(2_500);
    assert.deepEqual(calls, ["a@1000", "b@1000", "a@2000", "b@2000"], "a round every intervalMs, each group read");
    assert.deepEqual(outcomes, []);

    existing.delete("a");
    await clock.advance(499);
    assert.deepEqual(outcomes, [], "gone at 2500, but no round until 3000");
    await clock.advance(1);
    assert.deepEqual(outcomes, ["a resolved@3000"]);
    assert.equal(w.pending, 1);

    existing.delete("b");
    await clock.advance(1_000);
    assert.deepEqual(outcomes, ["a resolved@3000", "b resolved@4000"]);
    assert.deepEqual(calls.slice(4), ["a@3000", "b@3000", "b@4000"], "a confirmed group is not read again");
    assert.equal(w.pending, 0);
  });

  it("reads fewer pending groups than a listing costs one by one, and lists from as many as it costs", async () => {
    const w = watch();
    void follow(w, "a");
    void follow(w, "b");
    await clock.advance(1_000);
    assert.deepEqual(calls, ["a@1000", "b@1000"], "two pending groups: two reads, not a listing of 3 pages");

    void follow(w, "c");
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(2), ["list@2000"], "three pending groups: one listing of 3 pages");

    // The choice is made each round: a round that confirms some groups may make the next one cheaper.
    existing.delete("a");
    existing.delete("b");
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(3), ["list@3000"]);
    assert.deepEqual(outcomes, ["a resolved@3000", "b resolved@3000"]);
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(4), ["c@4000"], "one pending group left: read alone");

    // A listing that got cheaper (fewer pages) is chosen as soon as it costs no more than the reads.
    cost = 1;
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(5), ["list@5000"]);
  });

  it("spends at most one read per readGapMs: after a listing of ten pages the next round waits 2.5 s", async () => {
    cost = 10;
    const w = watch();
    const names = Array.from({ length: 12 }, (_, i) => `g${i}`);
    for (const name of names) existing.add(name);
    for (const name of names) void follow(w, name);
    await clock.advance(6_000);
    assert.deepEqual(calls, ["list@1000", "list@3500", "list@6000"], "12 pending: a listing of 10 pages, then 10 × 250 ms until the next");
    for (const name of names.slice(0, 10)) existing.delete(name);
    await clock.advance(2_500);
    assert.equal(outcomes.length, 10);
    assert.deepEqual(calls.slice(3), ["list@8500"]);
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(4), [], "two left cost two reads, but the listing before cost ten: its gap runs first");
    await clock.advance(1_500);
    assert.deepEqual(calls.slice(4), ["g10@11000", "g11@11000"]);
    await clock.advance(1_000);
    assert.deepEqual(calls.slice(6), ["g10@12000", "g11@12000"], "two reads: back to every intervalMs");
  });

  it("counts a group whose read answers NotFound as gone", async () => {
    const w = watch({ exists: (name) => (calls.push(`${name}@${clock.now()}`), Promise.reject(new NotFoundError(`${name} not found`))) });
    void follow(w, "a");
    await clock.advance(1_000);
    assert.deepEqual([calls, outcomes], [["a@1000"], ["a resolved@1000"]]);
  });

  it("rejects a deletion not confirmed within timeoutMs with a TransientError at exactly timeoutMs, so the caller deletes again", async () => {
    const w = watch({ timeoutMs: 5_000 });
    const first = follow(w, "a");
    await clock.advance(1_500);
    // A second delete of the same group, accepted later, has its own deadline.
    const second = follow(w, "a");
    await clock.advance(3_499);
    assert.deepEqual(outcomes, [], "at 4999 both are still waiting");
    await clock.advance(1);
    assert.deepEqual(outcomes, ["a rejected@5000"]);
    const err = await first;
    assert.ok(err instanceof TransientError, `${err}`);
    assert.match(err.message, /^container group a still exists 5 s after its delete was accepted; deleting it again$/);
    assert.equal(w.pending, 1, "the later delete still waits");

    await clock.advance(1_499);
    assert.deepEqual(outcomes, ["a rejected@5000"]);
    await clock.advance(1);
    assert.deepEqual(outcomes, ["a rejected@5000", "a rejected@6500"]);
    assert.ok((await second) instanceof TransientError);
    assert.equal(w.pending, 0);

    await clock.advance(10_000);
    assert.deepEqual(calls, ["a@1000", "a@2000", "a@3000", "a@4000", "a@5000", "a@6000"], "no reads once nothing is pending");
    assert.equal(clock.waiting, 0, "no round left waiting");
  });

  it("spends no read on a round that finds every deletion timed out", async () => {
    cost = 0;
    const w = watch({ timeoutMs: 1_500 });
    void follow(w, "a");
    await clock.advance(5_000);
    assert.deepEqual(outcomes, ["a rejected@1500"]);
    assert.deepEqual(calls, ["list@1000"], "the round at 2000 has nothing to confirm");
    assert.equal(clock.waiting, 0);
  });

  it("drops a confirmed deletion's timeout, and starts rounds again with the next deletion", async () => {
    const w = watch({ timeoutMs: 5_000 });
    existing.delete("a");
    void follow(w, "a");
    await clock.advance(1_000);
    assert.deepEqual(outcomes, ["a resolved@1000"]);
    assert.equal(clock.waiting, 0, "neither a timeout nor a round left");

    await clock.advance(9_500);
    existing.delete("b");
    void follow(w, "b");
    await clock.advance(20_000);
    assert.deepEqual(outcomes, ["a resolved@1000", "b resolved@11500"], "b's round comes intervalMs after its delete");
    assert.deepEqual(calls, ["a@1000", "b@11500"]);
  });

  it("keeps waiting through failed rounds and confirms at the first round that succeeds", async () => {
    let failures = 3;
    const w = watch({
      exists: (name) => {
        calls.push(`${name}@${clock.now()}`);
        if (failures-- > 0) return Promise.reject(new TransientError("ARM 503"));
        return Promise.resolve(existing.has(name));
      },
    });
    existing.delete("a");
    void follow(w, "a");
    await clock.advance(3_000);
    assert.deepEqual(outcomes, [], "three failed rounds confirm nothing");
    await clock.advance(1_000);
    assert.deepEqual(outcomes, ["a resolved@4000"]);
    assert.deepEqual(calls, ["a@1000", "a@2000", "a@3000", "a@4000"]);
  });

  it("keeps waiting through failed listings", async () => {
    let failures = 2;
    const w = watch({
      list: () => {
        calls.push(`list@${clock.now()}`);
        if (failures-- > 0) return Promise.reject(new TransientError("ARM 503"));
        return Promise.resolve([...existing]);
      },
    });
    cost = 1;
    existing.delete("a");
    void follow(w, "a");
    await clock.advance(5_000);
    assert.deepEqual(outcomes, ["a resolved@3000"]);
    assert.deepEqual(calls, ["list@1000", "list@2000", "list@3000"]);
  });
});
