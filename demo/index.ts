/**
 * `npm run demo [-- --items N] [-- --keep]`: a burst onto the virtual node, end to end, on this
 * machine. Ctrl-C at any moment stops every process the demo started, removes its temporary
 * directories and exits with 130.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { DEFAULT_NODE_NAME } from "../kubelet/src/constants";
import { partialDirs } from "../sandbox/binaries";
import { runDemo } from "./core";
import { USAGE, UsageError, parseDemoArgs } from "./options";
import { TerminalView } from "./view";

const EXIT_INTERRUPTED = 130;

async function main(argv: readonly string[]): Promise<number> {
  let cli;
  try {
    cli = parseDemoArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  // Every temporary directory (control plane, emulator, burstlet's log) is made inside this one,
  // so teardown removes it all, even after an interrupted start.
  const workDir = mkdtempSync(path.join(tmpdir(), "burstlet-demo-"));
  process.env.TMPDIR = workDir;
  const view = new TerminalView(process.stdout, DEFAULT_NODE_NAME);
  const controller = new AbortController();
  const interrupt = (): void => {
    if (controller.signal.aborted) return;
    view.progress("Interrupted: stopping everything the demo started…");
    controller.abort(new Error("interrupted"));
    // Child processes go at once, as the sandbox's process group does on a signal; this also ends a
    // first-run build of the control plane, which would otherwise finish before the demo could stop.
    killDescendants();
    // A teardown that hangs must not keep the terminal.
    setTimeout(() => {
      cleanUp(workDir);
      process.exit(EXIT_INTERRUPTED);
    }, 30_000).unref();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);

  try {
    view.progress(`Burstlet demo: ${cli.items} items, a steady service on ordinary nodes and a burst onto the virtual node.`);
    const result = await runDemo({ items: cli.items, keep: cli.keep, workDir, signal: controller.signal }, view);
    view.summary(result.summary);
    const s = result.summary;
    const ok = s.succeeded === s.items && s.failed === 0 && (cli.keep || s.containerGroupsLeft === 0) && s.logs.text.length > 0;
    if (result.sandbox) {
      process.stdout.write(
        [
          "",
          "The sandbox keeps running (--keep). Explore it with your own kubectl:",
          `  export KUBECONFIG=${result.kubeconfigPath}`,
          "  kubectl get nodes -o wide",
          `  kubectl get pods -n ${result.namespace} -o wide`,
          `  kubectl logs -n ${result.namespace} ${s.logs.pod.split("/")[1] ?? ""}`,
          "Ctrl-C stops everything.",
          "",
        ].join("\n"),
      );
      await new Promise<void>((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
      await result.sandbox.stop();
    }
    return controller.signal.aborted ? EXIT_INTERRUPTED : ok ? 0 : 1;
  } catch (err) {
    view.finish();
    if (controller.signal.aborted) return EXIT_INTERRUPTED;
    process.stderr.write(`\ndemo failed: ${(err as Error).message}\nburstlet's log: ${path.join(workDir, "burstlet.log")} (removed on exit)\n`);
    return 1;
  } finally {
    view.finish();
    cleanUp(workDir);
    if (controller.signal.aborted) process.stdout.write("Stopped; nothing is left running.\n");
  }
}

/** Removes the demo's directory and any process it started that is still alive. */
function cleanUp(workDir: string): void {
  killDescendants();
  for (const dir of partialDirs()) rmSync(dir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
}

function killDescendants(): void {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch (err) {
      // Already gone between listing and killing.
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
    }
  }
}

/** Processes below `root`, read from /proc (empty where there is none). */
function descendants(root: number): number[] {
  if (!existsSync("/proc")) return [];
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while listing
    }
    // pid (comm) state ppid …; comm may contain spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
