/**
 * An address for a virtual node's kubelet API that the API server's node proxy accepts. kube-apiserver
 * refuses to proxy to loopback and link-local node addresses (`400 address not allowed`), so the
 * sandbox creates a veth pair of its own in the current network namespace and puts one address
 * from 198.18.0.0/15 on it. That range is reserved for benchmarking network devices (RFC 2544,
 * RFC 6890): global unicast, so the proxy allows it, and never routed on the internet nor used by a
 * machine's ordinary networks, so it cannot shadow anything. Only interfaces the sandbox names
 * (`blt<pid>`) are created or removed; a pair left by a killed run is removed by the next one.
 * Creating interfaces needs CAP_NET_ADMIN: without it this returns the reason instead.
 */
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { processAlive } from "./process-group";

const run = promisify(execFile);
const PREFIX = "blt";
/** RFC 2544's benchmarking range. */
const RANGE = { base: (198 << 24) | (18 << 16), bits: 15 };

export interface NodeAddress {
  readonly address: string;
  readonly interfaceName: string;
  remove(): Promise<void>;
}

function toInt(ip: string): number {
  return ip.split(".").reduce((n, part) => ((n << 8) | Number(part)) >>> 0, 0);
}
/** Whether an address is inside the range (exported for the tests of `addressFor`). */
export function inRange(ip: string): boolean {
  return toInt(ip) >>> (32 - RANGE.bits) === RANGE.base >>> (32 - RANGE.bits);
}
/** The address this process uses: one per process id, inside the range, never .0 or .255. */
export function addressFor(pid: number): string {
  const host = RANGE.base + 256 + (pid % 120_000);
  const n = (host & 0xff) === 0 || (host & 0xff) === 255 ? host + 2 : host;
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join(".");
}

/**
 * Creates the interface and address, or resolves with `{ missing }`: what the machine lacks (the
 * capability, the veth driver) for tests to name when they skip.
 */
export async function createNodeAddress(netifBinary: string, pid: number = process.pid): Promise<NodeAddress | { missing: string }> {
  const netif = async (...args: string[]): Promise<string> => (await run(netifBinary, args)).stdout;
  try {
    for (const name of (await netif("list", PREFIX)).split("\n").filter(Boolean)) {
      const owner = Number(/^blt(\d+)$/.exec(name)?.[1]);
      if (owner && !processAlive(owner)) await netif("del", name);
    }
    const address = addressFor(pid);
    const inUse = (await netif("addrs")).split("\n").filter(Boolean).map((cidr) => cidr.split("/")[0]);
    if (inUse.includes(address)) throw new Error(`${address} is already on an interface of this machine; remove it, or run under another process id`);
    const interfaceName = `${PREFIX}${pid}`;
    await netif("add", interfaceName, `${address}/32`);
    const onExit = (): void => {
      try {
        execFileSync(netifBinary, ["del", interfaceName]);
      } catch {
        // Already gone, or the next run removes it.
      }
    };
    process.once("exit", onExit);
    return {
      address,
      interfaceName,
      remove: async () => {
        process.removeListener("exit", onExit);
        await netif("del", interfaceName);
      },
    };
  } catch (err) {
    const e = err as { code?: number; stderr?: string; message: string };
    if (e.code === 3) return { missing: `${(e.stderr ?? "").trim().split("\n").pop()} (the node proxy refuses loopback addresses, and this machine cannot create one of its own)` };
    throw new Error(`could not create the sandbox's node address: ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}
