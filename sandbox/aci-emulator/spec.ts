/**
 * The `Microsoft.ContainerInstance` 2023-05-01 contract (derived from the official REST
 * specification: see `contract/`), loaded once and compiled into JSON Schema validators (ajv) for
 * request bodies and response bodies.
 *
 * Swagger 2.0 definitions are JSON Schema (draft 4 flavoured) plus `x-ms-*` annotations, so the
 * definitions are registered as one schema document and every `$ref` resolves inside it.
 * Validators are compiled once per contract file and cached for the life of the process.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import { CONTRACT_FILE } from "./contract/derive";

/** The API version the SDK (`@azure/arm-containerinstance` 9.1.0) speaks. */
export const API_VERSION = "2023-05-01";

const REQUEST_SCHEMA_ID = "aci-request";
const RESPONSE_SCHEMA_ID = "aci-response";

/** Which side of the wire a body is on. */
export type Direction = "request" | "response";

interface ContractOperation {
  readonly operationId: string;
  readonly bodyRef?: string;
  readonly longRunning?: boolean;
  /** HTTP status ("200", "default", ...) → `#/definitions/<name>`, or null for no body. */
  readonly responses: Readonly<Record<string, string | null>>;
}
interface ContractDocument {
  readonly info: { readonly version: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, ContractOperation>>>>;
  readonly definitions: Readonly<Record<string, unknown>>;
}

/** A schema violation, with the JSON path of the offending value in JSON.NET notation (`a.b[0].c`). */
export interface SchemaViolation {
  readonly keyword: string;
  /** Path of the object holding the problem (for `required`, the parent object). */
  readonly path: string;
  /** The property at fault, when the keyword names one (`required`). */
  readonly property?: string;
  readonly message: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** The offending value (absent for `required`). */
  readonly value?: unknown;
  /** The schema fragment that rejected the value. */
  readonly schema?: Readonly<Record<string, unknown>>;
}

/** Compiled validators for one specification directory. */
export class AciSpec {
  readonly file: string;
  readonly apiVersion: string;
  readonly document: ContractDocument;
  private readonly ajv: Ajv;
  private readonly byDefinition = new Map<string, ValidateFunction>();
  /** operationId → HTTP status ("200", "default", ...) → definition name of the body. */
  private readonly responseDefinitions = new Map<string, Map<string, string>>();
  /** operationId → definition name of the request body, for operations that take one. */
  private readonly requestDefinitions = new Map<string, string>();

