/**
 * Runs the ACI emulator standalone (`npm run sandbox:aci`) until Ctrl-C, printing its endpoint,
 * CA path and the environment a client needs.
 *
 * Flags: --port N, --time-scale X, --seed N, --location NAME, --resource-group NAME,
 * --unlimited (no throttling and no quotas), --self-check.
 */
import { parseArgs } from "node:util";
import { startAciEmulator } from "./index";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "time-scale": { type: "string" },
      seed: { type: "string" },
      location: { type: "string" },
      "resource-group": { type: "string" },
      unlimited: { type: "boolean" },
      "self-check": { type: "boolean" },
    },
  });
  const emulator = await startAciEmulator({
    ...(values.port ? { port: numberFlag("port", values.port) } : {}),
    ...(values["time-scale"] ? { timeScale: numberFlag("time-scale", values["time-scale"]) } : {}),
    ...(values.seed ? { seed: numberFlag("seed", values.seed) } : {}),
    ...(values.location ? { location: values.location } : {}),
    ...(values["resource-group"] ? { resourceGroup: values["resource-group"] } : {}),
    ...(values.unlimited ? { limits: "unlimited" as const, quotas: "unlimited" as const } : {}),
    ...(values["self-check"] ? { selfCheck: true } : {}),
  });
  const lines = [
    `ACI emulator listening on ${emulator.endpoint}`,
    `  subscription:   ${emulator.subscriptionId}`,
    `  resource group: ${emulator.resourceGroup}`,
    `  location:       ${emulator.location}`,
    `  CA certificate: ${emulator.caCertPath}`,
    `  control:        ${emulator.endpoint}/_emulator`,
    "",
    "Environment for a client (DefaultAzureCredential / ManagedIdentityCredential):",
    ...Object.entries(emulator.clientEnv).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    "",
    "Ctrl-C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  const stop = (): void => {
    process.stdout.write("stopping...\n");
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`close failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

function numberFlag(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`--${name} must be a number, got '${value}'`);
  return n;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

main().catch((err: unknown) => {
  process.stderr.write(`aci emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
