/** Shared helpers of the ACI emulator tests: a fast emulator, group builders and poll-until. */
import assert from "node:assert/strict";
import type { ContainerGroup, ContainerInstanceManagementClient } from "@azure/arm-containerinstance";
import { startAciEmulator, type AciEmulator, type AciEmulatorOptions } from "../../../sandbox/aci-emulator";

/** LRO polling interval for tests (the SDK default is 2 s). */
export const POLL = { updateIntervalInMs: 10 } as const;

/** An emulator 100 times faster than real time, checking its own responses against the spec. */
export async function fastEmulator(options: AciEmulatorOptions = {}): Promise<AciEmulator> {
  return startAciEmulator({ timeScale: 0.01, selfCheck: true, ...options });
}

/** The emulator's own client's object id in {@link asOwner}. */
export const OWNER_OBJECT_ID = "0a0a0a0a-0000-4000-8000-00000000000a";

/**
 * Options under which the emulator's own client is Owner at the root scope: for tests of the
 * resource provider's contract (any scope, any linked resource), not of what burstlet is granted.
 */
export function asOwner(options: AciEmulatorOptions = {}): AciEmulatorOptions {
  return {
    ...options,
    identity: { ...options.identity, objectId: OWNER_OBJECT_ID },
    authorization: { assignments: [{ principalId: OWNER_OBJECT_ID, roleDefinitionId: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", scope: "/" }] },
  };
}

/** Asserts that every response the emulator produced so far matched the specification. */
export function assertNoSpecViolations(emulator: AciEmulator): void {
  assert.deepEqual(emulator.record.specViolations, [], "responses must validate against the spec");
}

export interface GroupShape {
  readonly image?: string;
  readonly command?: string[];
  readonly restartPolicy?: "Always" | "OnFailure" | "Never";
  readonly cpu?: number;
  readonly memoryInGB?: number;
  readonly ports?: number[];
}

/** A one-container group in the SDK's (flattened) model. */
export function group(emulator: AciEmulator, shape: GroupShape = {}): ContainerGroup {
  return {
    location: emulator.location,
    osType: "Linux",
    restartPolicy: shape.restartPolicy ?? "Never",
    containers: [
      {
        name: "main",
        image: shape.image ?? "busybox:1.36",
        ...(shape.command ? { command: shape.command } : {}),
        resources: { requests: { cpu: shape.cpu ?? 1, memoryInGB: shape.memoryInGB ?? 1.5 } },
        ...(shape.ports ? { ports: shape.ports.map((port) => ({ port })) } : {}),
      },
    ],
    ...(shape.ports ? { ipAddress: { type: "Public", ports: shape.ports.map((port) => ({ port, protocol: "TCP" })) } } : {}),
  };
}

/** Calls `probe` until `done` holds for its result (or fails after `timeoutMs`). */
export async function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
    last = await probe();
  }
  return last;
}

/** Polls a group with GET until `done` holds. */
export function getUntil(client: ContainerInstanceManagementClient, emulator: AciEmulator, name: string, done: (g: ContainerGroup) => boolean, what?: string): Promise<ContainerGroup> {
  return pollUntil(() => client.containerGroups.get(emulator.resourceGroup, name), done, 5000, what ?? `group ${name}`);
}

/** Collects an async iterable (SDK pagers). */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The RestError-like fields of a rejected SDK call. */
export async function rejection(promise: Promise<unknown>): Promise<{ statusCode?: number; code?: string; message: string; response?: { headers: { get(name: string): string | undefined } } }> {
  try {
    await promise;
  } catch (err) {
    return err as { statusCode?: number; code?: string; message: string };
  }
  return assert.fail("expected the call to fail");
}