  constructor(file: string) {
    this.file = file;
    this.document = JSON.parse(readFileSync(file, "utf8")) as ContractDocument;
    this.apiVersion = this.document.info.version;
    this.ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, verbose: true });
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    this.ajv.addSchema({ $id: REQUEST_SCHEMA_ID, definitions: this.document.definitions });
    // Secrets (`x-ms-secret`) are never returned, so responses are checked as AutoRest's validators
    // do: a secret the spec marks required is optional on the way back.
    this.ajv.addSchema({ $id: RESPONSE_SCHEMA_ID, definitions: withoutRequiredSecrets(this.document.definitions) });
    this.indexOperations();
  }

  /** Validator for a named definition (`ContainerGroup`, `CloudError`, ...), compiled once on first use. */
  definition(name: string, direction: Direction = "request"): ValidateFunction {
    const key = `${direction} ${name}`;
    let fn = this.byDefinition.get(key);
    if (!fn) {
      if (!(name in this.document.definitions)) throw new Error(`the specification has no definition '${name}'`);
      fn = this.ajv.compile({ $ref: `${direction === "request" ? REQUEST_SCHEMA_ID : RESPONSE_SCHEMA_ID}#/definitions/${name}` });
      this.byDefinition.set(key, fn);
    }
    return fn;
  }

  /** Validates `value` against a definition; returns [] when valid. */
  check(definitionName: string, value: unknown, direction: Direction = "request"): SchemaViolation[] {
    const fn = this.definition(definitionName, direction);
    return fn(value) ? [] : (fn.errors ?? []).map(toViolation);
  }

  /** Name of the definition describing the request body of `operationId`, if it takes one. */
  requestDefinition(operationId: string): string | undefined {
    return this.requestDefinitions.get(operationId);
  }

  /**
   * Definition describing the response body of `operationId` for `status`, or `null` when the spec
   * declares that status without a body; `undefined` when the spec does not declare the status at all.
   */
  responseDefinition(operationId: string, status: number): string | null | undefined {
    const responses = this.responseDefinitions.get(operationId);
    if (!responses) return undefined;
    const key = String(status);
    if (responses.has(key)) return responses.get(key) || null;
    if (status >= 400 && responses.has("default")) return responses.get("default") || null;
    return undefined;
  }

  /** Checks a response the way a contract test would: declared status, body matching its schema. */
  checkResponse(operationId: string, status: number, body: unknown): SchemaViolation[] {
    const definitionName = this.responseDefinition(operationId, status);
    if (definitionName === undefined) {
      return [{ keyword: "status", path: "", message: `status ${status} is not declared for ${operationId}`, params: {} }];
    }
    if (definitionName === null) {
      return body === undefined ? [] : [{ keyword: "body", path: "", message: `status ${status} of ${operationId} has no body in the spec`, params: {} }];
    }
    return this.check(definitionName, body, "response");
  }

  /** Every operationId the spec declares. */
  operationIds(): string[] {
    return [...this.responseDefinitions.keys()];
  }

  private indexOperations(): void {
    for (const methods of Object.values(this.document.paths)) {
      for (const op of Object.values(methods)) {
        const responses = new Map<string, string>();
        for (const [status, ref] of Object.entries(op.responses)) responses.set(status, refName(ref ?? undefined) ?? "");
        this.responseDefinitions.set(op.operationId, responses);
        const bodyRef = refName(op.bodyRef);
        if (bodyRef) this.requestDefinitions.set(op.operationId, bodyRef);
      }
    }
  }
}

const cache = new Map<string, AciSpec>();

/** The compiled contract in `file` (default: the derived one in `contract/`); loaded once per file. */
export function loadSpec(file: string = CONTRACT_FILE): AciSpec {
  const key = path.resolve(file);
  let spec = cache.get(key);
  if (!spec) {
    spec = new AciSpec(key);
    cache.set(key, spec);
  }
  return spec;
}

function refName(ref: string | undefined): string | undefined {
  return ref?.startsWith("#/definitions/") ? ref.slice("#/definitions/".length) : undefined;
}

/** `/properties/containers/0/name` → `properties.containers[0].name` (JSON.NET path notation). */
export function jsonNetPath(pointer: string): string {
  let out = "";
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    out += /^\d+$/.test(segment) ? `[${segment}]` : out === "" ? segment : `.${segment}`;
  }
  return out;
}

function toViolation(error: ErrorObject): SchemaViolation {
  const property = error.keyword === "required" ? String((error.params as { missingProperty?: string }).missingProperty) : undefined;
  return {
    keyword: error.keyword,
    path: jsonNetPath(error.instancePath),
    ...(property !== undefined ? { property } : {}),
    message: error.message ?? error.keyword,
    params: error.params as Record<string, unknown>,
    ...(error.keyword !== "required" ? { value: error.data } : {}),
    ...(isRecord(error.parentSchema) ? { schema: error.parentSchema } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A deep copy of `definitions` where `required` no longer lists properties marked `x-ms-secret`. */
function withoutRequiredSecrets(definitions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip);
    if (!isRecord(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = strip(v);
    const props = node.properties;
    if (Array.isArray(node.required) && isRecord(props)) {
      out.required = (node.required as string[]).filter((name) => !(isRecord(props[name]) && props[name]["x-ms-secret"] === true));
    }
    return out;
  };
  return strip(definitions) as Record<string, unknown>;
}
