/**
 * One pod container → one ACI container (or init container). ACI knows a single `command` that
 * replaces both the image's ENTRYPOINT and CMD, so `args` alone needs the image's entrypoint.
 */
import type { V1Container, V1ContainerPort } from "@kubernetes/client-node";
import type { Container, ContainerPort, InitContainerDefinition, ResourceRequirements } from "@azure/arm-containerinstance";
import type { ImageConfig } from "../registry/image-config";
import { expand, resolveEnv, toAciEnv, type EnvContext, type EnvValue } from "./env";
import { translateProbe } from "./probes";
import type { Problems } from "./problems";
import { translateVolumeMounts } from "./volumes";

export type { ImageConfig };

export interface ContainerContext extends EnvContext {
  /** Image reference → config, for the images of containers that give `args` without `command`. */
  readonly imageConfigs: ReadonlyMap<string, ImageConfig>;
}

/** True when ACI needs the image's entrypoint for this container. */
export function needsEntrypoint(container: V1Container): boolean {
  return (container.command ?? []).length === 0 && (container.args ?? []).length > 0;
}

export function translateContainer(container: V1Container, resources: ResourceRequirements, at: string, ctx: ContainerContext, problems: Problems): Container {
  checkCommon(container, at, problems);
  if (container.startupProbe) {
    problems.unsupportedAt(`${at}.startupProbe`, "ACI has no startup probes; use initialDelaySeconds on the liveness probe instead");
  }
  const env = resolveEnv(container, at, ctx, problems);
  const result: Container = { name: container.name, image: container.image ?? "", resources };
  const command = resolveCommand(container, at, env, ctx, problems);
  if (command) result.command = command;
  const ports = translatePorts(container.ports ?? [], at, problems);
  if (ports.length > 0) result.ports = ports;
  if (env.size > 0) result.environmentVariables = toAciEnv(env);
  const mounts = translateVolumeMounts(container, at, problems);
  if (mounts) result.volumeMounts = mounts;
  const liveness = translateProbe(container.livenessProbe, container, `${at}.livenessProbe`, problems);
  if (liveness) result.livenessProbe = liveness;
  const readiness = translateProbe(container.readinessProbe, container, `${at}.readinessProbe`, problems);
  if (readiness) result.readinessProbe = readiness;
  return result;
}

/** Init containers: ACI gives them no resources, ports or probes of their own. */
export function translateInitContainer(container: V1Container, at: string, ctx: ContainerContext, problems: Problems): InitContainerDefinition {
  checkCommon(container, at, problems);
  if (container.restartPolicy === "Always") {
    problems.unsupportedAt(`${at}.restartPolicy`, "ACI has no sidecar containers; move the container to spec.containers");
  }
  for (const probe of ["livenessProbe", "readinessProbe", "startupProbe"] as const) {
    if (container[probe]) problems.unsupportedAt(`${at}.${probe}`, "ACI runs no probes for init containers; remove the probe");
  }
  if ((container.ports ?? []).length > 0) problems.note(`init container ${container.name}: ports are not exposed by ACI for init containers`);
  const env = resolveEnv(container, at, ctx, problems);
  const result: InitContainerDefinition = { name: container.name, image: container.image ?? "" };
  const command = resolveCommand(container, at, env, ctx, problems);
  if (command) result.command = command;
  if (env.size > 0) result.environmentVariables = toAciEnv(env);
  const mounts = translateVolumeMounts(container, at, problems);
  if (mounts) result.volumeMounts = mounts;
  return result;
}

/** What ACI cannot do for any kind of container. */
function checkCommon(container: V1Container, at: string, problems: Problems): void {
  const security = container.securityContext;
  if (security?.privileged) {
    problems.unsupportedAt(`${at}.securityContext.privileged`, "ACI does not run privileged containers; remove privileged");
  }
  if ((security?.capabilities?.add ?? []).length > 0) {
    problems.unsupportedAt(`${at}.securityContext.capabilities.add`, "ACI cannot add Linux capabilities; remove capabilities.add");
  }
  if (container.lifecycle?.postStart) {
    problems.unsupportedAt(`${at}.lifecycle.postStart`, "ACI has no lifecycle hooks; run the step at the start of the command");
  }
  if (container.lifecycle?.preStop) {
    problems.unsupportedAt(`${at}.lifecycle.preStop`, "ACI has no lifecycle hooks; handle SIGTERM in the program instead");
  }
  if (container.workingDir) {
    problems.unsupportedAt(`${at}.workingDir`, "ACI cannot set the working directory; set it in the image (WORKDIR) or cd in the command");
  }
}

/**
 * The ACI command: `command + args`; or the image's ENTRYPOINT + `args` when only `args` are
 * given; or none, to run the image as built. `$(VAR)` references are expanded with the container's
 * environment, except secret ones: a command is not secret in ACI, so that would leak the value.
 */
function resolveCommand(container: V1Container, at: string, env: ReadonlyMap<string, EnvValue>, ctx: ContainerContext, problems: Problems): string[] | undefined {
  const command = container.command ?? [];
  const args = container.args ?? [];
  if (command.length === 0 && args.length === 0) return undefined;
  if (command.length > 0) {
    const field = (i: number): string => (i < command.length ? `${at}.command[${i}]` : `${at}.args[${i - command.length}]`);
    return [...command, ...args].map((part, i) => expandArg(part, field(i), env, problems));
  }
  const config = ctx.imageConfigs.get(container.image ?? "");
  if (!config) {
    problems.unsupportedAt(`${at}.args`, `ACI replaces the image's entrypoint with the command, and the entrypoint of image "${container.image}" is unknown; set command as well as args`);
    return undefined;
  }
  return [...config.entrypoint, ...args.map((arg, i) => expandArg(arg, `${at}.args[${i}]`, env, problems))];
}

function expandArg(text: string, at: string, env: ReadonlyMap<string, EnvValue>, problems: Problems): string {
  const { value, usedSecret } = expand(text, env);
  if (!usedSecret) return value;
  problems.unsupportedAt(at, "refers to a variable read from a Secret, and ACI commands are not secret; read the variable inside the program (e.g. sh -c '... \"$NAME\"')");
  return text;
}

function translatePorts(ports: readonly V1ContainerPort[], at: string, problems: Problems): ContainerPort[] {
  return ports.flatMap((port, i) => {
    const protocol = port.protocol ?? "TCP";
    if (protocol !== "TCP" && protocol !== "UDP") {
      problems.unsupportedAt(`${at}.ports[${i}].protocol`, `ACI supports TCP and UDP ports, not ${protocol}`);
      return [];
    }
    if (port.hostPort !== undefined && port.hostPort !== port.containerPort) {
      problems.unsupportedAt(`${at}.ports[${i}].hostPort`, "a virtual node has no host ports; remove hostPort");
    }
    return [{ port: port.containerPort, protocol }];
  });
}
