/**
 * Child processes that the sandbox owns: each logs to its own file, and all are stopped by process
 * id — on `stop()`, and also when this process exits or is interrupted, so nothing is left running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) child.kill("SIGKILL");
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill("SIGKILL");
      process.kill(process.pid, signal);
    });
  }
}

/** A set of processes started together and stopped together, in reverse order. */
export class ProcessGroup {
  private readonly processes: ManagedProcess[] = [];

  constructor(private readonly logDir: string) {}

  start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): ManagedProcess {
    installExitHook();
    const logFile = path.join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(command, args, { stdio: ["ignore", fd, fd], env });
    closeSync(fd);
    live.add(child);
    const exited = new Promise<number | string>((resolve) => {
      child.once("exit", (code, signal) => {
        live.delete(child);
        resolve(code ?? signal ?? "unknown");
      });
      child.once("error", (err) => {
        live.delete(child);
        resolve(`failed to start: ${err.message}`);
      });
    });
    const managed = { name, child, logFile, exited };
    this.processes.push(managed);
    return managed;
  }

  /** Stops every process, newest first: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    for (const p of [...this.processes].reverse()) await stopProcess(p, graceMs);
    this.processes.length = 0;
  }

  /** The last lines of every process's log, for a short failure report. */
  tails(lines = 15): string {
    return this.processes.map((p) => `--- ${p.name} (${p.logFile}) ---\n${tailOf(p.logFile, lines)}`).join("\n");
  }
}

export async function stopProcess(p: ManagedProcess, graceMs: number): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null || !live.has(p.child)) return;
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).map((l) => (l.length > 240 ? `${l.slice(0, 240)}…` : l)).join("\n");
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

/** Whether a process with this pid is alive (signal 0 tests without sending anything). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
