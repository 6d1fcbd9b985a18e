/**
 * Container environment → ACI environment variables. Anything read from a Secret travels only as
 * `secureValue` (ACI never returns those on reads), including values that interpolate a secret.
 */
import type { V1Container, V1EnvVar, V1Pod } from "@kubernetes/client-node";
import type { EnvironmentVariable, ResourceRequirements } from "@azure/arm-containerinstance";
import { fieldRefValue, resourceFieldValue, type DownwardValue } from "./downward";
import type { Problems } from "./problems";
import { configMapEntries, secretEntries, type ObjectSources } from "./sources";

export interface EnvContext extends ObjectSources {
  readonly pod: V1Pod;
  readonly nodeName: string;
  /** What each container of the pod gets on ACI, by container name (for `resourceFieldRef`). */
  readonly resources: ReadonlyMap<string, ResourceRequirements>;
}

/** An environment variable's value and whether it came (even partly) from a Secret. */
export interface EnvValue {
  readonly value: string;
  readonly secret: boolean;
}

/**
 * The container's environment in the kubelet's order — `envFrom` first, then `env`, later
 * definitions replacing earlier ones — with `$(VAR)` references expanded as the kubelet does.
 */
export function resolveEnv(container: V1Container, field: string, ctx: EnvContext, problems: Problems): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  (container.envFrom ?? []).forEach((source, i) => {
    const at = `${field}.envFrom[${i}]`;
    const prefix = source.prefix ?? "";
    if (source.secretRef) {
      const secret = ctx.secrets.get(source.secretRef.name ?? "");
      if (!secret) {
        if (!source.secretRef.optional) problems.invalidAt(`${at}.secretRef`, `secret "${source.secretRef.name}" not found`);
        return;
      }
      for (const [key, bytes] of secretEntries(secret)) env.set(prefix + key, { value: bytes.toString("utf8"), secret: true });
    } else if (source.configMapRef) {
      const configMap = ctx.configMaps.get(source.configMapRef.name ?? "");
      if (!configMap) {
        if (!source.configMapRef.optional) problems.invalidAt(`${at}.configMapRef`, `config map "${source.configMapRef.name}" not found`);
        return;
      }
      for (const [key, bytes] of configMapEntries(configMap, false)) env.set(prefix + key, { value: bytes.toString("utf8"), secret: false });
    }
  });
  (container.env ?? []).forEach((variable, i) => {
    const value = envVarValue(variable, container.name, `${field}.env[${i}]`, ctx, env, problems);
    if (value) env.set(variable.name, value);
  });
  return env;
}

/** ACI's variables: secrets as `secureValue`, everything else as `value`. */
export function toAciEnv(env: ReadonlyMap<string, EnvValue>): EnvironmentVariable[] {
  return [...env].map(([name, { value, secret }]) => (secret ? { name, secureValue: value } : { name, value }));
}

/**
 * Expands `$(NAME)` with the variables defined so far and `$$` to `$`; unknown references stay as
 * written (the kubelet's rule). `usedSecret` tells whether a secret value went into the result.
 */
export function expand(text: string, env: ReadonlyMap<string, EnvValue>): { value: string; usedSecret: boolean } {
  let usedSecret = false;
  const value = text.replace(/\$\$|\$\(([^)]*)\)/g, (match: string, name: string | undefined) => {
    if (match === "$$") return "$";
    const found = name === undefined ? undefined : env.get(name);
    if (!found) return match;
    usedSecret ||= found.secret;
    return found.value;
  });
  return { value, usedSecret };
}

function envVarValue(variable: V1EnvVar, containerName: string, at: string, ctx: EnvContext, env: ReadonlyMap<string, EnvValue>, problems: Problems): EnvValue | undefined {
  const from = variable.valueFrom;
  if (!from) {
    const { value, usedSecret } = expand(variable.value ?? "", env);
    return { value, secret: usedSecret };
  }
  if (from.secretKeyRef) {
    const { name, key, optional } = from.secretKeyRef;
    const secret = ctx.secrets.get(name ?? "");
    const bytes = secret ? secretEntries(secret).get(key) : undefined;
    if (bytes) return { value: bytes.toString("utf8"), secret: true };
    if (!optional) problems.invalidAt(`${at}.valueFrom.secretKeyRef`, secret ? `key "${key}" not found in secret "${name}"` : `secret "${name}" not found`);
    return undefined;
  }
  if (from.configMapKeyRef) {
    const { name, key, optional } = from.configMapKeyRef;
    const configMap = ctx.configMaps.get(name ?? "");
    const value = configMap?.data?.[key];
    if (value !== undefined) return { value, secret: false };
    if (!optional) problems.invalidAt(`${at}.valueFrom.configMapKeyRef`, configMap ? `key "${key}" not found in config map "${name}"` : `config map "${name}" not found`);
    return undefined;
  }
  if (from.fieldRef) {
    return downward(fieldRefValue(ctx.pod, ctx.nodeName, from.fieldRef, false), variable.name, `${at}.valueFrom.fieldRef`, problems);
  }
  if (from.resourceFieldRef) {
    const ref = { ...from.resourceFieldRef, containerName: from.resourceFieldRef.containerName || containerName };
    return downward(resourceFieldValue(ctx.resources.get(ref.containerName), ref), variable.name, `${at}.valueFrom.resourceFieldRef`, problems);
  }
  problems.unsupportedAt(`${at}.valueFrom`, "only secretKeyRef, configMapKeyRef, fieldRef and resourceFieldRef are supported on ACI; set the value directly");
  return undefined;
}

function downward(result: DownwardValue, name: string, at: string, problems: Problems): EnvValue | undefined {
  switch (result.kind) {
    case "value":
      return { value: result.value, secret: false };
    case "unknown":
      problems.note(`environment variable ${name} is not set: ${result.reason}`);
      return undefined;
    case "unsupported":
      problems.unsupportedAt(at, result.reason);
      return undefined;
  }
}
