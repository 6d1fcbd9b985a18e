/** The node addresses the sandbox picks: inside RFC 2544's benchmarking range, one per process, never a network or broadcast-looking host. */
import { strict as assert } from "node:assert";
import { addressFor, inRange } from "../../sandbox/node-address";

describe("sandbox node addresses", () => {
  it("stay inside 198.18.0.0/15 for any process id, and differ between processes", () => {
    const seen = new Set<string>();
    for (const pid of [1, 254, 255, 256, 4_194_304, 119_999, 120_000, 15_057]) {
      const address = addressFor(pid);
      assert.ok(inRange(address), `${address} (pid ${pid}) is outside 198.18.0.0/15`);
      assert.doesNotMatch(address, /\.(0|255)$/, `${address} (pid ${pid})`);
      seen.add(address);
    }
    assert.equal(seen.size, 8, `addresses collide: ${[...seen].join(", ")}`);
    // The range holds 120,000 of them; further process ids wrap (the address check then refuses a taken one).
    assert.equal(addressFor(5), addressFor(120_005));
  });

  it("tells the range from its neighbours", () => {
    assert.ok(inRange("198.19.255.254"));
    assert.ok(!inRange("198.20.0.1"));
    assert.ok(!inRange("198.17.255.255"));
    assert.ok(!inRange("127.0.0.1"));
  });
});
