/**
 * What the rules see: a stack's resources as plain data (type token, name, properties), the same
 * shape whether they come from the policy engine or from a test under mocks.
 */

export interface StackResource {
  /** Pulumi type token, e.g. `azure-native:network:Subnet`, `kubernetes:batch/v1:Job`. */
  readonly type: string;
  readonly name: string;
  readonly urn?: string;
  readonly props: Readonly<Record<string, unknown>>;
}

export interface Violation {
  /** The resource at fault (its URN when known, else its name). */
  readonly resource: string;
  readonly message: string;
}

export interface Rule {
  /** kebab-case, unique in the pack. */
  readonly name: string;
  readonly description: string;
  readonly severity: "low" | "medium" | "high" | "critical";
  readonly check: (resources: readonly StackResource[]) => Violation[];
}

/** Matches `azure-native:<module>:<Type>`, with or without an API version in the module. */
export function isAzure(resource: StackResource, module: string, type: string): boolean {
  return new RegExp(`^azure-native:${module}(/v[\\w-]+)?:${type}$`).test(resource.type);
}

/** The Kubernetes kind of a resource (`kubernetes:apps/v1:Deployment` → `Deployment`), if any. */
export function kindOf(resource: StackResource): string | undefined {
  const match = /^kubernetes:[^:]+:([A-Za-z]+)$/.exec(resource.type);
  return match ? match[1] : undefined;
}

export function at(resource: StackResource): string {
  return resource.urn ?? resource.name;
}

/** A property path read without trusting the shape: `get(r.props, "spec", "template")`. */
export function get(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

export function arrayAt(value: unknown, ...path: (string | number)[]): unknown[] {
  const found = get(value, ...path);
  return Array.isArray(found) ? found : [];
}

export function stringAt(value: unknown, ...path: (string | number)[]): string | undefined {
  const found = get(value, ...path);
  return typeof found === "string" ? found : undefined;
}
