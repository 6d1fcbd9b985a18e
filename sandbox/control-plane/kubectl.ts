/**
 * Runs the sandbox's own kubectl (the same release as the control plane, built into the
 * multi-call binary) against a kubeconfig, the way a user at a terminal would.
 */
import { spawn } from "node:child_process";

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** How long kubectl ran, in milliseconds. */
  readonly ms: number;
}

export interface KubectlOptions {
  /** Written to kubectl's standard input (e.g. a manifest for `apply -f -`). */
  readonly input?: string;
  /** kubectl is killed after this long; `code` is then null. @default 60000 */
  readonly timeoutMs?: number;
  /** @default the control plane's admin kubeconfig */
  readonly kubeconfig?: string;
}

export function runKubectl(binary: string, kubeconfig: string, args: readonly string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [`--kubeconfig=${options.kubeconfig ?? kubeconfig}`, ...args], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run kubectl (${binary}): ${err.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
    child.stdin.end(options.input ?? "");
  });
}
