import { strict as assert } from "node:assert";
import { DeletionWatch, type DeletionWatchOptions } from "../../../kubelet/src/aci/deletion-watch";
import { NotFoundError, TransientError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";

describe("DeletionWatch", () => {
  let existing: Set<string>;
  let lists: number;
  let gets: string[];

  const watch = (options: Partial<DeletionWatchOptions> = {}): DeletionWatch =>
    new DeletionWatch({
      list: () => {
        lists++;
        return Promise.resolve([...existing]);
      },
      exists: (name) => {
        gets.push(name);
        return existing.has(name) ? Promise.resolve(true) : Promise.reject(new NotFoundError(`${name} not found`));
      },
      listCost: () => 3,
      log: silentLogger,
      intervalMs: 10,
      ...options,
    });

  beforeEach(() => {
    existing = new Set(["a", "b", "c", "d", "other"]);
    lists = 0;
    gets = [];
  });

  it("resolves each deletion once its group is gone, and not before", async () => {
    const w = watch();
    let aGone = false;
    const a = w.gone("a").then(() => (aGone = true));
    const b = w.gone("b");
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(aGone, false, "a still exists");
    existing.delete("a");
    await a;
    assert.equal(w.pending, 1);
    existing.delete("b");
    await b;
    assert.equal(w.pending, 0);
  });

  it("reads a few pending groups one by one, and lists when that costs fewer reads", async () => {
    const few = watch();
    existing.delete("a");
    await few.gone("a");
    assert.equal(lists, 0, "one pending group: one read, no listing of 3 pages");
    assert.deepEqual(gets, ["a"]);

    gets = [];
    const many = watch();
    for (const name of ["a", "b", "c", "d"]) existing.delete(name);
    await Promise.all(["a", "b", "c", "d"].map((name) => many.gone(name)));
    assert.equal(lists, 1, "four pending groups: one listing of 3 pages");
    assert.deepEqual(gets, []);
  });

  it("reports a deletion that is not confirmed in time as transient, so the caller deletes again", async () => {
    const w = watch({ timeoutMs: 60 });
    await assert.rejects(w.gone("a"), (err: Error) => err instanceof TransientError && /container group a still exists .* deleting it again/.test(err.message));
    assert.equal(w.pending, 0);
  });

  it("keeps waiting through failed rounds", async () => {
    let failures = 3;
    const w = watch({
      exists: (name) => {
        if (failures-- > 0) return Promise.reject(new TransientError("ARM 503"));
        return Promise.resolve(existing.has(name));
      },
    });
    existing.delete("a");
    await w.gone("a");
    assert.ok(failures < 0, "the failed rounds happened");
  });
});
