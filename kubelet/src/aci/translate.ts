/**
 * A pod → an ACI container group. Pure: everything the pod refers to (secrets, config maps, image
 * entrypoints, tokens) is fetched by the caller first (`podReferences` says what) and passed in.
 * Every problem is collected; the pod either translates completely or fails with one error that
 * lists them all (`UnsupportedError` when the pod cannot run on ACI as written, `InvalidInputError`
 * when a reference is missing and retrying later may succeed).
 *
 * Networking: a public IP is never created by default. With an ACI subnet the group always gets a
 * private IP in it (the pod IP), exposing the pod's ports. Without a subnet the group gets no IP,
 * unless its ports are given and the pod opts in with the `burstlet.io/public-ip: "true"` annotation.
 */
import type { V1ConfigMap, V1Pod, V1PodDNSConfig, V1Secret } from "@kubernetes/client-node";
import type { ContainerGroup, DnsConfiguration, IpAddress, Port, ResourceRequirements } from "@azure/arm-containerinstance";
import { ACI_LIMITS, ACI_PUBLIC_IP_ANNOTATION, TAGS } from "../constants";
import { translateContainer, translateInitContainer, type ContainerContext, type ImageConfig } from "./containers";
import { translateRegistryAccess } from "./credentials";
import { containerGroupName } from "./naming";
import { Problems } from "./problems";
import { translateResources } from "./resources";
import { checkPodLevel } from "./pod-checks";
import { requestedPriority } from "./spot";
import { translateVolumes } from "./volumes";

export { podReferences, type PodReferences } from "./references";
export type { ImageConfig } from "./containers";

export interface TranslateContext {
  readonly clusterName: string;
  readonly nodeName: string;
  readonly location: string;
  /** The availability zone the group is pinned to (ACI takes one zone per group). */
  readonly zone?: string;
  readonly subnetId?: string;
  readonly clusterDnsIp?: string;
  readonly pullIdentityId?: string;
  /** Secrets of the pod's namespace, by name. */
  readonly secrets: ReadonlyMap<string, V1Secret>;
  /** Config maps of the pod's namespace, by name. */
  readonly configMaps: ReadonlyMap<string, V1ConfigMap>;
  /** Image reference → ENTRYPOINT and CMD, for the images `podReferences` lists. */
  readonly imageConfigs: ReadonlyMap<string, ImageConfig>;
  /** Tokens for projected service account token sources, by audience (`""` = the API server). */
  readonly serviceAccountTokens?: ReadonlyMap<string, string>;
  /** Restarts the pod had before this group (it replaces lost ones), kept in a tag. @default 0 */
  readonly restarts?: number;
}

export interface Translation {
  readonly group: ContainerGroup;
  /** Adjustments the user should hear about (as pod Events), e.g. a lowered limit. */
  readonly notes: string[];
}

/** The Kubernetes cluster domain that ClusterFirst search paths end in. */
export const CLUSTER_DOMAIN = "cluster.local";

export function translatePod(pod: V1Pod, ctx: TranslateContext): Translation {
  const problems = new Problems();
  const spec = pod.spec ?? { containers: [] };
  checkPodLevel(pod, problems);
  const resources = translateResources(spec.containers, problems);
  const byName = new Map<string, ResourceRequirements>(spec.containers.map((c, i) => [c.name, resources[i]]));
  const containerCtx: ContainerContext = { ...ctx, pod, nodeName: spec.nodeName ?? ctx.nodeName, resources: byName };
  const containers = spec.containers.map((c, i) => translateContainer(c, resources[i], `spec.containers[${i}]`, containerCtx, problems));
  const initContainers = (spec.initContainers ?? []).map((c, i) => translateInitContainer(c, `spec.initContainers[${i}]`, containerCtx, problems));
  const volumes = translateVolumes(spec.volumes ?? [], containerCtx, problems);
  const access = translateRegistryAccess(pod, ctx, ctx.pullIdentityId, problems);
  problems.throwIfAny();

  const group: ContainerGroup = {
    name: containerGroupName({ namespace: pod.metadata?.namespace ?? "default", name: pod.metadata?.name ?? "", uid: pod.metadata?.uid ?? "" }),
    location: ctx.location,
    tags: groupTags(pod, ctx),
    osType: "Linux",
    restartPolicy: spec.restartPolicy ?? "Always",
    containers,
  };
  if (ctx.zone) group.zones = [ctx.zone];
  // Admission has checked that ACI allows it here (`spot.ts`).
  const priority = requestedPriority(pod);
  if (priority) group.priority = priority;
  if (initContainers.length > 0) group.initContainers = initContainers;
  if (volumes.length > 0) group.volumes = volumes;
  if (access.credentials) group.imageRegistryCredentials = access.credentials;
  if (access.identity) group.identity = access.identity;
  if (ctx.subnetId) group.subnetIds = [{ id: ctx.subnetId }];
  const ipAddress = groupIpAddress(pod, containers.flatMap((c) => c.ports ?? []), ctx.subnetId, problems);
  if (ipAddress) group.ipAddress = ipAddress;
  const dns = dnsConfiguration(pod, ctx.clusterDnsIp);
  if (dns) group.dnsConfig = dns;
  return { group, notes: problems.notes };
}

