/**
 * Request validation: first the specification's schema (required fields, types, enums, nested
 * `properties` of `x-ms-client-flatten` models), answered the way ARM's JSON.NET deserialiser
 * answers (`InvalidRequestContent`, naming the path); then the service's semantic rules.
 */
import { armErrors, ArmError } from "./errors";
import type { AciSpec, SchemaViolation } from "./spec";
import { normalizeLocation, type WireContainerGroup } from "./wire";

/** Regional per-group bounds, as the capabilities API reports them. */
export interface GroupBounds {
  /** @default 4 (standard Linux groups in most regions) */
  readonly maxCpu: number;
  /** @default 16 */
  readonly maxMemoryInGB: number;
  /** Hard limit of the service. @default 60 */
  readonly maxContainers: number;
  /** Hard limit of the service. @default 20 */
  readonly maxVolumes: number;
}

export const DEFAULT_GROUP_BOUNDS: GroupBounds = { maxCpu: 4, maxMemoryInGB: 16, maxContainers: 60, maxVolumes: 20 };

/** Names of container groups and containers, as the service enforces them (1–63, DNS-label style). */
const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Parses a JSON request body; ARM answers unparsable JSON with `InvalidRequestContent`. */
export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw armErrors.invalidRequestContent(`Unexpected character encountered while parsing value: ${(err as Error).message}. Path '', line 1, position 0.`);
  }
}

/** Validates `body` against the request schema of `operationId`; throws ARM's 400 on the first violation. */
export function validateRequestBody(spec: AciSpec, operationId: string, body: unknown): void {
  const definition = spec.requestDefinition(operationId);
  if (!definition) return;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw armErrors.invalidRequestContent(`Unexpected token when deserializing object: ${body === null ? "Null" : Array.isArray(body) ? "StartArray" : typeof body}. Path ''`);
  }
  const violations = spec.check(definition, body);
  const first = violations[0];
  if (first) throw violationToError(first);
}

/**
 * The JSON.NET message ARM would give for a schema violation. ARM also appends the line and
 * position in the raw body; the emulator names the path only.
 */
export function violationToError(v: SchemaViolation): ArmError {
  if (v.keyword === "required") {
    const target = v.path === "" ? v.property! : `${v.path}.${v.property!}`;
    return armErrors.invalidRequestContent(`Required property '${v.property!}' not found in JSON. Path '${v.path}'.`, target);
  }
  const typeName = dotnetTypeName(v.schema);
  return armErrors.invalidRequestContent(`Error converting value ${JSON.stringify(v.value)} to type '${typeName}'. Path '${v.path}'.`, v.path);
}

function dotnetTypeName(schema: Readonly<Record<string, unknown>> | undefined): string {
  const msEnum = schema?.["x-ms-enum"] as { name?: string } | undefined;
  if (msEnum?.name) return msEnum.name;
  switch (schema?.type) {
    case "integer":
      return "System.Int32";
    case "number":
      return "System.Double";
    case "boolean":
      return "System.Boolean";
    case "string":
      return "System.String";
    case "array":
      return "System.Collections.Generic.List";
    default:
      return "Object";
  }
}

export interface CreateContext {
  readonly groupName: string;
  /** Locations the emulated subscription can deploy to (normalised). */
  readonly locations: readonly string[];
  readonly bounds: GroupBounds;
  /** Whether an image can be pulled (the behaviour convention, and for a known registry its credential and role assignments, decide). */
  readonly isImageAccessible: (image: string) => boolean;
}

