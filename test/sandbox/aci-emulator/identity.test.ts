import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import type { AciEmulator } from "../../../sandbox/aci-emulator";
import { assertNoSpecViolations, collect, fastEmulator, rejection } from "./fixture";

const REPO_ROOT = path.resolve(__dirname, "../../..");

/** A separate Node process using an unchanged @azure/identity credential and the SDK, configured only by env. */
const CHILD = `
const { DefaultAzureCredential, ManagedIdentityCredential } = require("@azure/identity");
const { ContainerInstanceManagementClient } = require("@azure/arm-containerinstance");
(async () => {
  const credential = process.argv[1] === "managed" ? new ManagedIdentityCredential() : new DefaultAzureCredential();
  const client = new ContainerInstanceManagementClient(credential, process.env.AZURE_SUBSCRIPTION_ID, { endpoint: process.env.BURSTLET_ARM_ENDPOINT });
  const names = [];
  for await (const u of client.location.listUsage(process.env.BURSTLET_LOCATION)) names.push(u.name.value);
  process.stdout.write(JSON.stringify(names));
})().catch((e) => { process.stderr.write(String(e && e.message)); process.exit(1); });
`;

function runChild(env: Readonly<Record<string, string>>, mode: "managed" | "default"): Promise<{ code: number; stdout: string; stderr: string }> {
  // Only the emulator's variables plus PATH/HOME: no ambient Azure credentials leak in.
  const childEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, ["-e", CHILD, mode], { cwd: REPO_ROOT, env: childEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("ACI emulator: token endpoint and authentication", () => {
  let emu: AciEmulator;

  before(async () => {
    emu = await fastEmulator();
  });
  after(async () => {
    assertNoSpecViolations(emu);
    await emu.close();
  });

  it("ManagedIdentityCredential in a child process gets a token from clientEnv (App Service source) and calls ARM", async () => {
    const before = emu.record.count("Identity_Token", 200);
    const result = await runChild(emu.clientEnv, "managed");
    assert.equal(result.code, 0, result.stderr);
    assert.ok((JSON.parse(result.stdout) as string[]).includes("ContainerGroups"));
    assert.equal(emu.record.count("Identity_Token", 200), before + 1);
    const call = emu.record.calls.filter((c) => c.operation === "Identity_Token").at(-1)!;
    assert.equal(call.path, "/msi/token");
  });

  it("DefaultAzureCredential in a child process works unchanged with clientEnv", async () => {
    const result = await runChild(emu.clientEnv, "default");
    assert.equal(result.code, 0, result.stderr);
    assert.ok((JSON.parse(result.stdout) as string[]).includes("StandardCores"));
  });

  it("refuses a managed-identity request with the wrong IDENTITY_HEADER", async () => {
    const result = await runChild({ ...emu.clientEnv, IDENTITY_HEADER: "wrong" }, "managed");
    assert.notEqual(result.code, 0);
    assert.equal(emu.record.calls.filter((c) => c.operation === "Identity_Token").at(-1)?.status, 401);
  });

  it("in process, client() uses ClientSecretCredential against the emulator's Entra stand-in", async () => {
    const usages = await collect(emu.client().location.listUsage(emu.location));
    assert.ok(usages.length > 0);
    assert.ok(emu.record.calls.some((c) => c.operation === "Identity_Token" && c.path.endsWith("/oauth2/v2.0/token") && c.status === 200));
  });

  it("answers a bad token with 401 InvalidAuthenticationToken in ARM's shape", async () => {
    const bogus = new ContainerInstanceManagementClient({ getToken: () => Promise.resolve({ token: "not-a-token", expiresOnTimestamp: Date.now() + 3_600_000 }) }, emu.subscriptionId, {
      endpoint: emu.endpoint,
      agent: emu.agent(),
    });
    const err = await rejection(bogus.containerGroups.get(emu.resourceGroup, "any"));
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, "InvalidAuthenticationToken");
    assert.equal(err.message, "The access token is invalid.");
    assert.match(err.response?.headers.get("www-authenticate") ?? "", /^Bearer .*error="invalid_token"/);
  });

  it("answers an expired token with ExpiredAuthenticationToken and revoked tokens with 401", async () => {
    const expired = emu.tokens.issue(-1).token;
    const client = new ContainerInstanceManagementClient({ getToken: () => Promise.resolve({ token: expired, expiresOnTimestamp: Date.now() + 3_600_000 }) }, emu.subscriptionId, {
      endpoint: emu.endpoint,
      agent: emu.agent(),
    });
    const err = await rejection(client.containerGroups.get(emu.resourceGroup, "any"));
    assert.equal(err.statusCode, 401);
    assert.equal(err.code, "ExpiredAuthenticationToken");
    const live = emu.client();
    await collect(live.location.listUsage(emu.location));
    emu.tokens.revokeAll();
    const revoked = await rejection(collect(live.location.listUsage(emu.location)));
    assert.equal(revoked.statusCode, 401);
  });
});