/** Tags that identify the group's cluster, node and pod; ARM caps tag values at 256 characters. */
function groupTags(pod: V1Pod, ctx: TranslateContext): Record<string, string> {
  const cap = (value: string): string => value.slice(0, ACI_LIMITS.tagValueLength);
  return {
    [TAGS.cluster]: cap(ctx.clusterName),
    [TAGS.node]: cap(ctx.nodeName),
    [TAGS.namespace]: cap(pod.metadata?.namespace ?? "default"),
    [TAGS.pod]: cap(pod.metadata?.name ?? ""),
    [TAGS.podUid]: cap(pod.metadata?.uid ?? ""),
    ...(ctx.restarts ? { [TAGS.restarts]: String(ctx.restarts) } : {}),
  };
}

function groupIpAddress(pod: V1Pod, containerPorts: readonly Port[], subnetId: string | undefined, problems: Problems): IpAddress | undefined {
  const seen = new Set<string>();
  const ports = containerPorts.filter((p) => {
    const key = `${p.protocol ?? "TCP"}/${p.port}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  if (subnetId) return { type: "Private", ports };
  if (ports.length === 0) return undefined;
  if (pod.metadata?.annotations?.[ACI_PUBLIC_IP_ANNOTATION] === "true") return { type: "Public", ports };
  problems.note(`ports are not exposed: no ACI subnet is configured, and a public IP needs the annotation ${ACI_PUBLIC_IP_ANNOTATION}: "true"`);
  return undefined;
}

/**
 * ClusterFirst (the default policy) resolves through cluster DNS with the kubelet's search path and
 * `ndots:5`, when the cluster DNS IP is known; `None` uses only the pod's `dnsConfig`; `Default`
 * keeps ACI's resolver. The pod's `dnsConfig` is merged as the kubelet does: servers and searches
 * appended, options replacing those of the same name.
 */
export function dnsConfiguration(pod: V1Pod, clusterDnsIp: string | undefined): DnsConfiguration | undefined {
  const policy = pod.spec?.dnsPolicy ?? "ClusterFirst";
  const namespace = pod.metadata?.namespace ?? "default";
  let servers: string[] = [];
  let searches: string[] = [];
  let options: Map<string, string | undefined> = new Map();
  if ((policy === "ClusterFirst" || policy === "ClusterFirstWithHostNet") && clusterDnsIp) {
    servers = [clusterDnsIp];
    searches = [`${namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN];
    options = new Map([["ndots", "5"]]);
  }
  const extra: V1PodDNSConfig = pod.spec?.dnsConfig ?? {};
  servers = unique([...servers, ...(extra.nameservers ?? [])]);
  searches = unique([...searches, ...(extra.searches ?? [])]);
  for (const option of extra.options ?? []) {
    if (option.name) options.set(option.name, option.value);
  }
  if (servers.length === 0) return undefined;
  const result: DnsConfiguration = { nameServers: servers };
  if (searches.length > 0) result.searchDomains = searches.join(" ");
  if (options.size > 0) result.options = [...options].map(([name, value]) => (value === undefined ? name : `${name}:${value}`)).join(" ");
  return result;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
