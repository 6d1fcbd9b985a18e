/**
 * Starts a policy pack the way the Pulumi engine's Node.js language host does: `node
 * <@pulumi/pulumi/cmd/run-policy-pack> <nodeargs…> <engine address> <pack directory>` with the
 * pack's directory as working directory, the module resolved from that directory; the pack prints
 * its gRPC port as the first line of stdout, and the engine talks to it as an Analyzer.
 */
import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import { spawn } from "node:child_process";
import { once } from "node:events";

export interface RunningPack {
  readonly port: number;
  readonly client: AnalyzerClient;
  /** What the pack wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** The language host passes `nodeargs` after the script path, where `run-policy-pack` ignores them. */
export async function startPolicyPack(directory: string, options: { nodeargs?: string[]; timeoutMs?: number } = {}): Promise<RunningPack> {
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [directory] });
  const child = spawn(process.execPath, [runPolicyPack, ...(options.nodeargs ?? []), "127.0.0.1:0", directory], {
    cwd: directory,
    env: { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no port from the policy pack within ${options.timeoutMs ?? 60_000} ms`)), options.timeoutMs ?? 60_000);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = /^(\d+)\r?\n/.exec(stdout);
        if (line) {
          clearTimeout(timer);
          resolve(Number(line[1]));
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`policy pack exited with ${code} before printing its port`));
      });
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return {
      port,
      client,
      stderr: () => stderr,
      stop: async () => {
        client.close();
        await stop();
      },
    };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\nstdout: ${stdout}\nstderr: ${stderr}`, { cause: err });
  }
}

/** A promise for a unary call of the grpc-js generated client. */
export function call<Req, Res>(method: (request: Req, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