/** Checks a schema-valid `ContainerGroup` PUT body against the service's semantic rules. */
export function validateContainerGroup(group: WireContainerGroup, ctx: CreateContext): void {
  validateGroupName(ctx.groupName);
  if (group.location === undefined || group.location === "") throw armErrors.locationRequired();
  const location = normalizeLocation(group.location);
  if (!ctx.locations.includes(location)) throw armErrors.locationNotAvailable(group.location, ctx.locations);
  const props = group.properties;
  const all = [...props.containers.map((c) => c.name), ...(props.initContainers ?? []).map((c) => c.name)];
  for (const name of all) {
    if (name.length > 63 || !NAME_PATTERN.test(name)) {
      // Message as the service words it for container names.
      throw armErrors.badRequest("InvalidContainerName", `The container name '${name}' in container group '${ctx.groupName}' is invalid. The container name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').`);
    }
  }
  const duplicate = all.find((name, i) => all.indexOf(name) !== i);
  if (duplicate !== undefined) {
    // Emulator wording: the service rejects duplicate names; its exact message is not documented.
    throw armErrors.badRequest("DuplicateContainerName", `The container name '${duplicate}' is used more than once in container group '${ctx.groupName}'.`);
  }
  if (props.containers.length === 0 || props.containers.length > ctx.bounds.maxContainers) {
    throw armErrors.badRequest("InvalidContainerCount", `The number of containers in container group '${ctx.groupName}' must be between 1 and ${ctx.bounds.maxContainers}.`);
  }
  if ((props.volumes ?? []).length > ctx.bounds.maxVolumes) {
    throw armErrors.badRequest("InvalidVolumeCount", `The number of volumes in container group '${ctx.groupName}' must not exceed ${ctx.bounds.maxVolumes}.`);
  }
  validateResources(group, ctx);
  const images = [...props.containers.map((c) => c.properties.image), ...(props.initContainers ?? []).flatMap((c) => (c.properties.image ? [c.properties.image] : []))];
  for (const image of images) {
    if (!ctx.isImageAccessible(image)) {
      // The service checks, when the group is created, that the image exists and that the group's
      // registry credential may pull it, and answers 400.
      throw armErrors.badRequest("InaccessibleImage", `The image '${image}' in container group '${ctx.groupName}' is not accessible. Please check the image and registry credential.`);
    }
  }
}

/** Container group names follow the service's naming rules (1–63 lowercase letters, digits, '-'). */
export function validateGroupName(name: string): void {
  if (name.length < 1 || name.length > 63 || !NAME_PATTERN.test(name)) {
    // ARM's code for a name that breaks the resource type's naming rules.
    throw armErrors.badRequest("InvalidResourceName", `The container group name '${name}' is invalid. The name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name').`);
  }
}

/** Sum of the containers' CPU and memory requests (init containers share the group's resources). */
export function totalRequests(group: WireContainerGroup): { cpu: number; memoryInGB: number } {
  let cpu = 0;
  let memoryInGB = 0;
  for (const c of group.properties.containers) {
    cpu += c.properties.resources.requests.cpu;
    memoryInGB += c.properties.resources.requests.memoryInGB;
  }
  return { cpu: round2(cpu), memoryInGB: round2(memoryInGB) };
}

function validateResources(group: WireContainerGroup, ctx: CreateContext): void {
  for (const c of group.properties.containers) {
    const { cpu, memoryInGB } = c.properties.resources.requests;
    if (!(cpu > 0) || !(memoryInGB > 0)) {
      // Emulator wording: requests must be positive (the service rejects zero requests).
      throw armErrors.badRequest("InvalidContainerResourceRequests", `The resource requests of container '${c.name}' in container group '${ctx.groupName}' must be greater than zero.`);
    }
  }
  const total = totalRequests(group);
  for (const c of group.properties.containers) {
    const limits = c.properties.resources.limits;
    if (limits?.cpu !== undefined && limits.cpu > total.cpu) throw limitError("Cpu", limits.cpu, c.name, total.cpu, ctx.groupName);
    if (limits?.memoryInGB !== undefined && limits.memoryInGB > total.memoryInGB) throw limitError("MemoryInGB", limits.memoryInGB, c.name, total.memoryInGB, ctx.groupName);
  }
  if (total.cpu > ctx.bounds.maxCpu || total.memoryInGB > ctx.bounds.maxMemoryInGB) {
    // The service's answer for a group larger than the region offers (ACI troubleshooting guide,
    // "Resource not available error"): a request that cannot be placed, not a schema error.
    throw armErrors.conflict("ServiceUnavailable", `The requested resource with '${total.cpu}' CPU and '${total.memoryInGB}' GB memory is not available in the location '${normalizeLocation(group.location ?? "")}' at this moment. Please retry with a different resource request or in another location.`);
  }
}

function limitError(resource: "Cpu" | "MemoryInGB", limit: number, container: string, total: number, groupName: string): ArmError {
  return armErrors.badRequest("ContainerLimitGreaterThanContainerGroupTotalRequest", `The '${resource}' limit '${limit}' in container '${container}' is greater than the total request '${total}' of container group '${groupName}'.`);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
