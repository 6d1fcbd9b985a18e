import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { build } from "esbuild";
import packageJson from "../../package.json";
import pluginPackage from "../../plugin/package.json";
import policyPackage from "../../policy/package.json";

const root = path.join(__dirname, "../..");
const run = promisify(execFile);

interface PackedFile { readonly path: string }

/** What `npm pack` would put in the tarball, as npm itself computes it. */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as [{ files: PackedFile[] }];
  return pack.files.map((f) => f.path).sort();
}

/** Every file of this repository an entry loads, following relative imports (packages stay external). */
async function sourcesOf(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [path.join(root, entry)], bundle: true, write: false, platform: "node", packages: "external", metafile: true, logLevel: "silent", absWorkingDir: root });
  return Object.keys(result.metafile.inputs);
}

describe("the npm package", function () {
  this.timeout(120_000);
  let files: string[];
  before(async () => {
    files = await packedFiles();
  });

  it("ships the components, the kubelet sources they import, the policy pack and the plugin package, and nothing of the repository's own", () => {
    for (const needed of [
      "package.json",
      "README.md",
      "components/index.ts",
      "components/kubernetes.ts",
      "kubelet/src/constants.ts",
      "kubelet/Dockerfile",
      "policy/index.js",
      "policy/pack.ts",
      "policy/package.json",
      "policy/PulumiPolicy.yaml",
      "plugin/PulumiPlugin.yaml",
      "plugin/package.json",
      "plugin/index.js",
      "plugin/index.ts",
      "plugin/tsconfig.json",
      "docs/pulumi.md",
    ]) {
      assert.ok(files.includes(needed), `${needed} is in the tarball`);
    }
    const stray = files.filter((f) => /^(test|sandbox|bench|demo|examples|\.ci)\//.test(f) || /(^|\/)Pulumi(\.[^/]+)?\.yaml$/.test(f) || /\.test\.ts$/.test(f) || f === "tsconfig.json" || f === "index.ts");
    assert.deepEqual(stray, []);
  });

  it("builds the kubelet bundle when packed, for images built from an installed package (npm packs no lockfile)", () => {
    assert.equal(packageJson.scripts.prepack, "npm run build:kubelet");
    assert.match(packageJson.scripts["build:kubelet"], /--outfile=kubelet\/dist\/main\.js/);
    assert.ok(packageJson.files.includes("kubelet/dist/main.js"), "the bundle, not its 10 MB source map");
    assert.ok(!files.includes("package-lock.json"), "npm never packs the lockfile");
  });

  it("versions the policy pack and the plugin as the package (the engine reads each folder's package.json)", () => {
    assert.equal(policyPackage.version, packageJson.version);
    assert.equal(pluginPackage.version, packageJson.version);
    assert.equal(pluginPackage.name, packageJson.name, "the plugin's name is the schema's package name");
  });

  it("holds every file its entry points load", async () => {
    for (const entry of ["components/index.ts", "policy/pack.ts", "plugin/index.ts"]) {
      const missing = (await sourcesOf(entry)).filter((f) => !files.includes(f));
      assert.deepEqual(missing, [], `${entry} loads only shipped files`);
    }
  });

  it("leaves Pulumi and its providers to the consumer: peers, with the Azure ones, the policy SDK and the kubelet's type sources optional", () => {
    assert.equal((packageJson as { dependencies?: unknown }).dependencies, undefined);
    const optional = ["@azure/arm-containerinstance", "@kubernetes/client-node", "@pulumi/azure-native", "@pulumi/docker-build", "@pulumi/policy"];
    assert.deepEqual(Object.keys(packageJson.peerDependencies).sort(), [...optional, "@pulumi/kubernetes", "@pulumi/pulumi", "tsx"].sort());
    assert.deepEqual(Object.keys(packageJson.peerDependenciesMeta).sort(), optional);
    for (const [name, range] of Object.entries(packageJson.peerDependencies)) {
      const dev = (packageJson.devDependencies as Record<string, string>)[name];
      assert.equal(range, `^${dev}`, `${name}: the tests run the lowest version the range admits`);
    }
  });

  it("`burstlet/kubernetes` loads with neither @pulumi/azure-native nor @pulumi/docker-build installed", async () => {
    const entries = await sourcesOf("components/kubernetes.ts");
    assert.ok(entries.includes("components/virtual-node.ts") && entries.includes("components/burst-job.ts"));
    const blocked = /^@pulumi\/(azure-native|docker-build)(\/|$)/;
    const probe = (entry: string): string => `
      const Module = require("node:module");
      const resolve = Module._resolveFilename;
      Module._resolveFilename = function (request, ...rest) {
        if (${blocked}.test(request)) throw Object.assign(new Error("not installed: " + request), { code: "MODULE_NOT_FOUND" });
        return resolve.call(this, request, ...rest);
      };
      const exported = require(${JSON.stringify(path.join(root, entry))});
      console.log(JSON.stringify(Object.keys(exported).sort()));`;
    const { stdout } = await run(process.execPath, ["--require", "tsx/cjs", "-e", probe(packageJson.exports["./kubernetes"])], { cwd: root });
    const exported = JSON.parse(stdout) as string[];
    for (const name of ["BurstJob", "VirtualNode", "placementFor", "VIRTUAL_NODE_TAINT"]) assert.ok(exported.includes(name), `${name} is exported`);
    // The same probe on the full entry fails: it is what the optional peers are for.
    await assert.rejects(run(process.execPath, ["--require", "tsx/cjs", "-e", probe(packageJson.exports["."])], { cwd: root }), /not installed: @pulumi\/azure-native/);
  });
});
