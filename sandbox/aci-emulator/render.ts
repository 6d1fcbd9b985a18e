/**
 * Stored container group → the `ContainerGroup` the service answers with. Pure.
 *
 * Secrets never come back, as with the service: secure environment variables are returned with
 * their name only, storage account keys, registry passwords, secret volume contents, the Log
 * Analytics workspace key and extensions' protected settings are omitted. List results carry no
 * instance view (upstream `ListResultContainerGroup` model).
 */
import type { ContainerRuntime, GroupRuntime } from "./lifecycle";
import type { WireContainer, WireContainerGroup, WireEnvironmentVariable, WireGroupProperties, WireInitContainer } from "./wire";

export const CONTAINER_GROUP_TYPE = "Microsoft.ContainerInstance/containerGroups";

/** A container group as the emulator stores it. */
export interface StoredGroup {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly location: string;
  tags: Record<string, string> | undefined;
  spec: WireContainerGroup;
  runtime: GroupRuntime;
  /** Assigned when provisioning starts, if the group asked for ports or a subnet. */
  ip: string | undefined;
  readonly principalId: string;
  readonly tenantId: string;
  readonly createdAt: number;
  /** Sum of CPU requests, for quota accounting. */
  readonly cores: number;
}

export function renderGroup(g: StoredGroup, options: { instanceView: boolean }): Record<string, unknown> {
  const spec = g.spec;
  const props = spec.properties;
  const out: Record<string, unknown> = { id: g.id, name: g.name, type: CONTAINER_GROUP_TYPE, location: g.location };
  if (g.tags && Object.keys(g.tags).length > 0) out.tags = { ...g.tags };
  if (spec.zones) out.zones = [...spec.zones];
  if (spec.identity) out.identity = renderIdentity(spec.identity, g);
  out.properties = renderProperties(props, g, options.instanceView);
  return out;
}

function renderProperties(props: WireGroupProperties, g: StoredGroup, instanceView: boolean): Record<string, unknown> {
  const { containers, initContainers, imageRegistryCredentials, volumes, ipAddress, diagnostics, extensions, ...rest } = props;
  const out: Record<string, unknown> = { ...structuredClone(rest) };
  out.provisioningState = g.runtime.provisioningState;
  out.restartPolicy = props.restartPolicy ?? "Always";
  out.sku = props.sku ?? "Standard";
  out.containers = containers.map((c) => renderContainer(c, g.runtime.containers.find((r) => r.name === c.name), instanceView));
  if (initContainers) out.initContainers = initContainers.map((c) => renderInit(c, g.runtime.initContainers.find((r) => r.name === c.name), instanceView));
  if (imageRegistryCredentials) out.imageRegistryCredentials = imageRegistryCredentials.map(({ password: _password, ...cred }) => ({ ...cred }));
  if (volumes) out.volumes = volumes.map(renderVolume);
  const ip = renderIp(props, g);
  if (ip) out.ipAddress = ip;
  else if (ipAddress) out.ipAddress = structuredClone(ipAddress);
  if (diagnostics?.logAnalytics) {
    const { workspaceKey: _key, ...logAnalytics } = diagnostics.logAnalytics;
    out.diagnostics = { logAnalytics: { ...structuredClone(logAnalytics) } };
  }
  if (Array.isArray(extensions)) out.extensions = (extensions as Array<{ name: string; properties?: Record<string, unknown> }>).map(renderExtension);
  if (instanceView) out.instanceView = { events: g.runtime.groupEvents.items.map((e) => ({ ...e })), state: g.runtime.state };
  return out;
}

function renderContainer(c: WireContainer, runtime: ContainerRuntime | undefined, instanceView: boolean): Record<string, unknown> {
  const { environmentVariables, ...rest } = c.properties;
  const properties: Record<string, unknown> = { ...structuredClone(rest) };
  if (environmentVariables) properties.environmentVariables = environmentVariables.map(renderEnv);
  if (instanceView && runtime?.current) properties.instanceView = renderInstanceView(runtime);
  return { name: c.name, properties };
}

function renderInit(c: WireInitContainer, runtime: ContainerRuntime | undefined, instanceView: boolean): Record<string, unknown> {
  const { environmentVariables, ...rest } = c.properties;
  const properties: Record<string, unknown> = { ...structuredClone(rest) };
  if (environmentVariables) properties.environmentVariables = environmentVariables.map(renderEnv);
  if (instanceView && runtime?.current) properties.instanceView = renderInstanceView(runtime);
  return { name: c.name, properties };
}

function renderInstanceView(r: ContainerRuntime): Record<string, unknown> {
  return {
    restartCount: r.restartCount,
    currentState: { ...r.current },
    ...(r.previous ? { previousState: { ...r.previous } } : {}),
    events: r.events.items.map((e) => ({ ...e })),
  };
}

function renderEnv(v: WireEnvironmentVariable): WireEnvironmentVariable {
  return v.secureValue !== undefined ? { name: v.name } : { ...v };
}

function renderVolume(v: NonNullable<WireGroupProperties["volumes"]>[number]): Record<string, unknown> {
  const out: Record<string, unknown> = { name: v.name };
  if (v.azureFile) {
    const { storageAccountKey: _key, ...azureFile } = v.azureFile;
    out.azureFile = { ...azureFile };
  }
  if (v.emptyDir) out.emptyDir = {};
  if (v.secret) out.secret = {};
  if (v.gitRepo) out.gitRepo = structuredClone(v.gitRepo);
  return out;
}

function renderExtension(e: { name: string; properties?: Record<string, unknown> }): Record<string, unknown> {
  if (!e.properties) return { name: e.name };
  const { protectedSettings: _p, ...properties } = e.properties;
  return { name: e.name, properties: structuredClone(properties) };
}

function renderIp(props: WireGroupProperties, g: StoredGroup): Record<string, unknown> | undefined {
  if (!g.ip) return undefined;
  if (props.ipAddress) {
    const out: Record<string, unknown> = { ...structuredClone(props.ipAddress), ip: g.ip };
    if (props.ipAddress.dnsNameLabel) out.fqdn = `${props.ipAddress.dnsNameLabel}.${g.location}.azurecontainer.io`;
    return out;
  }
  return { ports: [], type: "Private", ip: g.ip };
}

function renderIdentity(identity: Record<string, unknown>, g: StoredGroup): Record<string, unknown> {
  const out: Record<string, unknown> = { ...structuredClone(identity) };
  const type = typeof identity.type === "string" ? identity.type : "";
  if (type.includes("SystemAssigned")) {
    out.principalId = g.principalId;
    out.tenantId = g.tenantId;
  }
  const users = identity.userAssignedIdentities as Record<string, unknown> | undefined;
  if (users) {
    out.userAssignedIdentities = Object.fromEntries(Object.keys(users).map((id, i) => [id, { principalId: uuidFrom(g.principalId, i + 1), clientId: uuidFrom(g.tenantId, i + 1) }]));
  }
  return out;
}

function uuidFrom(base: string, n: number): string {
  return base.slice(0, -4) + ((parseInt(base.slice(-4), 16) + n) & 0xffff).toString(16).padStart(4, "0");
}

/** Log content as `listLogs` returns it: the last `tail` lines, optionally timestamped. */
export function renderLogs(r: ContainerRuntime, tail: number | undefined, timestamps: boolean): string {
  const lines = tail !== undefined && tail >= 0 ? r.logs.slice(Math.max(0, r.logs.length - tail)) : r.logs;
  return lines.map((l) => (timestamps ? `${new Date(l.at).toISOString()} ${l.line}` : l.line)).join("\n") + (lines.length > 0 ? "\n" : "");
}
