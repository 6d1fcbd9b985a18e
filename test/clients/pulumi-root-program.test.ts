/**
 * The root program (`index.ts`, a hybrid cluster on Azure) under the real Pulumi engine where it
 * cannot deploy: no Azure provider plugin and no credentials. `preview` must fail at once with a
 * message that names what is missing, not wait on a download or a cloud that is not there.
 */
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { type BinarySet, ensurePulumiBinaries } from "../../sandbox/binaries";
import { engineStack } from "../fixtures/pulumi-engine";

describe("the root program under the Pulumi engine, with no Azure", function () {
  this.timeout(2 * 60_000);
  let binaries: BinarySet;
  let dir: string;

  before(async function () {
    // The first run on a machine builds the CLI (tens of minutes on two cores).
    this.timeout(120 * 60_000);
    binaries = await ensurePulumiBinaries({ progress: (line) => console.log(`      ${line}`) });
    dir = mkdtempSync(path.join(tmpdir(), "burstlet-root-program-"));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it("fails preview within a minute, naming the Azure provider plugin it lacks", async () => {
    const stack = await engineStack({
      project: "burstlet",
      stack: "no-azure",
      // The program as `pulumi preview` at the root runs it (the engine drives it in this process).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      program: () => Promise.resolve(require("../../index") as Record<string, unknown>),
      dir,
      binaries,
      kubernetesProvider: false,
    });
    const started = Date.now();
    const error = await stack.preview().then(
      () => assert.fail("preview of the root program succeeded with no Azure"),
      (err: Error) => err,
    );
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 60, `preview took ${seconds.toFixed(0)} s to fail`);
    assert.match(error.message, /no resource plugin 'pulumi-resource-azure-native' found/, error.message);
  });
});
