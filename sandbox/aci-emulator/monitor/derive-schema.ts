/**
 * Derives the emulator's Azure Monitor metrics contract from the published REST specification:
 * the `metrics:getBatch` operation (its query parameters, request body and responses) and every
 * definition it reaches, reduced as the ACI contract is (`reduceSchema`: types, `required`, enums,
 * formats and bounds kept, prose dropped).
 *
 * `npm run sandbox:derive-monitor-contract -- <folder>` rewrites the file beside this one from the
 * folder's `metricBatch.json` and `types.json` (see SOURCE.md); a test checks it still matches the
 * official specification when that is at hand.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { reduceSchema } from "../contract/derive";

/** The derived contract the emulator loads. */
export const METRICS_SCHEMA_FILE = path.join(__dirname, "metric-batch.schema.json");
/** The official files a folder must hold to derive from: the operation's and ARM's common types. */
export const OFFICIAL_FILES = { spec: "metricBatch.json", common: "types.json" } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Swagger {
  readonly info: { readonly version: string };
  readonly paths: Record<string, Record<string, JsonObject>>;
  readonly definitions: Record<string, JsonObject>;
  readonly parameters?: Record<string, JsonObject>;
}

const isObject = (v: Json | undefined): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reduces a schema as the ACI contract is reduced; `$ref`s (into the common types too) become local references. */
function strip(node: Json, refs: Set<string>): Json {
  const localise = (n: Json): Json => {
    if (Array.isArray(n)) return n.map(localise);
    if (!isObject(n)) return n;
    const out: JsonObject = {};
    for (const [key, value] of Object.entries(n)) {
      if (key === "$ref" && typeof value === "string") {
        const name = value.slice(value.indexOf("#/definitions/") + "#/definitions/".length);
        refs.add(name);
        out.$ref = `#/definitions/${name}`;
      } else {
        out[key] = localise(value);
      }
    }
    return out;
  };
  return localise(reduceSchema(node));
}

/** `spec` and `common` are parsed Swagger 2.0 documents (the operation's file and the ARM common types). */
export function deriveSchema(specDocument: unknown, commonDocument: unknown): JsonObject {
  const spec = specDocument as Swagger;
  const common = commonDocument as Swagger;
  const refs = new Set<string>();
  const operations: JsonObject = {};
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = (op.parameters as JsonObject[]).map((p) => {
        const ref = typeof p.$ref === "string" ? p.$ref.split("/").pop()! : undefined;
        return ref ? spec.parameters![ref] : p;
      });
      const query: JsonObject = {};
      let body: Json = null;
      for (const p of parameters) {
        if (p.in === "query") {
          const { name: _name, in: _in, ...schema } = p;
          query[p.name as string] = strip({ ...schema, required: p.required === true }, refs);
        }
        if (p.in === "body") body = strip(p.schema, refs);
      }
      const responses: JsonObject = {};
      for (const [status, response] of Object.entries(op.responses as Record<string, JsonObject>)) responses[status] = isObject(response.schema) ? strip(response.schema, refs) : null;
      operations[op.operationId as string] = { method: method.toUpperCase(), path, query, body, responses };
    }
  }
  const definitions: JsonObject = {};
  const pending = [...refs];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name in definitions) continue;
    const source = spec.definitions[name] ?? common.definitions[name];
    if (!source) throw new Error(`definition ${name} is in neither specification file`);
    const reached = new Set<string>();
    definitions[name] = strip(source, reached);
    for (const r of reached) if (!(r in definitions)) pending.push(r);
  }
  const sorted = Object.fromEntries(Object.keys(definitions).sort().map((k) => [k, definitions[k]]));
  return { apiVersion: spec.info.version, operations, definitions: sorted };
}

/** The file's text for a derived schema, stable across runs. */
export function schemaText(schema: JsonObject): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** Derives from the two official files in `dir`. */
export function deriveFromDir(dir: string): JsonObject {
  const read = (file: string): Swagger => JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Swagger;
  return deriveSchema(read(OFFICIAL_FILES.spec), read(OFFICIAL_FILES.common));
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write(`usage: derive-schema.ts <folder holding ${OFFICIAL_FILES.spec} and ${OFFICIAL_FILES.common} (common-types/resource-management/v3)>\n`);
    process.exit(2);
  }
  writeFileSync(METRICS_SCHEMA_FILE, schemaText(deriveFromDir(dir)));
  process.stdout.write(`wrote ${METRICS_SCHEMA_FILE}\n`);
}
