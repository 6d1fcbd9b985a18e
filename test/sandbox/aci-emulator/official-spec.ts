/**
 * The official `Microsoft.ContainerInstance` 2023-05-01 specification and its examples, for the
 * tests that hold the derived contract to it. It is not part of the repository: it is looked for in
 * BURSTLET_ACI_SPEC_DIR, then in `../shared/specs/containerinstance/2023-05-01` beside the
 * repository. Those tests are pending (with this reason) where neither exists.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import * as path from "node:path";

export const OFFICIAL_SPEC_MISSING =
  "needs the official specification (containerInstance.json and examples/ from Azure/azure-rest-api-specs, see sandbox/aci-emulator/contract/SOURCE.md): set BURSTLET_ACI_SPEC_DIR to its folder";

/** One `x-ms-examples` file, with the operation that references it. */
export interface SpecExample {
  readonly file: string;
  readonly operationId: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly responses: Readonly<Record<string, { readonly body?: unknown; readonly headers?: Record<string, string> }>>;
}

/** The folder holding the official specification, or undefined. */
export function officialSpecDir(): string | undefined {
  const dir = process.env.BURSTLET_ACI_SPEC_DIR ?? path.resolve(__dirname, "../../../../shared/specs/containerinstance/2023-05-01");
  return existsSync(path.join(dir, "containerInstance.json")) ? dir : undefined;
}

export function readOfficialSpec(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, "containerInstance.json"), "utf8")) as Record<string, unknown>;
}

/** The example files stored beside the official specification, each with its operation. */
export function officialExamples(dir: string): SpecExample[] {
  const spec = readOfficialSpec(dir) as { paths: Record<string, Record<string, { operationId?: string; "x-ms-examples"?: Record<string, { $ref: string }> }>> };
  const refs = new Map<string, string>();
  for (const methods of Object.values(spec.paths)) {
    for (const op of Object.values(methods)) for (const ref of Object.values(op["x-ms-examples"] ?? {})) refs.set(path.basename(ref.$ref), op.operationId!);
  }
  const examples = path.join(dir, "examples");
  return readdirSync(examples)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const operationId = refs.get(file);
      if (!operationId) throw new Error(`example ${file} is not referenced by any operation of the specification`);
      const raw = JSON.parse(readFileSync(path.join(examples, file), "utf8")) as Omit<SpecExample, "file" | "operationId">;
      return { file, operationId, parameters: raw.parameters, responses: raw.responses };
    });
}
