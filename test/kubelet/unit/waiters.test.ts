import { strict as assert } from "node:assert";
import { Waiters } from "../../../kubelet/src/util/waiters";
import { ManualClock } from "../../fixtures/manual-clock";

describe("Waiters", () => {
  it("resolves each wait at the next release or after its own maxMs, whichever comes first", async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const waiters = new Waiters(clock);
    const done: string[] = [];
    void waiters.wait(100).then(() => done.push(`short@${clock.now() - t0}`));
    void waiters.wait(1_000).then(() => done.push(`long@${clock.now() - t0}`));
    await clock.advance(150);
    assert.deepEqual(done, ["short@100"]);
    assert.equal(waiters.size, 1);
    waiters.release();
    await clock.advance(0);
    assert.deepEqual(done, ["short@100", "long@150"]);
    assert.equal(waiters.size, 0);
    await clock.advance(2_000);
    assert.deepEqual(done, ["short@100", "long@150"], "a released wait's timer does nothing later");
  });
});
