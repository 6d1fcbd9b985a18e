/** Waits until a component's health endpoint answers 200, failing fast if its process exits. */
import * as http from "node:http";
import * as https from "node:https";
import { realClock } from "../../kubelet/src/util/clock";
import type { ManagedProcess } from "../process-group";

export interface HealthTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Skip server verification (component health ports serve self-signed certificates). */
  readonly insecure?: boolean;
}

export async function waitForHealthy(url: string, proc: ManagedProcess, tls: HealthTls, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: number | string | undefined;
  void proc.exited.then((code) => (exited = code));
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`${proc.name} exited (${exited}) before ${url} was healthy`);
    last = await probe(url, tls).catch((err: Error) => err.message);
    if (last === "200") return;
    await realClock.sleep(100);
  }
  throw new Error(`${proc.name} was not healthy at ${url} within ${timeoutMs / 1000} s (last: ${last})`);
}

function probe(url: string, tls: HealthTls): Promise<string> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith("https:") ? https : http;
    const req = lib.get(url, { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: !tls.insecure, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(String(res.statusCode));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}
