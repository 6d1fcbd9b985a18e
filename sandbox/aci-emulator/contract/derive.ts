/**
 * Derives the emulator's contract from the official `Microsoft.ContainerInstance` REST
 * specification (swagger 2.0): each operation's id, body parameter, responses and long-running
 * flag, and every definition reduced to what validation uses (types, required, enums, patterns,
 * formats, bounds, and the `x-ms-*` markers that change the wire shape). Prose is dropped.
 *
 * `npm run sandbox:derive-contract -- <folder with containerInstance.json>` rewrites the file
 * beside this one; a test checks it still matches the official specification when that is at hand.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

/** The derived contract the emulator loads. */
export const CONTRACT_FILE = path.join(__dirname, "containerinstance-2023-05-01.json");

/** Schema keywords kept, and how to walk their values. */
const SCHEMA_KEYS = new Set([
  "$ref", "type", "format", "required", "enum", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "readOnly", "default",
  "x-ms-secret", "x-ms-client-flatten", "x-ms-azure-resource", "x-ms-mutability",
]);
const SUBSCHEMA = new Set(["items", "additionalProperties"]);
const SUBSCHEMA_LISTS = new Set(["allOf", "anyOf", "oneOf"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One schema node with prose removed; nested schemas reduced the same way. */
export function reduceSchema(schema: Json): Json {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (SCHEMA_KEYS.has(key)) out[key] = value;
    else if (key === "properties" && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, s]) => [name, reduceSchema(s)]));
    else if (SUBSCHEMA.has(key)) out[key] = reduceSchema(value);
    else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(reduceSchema);
    // x-ms-enum keeps the names the .NET deserialiser reports, not the value descriptions.
    else if (key === "x-ms-enum" && isObject(value)) out[key] = { name: value.name ?? null, modelAsString: value.modelAsString ?? false };
  }
  return out;
}

interface Operation {
  operationId: string;
  bodyRef?: string;
  longRunning?: boolean;
  responses: Record<string, string | null>;
}

/** The reduced contract: the API version, operations by path and method, and definitions. */
export function deriveContract(official: JsonObject): JsonObject {
  const info = official.info as JsonObject;
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [route, methods] of Object.entries(official.paths as JsonObject)) {
    for (const [method, raw] of Object.entries(methods as JsonObject)) {
      if (method === "parameters" || !isObject(raw)) continue;
      const parameters = (raw.parameters ?? []) as JsonObject[];
      const body = parameters.find((p) => p.in === "body");
      const responses: Record<string, string | null> = {};
      for (const [status, response] of Object.entries(raw.responses as JsonObject)) {
        const ref = isObject(response) && isObject(response.schema) ? response.schema.$ref : undefined;
        responses[status] = typeof ref === "string" ? ref : null;
      }
      const bodyRef = isObject(body?.schema) ? body.schema.$ref : undefined;
      (paths[route] ??= {})[method] = {
        operationId: raw.operationId as string,
        ...(typeof bodyRef === "string" ? { bodyRef } : {}),
        ...(raw["x-ms-long-running-operation"] === true ? { longRunning: true } : {}),
        responses,
      };
    }
  }
  const definitions = Object.fromEntries(Object.entries(official.definitions as JsonObject).map(([name, s]) => [name, reduceSchema(s)]));
  return { swagger: official.swagger ?? "2.0", info: { title: info.title ?? null, version: info.version ?? null }, paths: paths as unknown as Json, definitions };
}

/** The file's text for a contract, stable across runs. */
export function contractText(contract: JsonObject): string {
  return `${JSON.stringify(contract, null, 1)}\n`;
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: derive.ts <folder holding the official containerInstance.json>");
    process.exit(2);
  }
  const official = JSON.parse(readFileSync(path.join(dir, "containerInstance.json"), "utf8")) as JsonObject;
  writeFileSync(CONTRACT_FILE, contractText(deriveContract(official)));
  console.log(`wrote ${CONTRACT_FILE}`);
}
