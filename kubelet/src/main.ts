/**
 * burstlet's entry point: reads flags and environment (validated, with messages that name the
 * setting), logs JSON lines, and stops gracefully on SIGTERM/SIGINT, leaving container groups running.
 */
import { Burstlet } from "./burstlet";
import { ConfigError, parseConfig } from "./config";
import { usage } from "./settings";
import { createLogger } from "./log";
import { BURSTLET_VERSION } from "./version";

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage());
    return 0;
  }
  if (argv.includes("--version")) {
    process.stdout.write(`burstlet ${BURSTLET_VERSION}\n`);
    return 0;
  }
  let config;
  try {
    config = parseConfig(argv, process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\nRun burstlet --help for every setting.\n`);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  log.info("starting burstlet", { version: BURSTLET_VERSION, node: config.nodeName, cluster: config.clusterName, resourceGroup: config.resourceGroup, location: config.location });
  const controller = new AbortController();
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      log.info("shutting down", { signal });
      controller.abort();
    });
  }
  await new Burstlet(config, { log }).run(controller.signal);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "burstlet failed", error: (err as Error).message })}\n`);
    process.exit(1);
  },
);
