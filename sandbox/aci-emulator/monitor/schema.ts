/**
 * The Azure Monitor metrics batch contract (derived from the published specification, see
 * SOURCE.md), compiled into validators: the request body, the query parameters and the responses.
 */
import { readFileSync } from "node:fs";
import Ajv, { type ValidateFunction } from "ajv";
import { METRICS_SCHEMA_FILE } from "./derive-schema";

export const BATCH_OPERATION = "Batch";

interface QueryParameter {
  readonly required: boolean;
  readonly type: string;
  readonly format?: string;
  readonly default?: string;
  readonly minLength?: number;
}

interface DerivedOperation {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, QueryParameter>>;
  readonly body: { readonly $ref: string };
  readonly responses: Readonly<Record<string, { readonly $ref: string } | null>>;
}

interface DerivedSchema {
  readonly apiVersion: string;
  readonly operations: Readonly<Record<string, DerivedOperation>>;
  readonly definitions: Readonly<Record<string, unknown>>;
}

export class MetricsSpec {
  readonly apiVersion: string;
  readonly batch: DerivedOperation;
  private readonly ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly schema: DerivedSchema) {
    this.apiVersion = schema.apiVersion;
    this.batch = schema.operations[BATCH_OPERATION];
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat("date-time", (s: string) => !Number.isNaN(Date.parse(s)));
    this.ajv.addFormat("arm-id", (s: string) => /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/[^/]+\/[^/]+\/[^/]+/i.test(s));
    this.ajv.addSchema({ $id: "monitor", definitions: schema.definitions });
  }

  /** Problems with a value against a definition reference (`#/definitions/X`); [] when valid. */
  check(ref: string, value: unknown): string[] {
    let fn = this.compiled.get(ref);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `monitor${ref}` });
      this.compiled.set(ref, fn);
    }
    return fn(value) ? [] : (fn.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message ?? e.keyword}`);
  }

  checkRequestBody(body: unknown): string[] {
    return this.check(this.batch.body.$ref, body);
  }

  /** Required query parameters that are missing (names as the wire spells them). */
  missingQuery(query: URLSearchParams): string[] {
    return Object.entries(this.batch.query).filter(([name, p]) => p.required && !query.get(name)).map(([name]) => name);
  }

  /** Checks a response the way a contract test would: a declared status whose body matches. */
  checkResponse(status: number, body: unknown): string[] {
    const declared = this.batch.responses[String(status)] ?? (status >= 400 ? this.batch.responses.default : undefined);
    if (declared === undefined) return [`status ${status} is not declared for ${BATCH_OPERATION}`];
    if (declared === null) return body === undefined ? [] : [`status ${status} of ${BATCH_OPERATION} has no body in the spec`];
    return this.check(declared.$ref, body);
  }
}

let loaded: MetricsSpec | undefined;

/** The derived contract stored beside this file, loaded once. */
export function loadMetricsSpec(): MetricsSpec {
  loaded ??= new MetricsSpec(JSON.parse(readFileSync(METRICS_SCHEMA_FILE, "utf8")) as DerivedSchema);
  return loaded;
}
