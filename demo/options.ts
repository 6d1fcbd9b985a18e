/** The demo's command line, parsed purely: `--items N`, `--keep`, `--help`. */

export interface DemoCliOptions {
  readonly items: number;
  readonly keep: boolean;
  readonly help: boolean;
}

export const DEFAULT_ITEMS = 100;
/** Above this the in-process emulator and a two-core machine stop being a quick demo. */
export const MAX_ITEMS = 2_000;

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `usage: npm run demo -- [--items N] [--keep]

Runs a hybrid cluster on this machine (a real Kubernetes control plane, three simulated ordinary
nodes, an Azure Container Instances emulator and burstlet's virtual node), keeps a steady service
on the ordinary nodes and bursts an image-processing Job onto the virtual node.

  --items N   items to process, one pod each (default ${DEFAULT_ITEMS}, at most ${MAX_ITEMS})
  --keep      leave the sandbox running afterwards and print its kubeconfig; Ctrl-C stops it
  --help      show this text
`;

export function parseDemoArgs(argv: readonly string[]): DemoCliOptions {
  let items = DEFAULT_ITEMS;
  let keep = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    switch (flag) {
      case "--items": {
        const raw = inline ?? argv[++i];
        if (raw === undefined) throw new UsageError("--items needs a number, e.g. --items 20");
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1 || n > MAX_ITEMS) throw new UsageError(`--items must be a whole number from 1 to ${MAX_ITEMS}, got "${raw}"`);
        items = n;
        break;
      }
      case "--keep":
        keep = true;
        break;
      case "--help":
      case "-h":
        help = true;
        break;
      default:
        throw new UsageError(`unknown argument "${arg}"\n\n${USAGE}`);
    }
  }
  return { items, keep, help };
}
