/**
 * The ACI backend: each pod is one container group, named from the pod's namespace, name and UID
 * and tagged with cluster, node, namespace, pod and UID. Creates are idempotent by UID (a group
 * that exists is adopted, never created twice); only groups carrying this cluster's and node's tags
 * are ever listed, adopted or collected.
 */
import type { ContainerGroup, Usage } from "@azure/arm-containerinstance";
import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import { TAGS } from "../constants";
import { NotFoundError, ThrottledError, TransientError } from "../errors";
import type { ReferenceReader } from "../kube/reference-reader";
import type { Logger } from "../log";
import type { Capacity, Health } from "../node/node-model";
import type { BackendPod, CreateResult, LogOptions, PodProvider, PodStatusUpdate } from "../provider/provider";
import { credentialsFromPullSecret } from "../registry/docker-config";
import type { ImageConfig, ImageConfigResolver } from "../registry/image-config";
import { parseImageReference } from "../registry/image-reference";
import type { ArmClient } from "./arm-client";
import { DeletionWatch } from "./deletion-watch";
import { eventsFromGroup } from "./events";
import { filterLogs } from "./logs";
import { containerGroupName } from "./naming";
import { podStatusFromGroup } from "./status";
import { StatusTracker, type StatusTrackerOptions } from "./status-tracker";
import { podReferences, translatePod } from "./translate";

export interface AciProviderOptions {
  readonly arm: ArmClient;
  readonly references: ReferenceReader;
  readonly images: ImageConfigResolver;
  readonly log: Logger;
  readonly clusterName: string;
  readonly nodeName: string;
  readonly location: string;
  /** The node's address, reported as each pod's hostIP. */
  readonly hostIP: string;
  readonly subnetId?: string;
  readonly clusterDnsIp?: string;
  readonly pullIdentityId?: string;
  /** Capacity overrides; the rest comes from the region's quota. */
  readonly capacity?: { readonly cpu?: number; readonly memoryGiB?: number; readonly pods?: number };
  readonly tracker?: Omit<StatusTrackerOptions, "read" | "log">;
}

/** Lifetime of service account tokens handed to container groups (ACI cannot refresh them in place). */
const TOKEN_SECONDS = 24 * 3600;

export class AciProvider implements PodProvider {
  readonly tracker: StatusTracker;
  readonly deletions: DeletionWatch;
  /** Names of container groups known to exist (listed at start, or created since). */
  private readonly known = new Set<string>();
  /** Groups whose create failed without a clear answer: it may have happened, so look before resending. */
  private readonly uncertain = new Set<string>();
  private usageCache: { at: number; usages?: Usage[]; error?: unknown } | undefined;

  constructor(private readonly options: AciProviderOptions) {
    const arm = options.arm;
    this.tracker = new StatusTracker({
      // Until provisioning ends, a new group's containers are at most being pulled and started:
      // the read that matters comes when it ends (or after startingMaxMs).
      quietStates: ["Pending", "Accepted", "Creating"],
      // Optional reads keep a tenth of the read budget's burst in reserve.
      spareReads: () => arm.reads.available() >= arm.reads.burst / 10,
      ...options.tracker,
      read: (pod) => this.readStatus(pod),
      listStates: () => this.listStates(),
      log: options.log,
    });
    this.deletions = new DeletionWatch({
      list: async () => (await arm.list()).map((g) => g.name!),
      exists: async (name) => (await arm.get(name)).name === name,
      listCost: () => arm.listPages,
      log: options.log,
    });
  }

  /** Lists this node's container groups, so restarts adopt rather than recreate. */
  async start(): Promise<void> {
    for (const group of await this.listOwnGroups()) this.known.add(group.name!);
  }

  async createPod(pod: V1Pod): Promise<CreateResult> {
    const name = containerGroupName(identity(pod));
    if (this.known.has(name)) return { notes: [], adopted: true };
    if (this.uncertain.has(name) && (await this.exists(name, pod.metadata!.uid!))) {
      this.uncertain.delete(name);
      this.known.add(name);
      return { notes: [], adopted: true };
    }
    const ctx = await this.translationContext(pod);
    const { group, notes } = translatePod(pod, ctx);
    try {
      await this.options.arm.create(name, group);
    } catch (err) {
      if (err instanceof TransientError || err instanceof ThrottledError) this.uncertain.add(name);
      throw err;
    }
    this.uncertain.delete(name);
    this.known.add(name);
    return { notes, adopted: false };
  }

  async deletePod(pod: V1Pod): Promise<void> {
    await this.deleteGroup(containerGroupName(identity(pod)));
  }

  async deleteBackendPod(pod: BackendPod): Promise<void> {
    await this.deleteGroup(pod.handle ?? containerGroupName(pod));
  }

  async getPodStatus(pod: V1Pod): Promise<PodStatusUpdate> {
    const { eventKeys: _keys, ...update } = await this.readStatus(pod);
    return update;
  }

  async listPods(): Promise<BackendPod[]> {
    return (await this.listOwnGroups()).map((g) => ({ namespace: g.tags![TAGS.namespace], name: g.tags![TAGS.pod], uid: g.tags![TAGS.podUid], handle: g.name! }));
  }

  async getContainerLogs(pod: V1Pod, container: string, options: LogOptions): Promise<string> {
    const needTimestamps = options.timestamps || options.sinceSeconds !== undefined || options.sinceTime !== undefined;
    const raw = await this.options.arm.logs(containerGroupName(identity(pod)), container, needTimestamps ? undefined : options.tailLines, needTimestamps);
    return filterLogs(raw, options, new Date());
  }

  async health(): Promise<Health> {
    const { error } = await this.usages();
    if (!error) return { healthy: true, reason: "KubeletReady", message: "Azure Container Instances is reachable" };
    const text = error instanceof Error ? error.message : JSON.stringify(error);
    if (/credentials rejected|401|403|token/i.test(text)) return { healthy: false, reason: "CredentialsRejected", message: `Azure rejected burstlet's credentials: ${text}` };
    return { healthy: false, reason: "ArmUnreachable", message: `Azure Resource Manager is not answering: ${text}` };
  }

  async capacity(): Promise<Capacity> {
    const { usages } = await this.usages();
    const limit = (name: string): number | undefined => usages?.find((u) => u.name?.value === name)?.limit;
    const o = this.options.capacity ?? {};
    const cpu = o.cpu ?? limit("StandardCores") ?? 100;
    const pods = o.pods ?? limit("ContainerGroups") ?? 100;
    // ACI has no memory quota; a Linux group may have 4 GB per core at most of its size, so the
    // node offers that much per core of quota.
    return { cpu, pods, memoryGiB: o.memoryGiB ?? cpu * 4 };
  }

  onStatusChange(callback: (update: PodStatusUpdate) => void): void {
    this.tracker.onChange(callback);
  }

  track(pod: V1Pod): void {
    this.tracker.track(pod);
  }

  untrack(uid: string): void {
    this.tracker.untrack(uid);
  }

  /** Deletes a group and resolves once it is gone (confirmed together with other deletions). */
  private async deleteGroup(name: string): Promise<void> {
    const { gone } = await this.options.arm.beginDelete(name);
    if (!gone) await this.deletions.gone(name);
    this.known.delete(name);
    this.uncertain.delete(name);
  }

  /** Whether this pod's group exists (a create whose answer was lost may have happened). */
  private async exists(name: string, uid: string): Promise<boolean> {
    try {
      const group = await this.options.arm.get(name);
      return group.tags?.[TAGS.podUid] === uid;
    } catch (err) {
      if (err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** Provisioning state of this node's groups by pod UID: one list call per page of groups. */
  private async listStates(): Promise<Map<string, string>> {
    const states = new Map<string, string>();
    for (const g of await this.listOwnGroups()) states.set(g.tags![TAGS.podUid], g.provisioningState ?? "");
    return states;
  }

  private async listOwnGroups(): Promise<ContainerGroup[]> {
    const groups = await this.options.arm.list();
    return groups.filter((g) => g.name && g.tags?.[TAGS.cluster] === this.options.clusterName && g.tags?.[TAGS.node] === this.options.nodeName && g.tags?.[TAGS.podUid]);
  }

  private async readStatus(pod: V1Pod): Promise<PodStatusUpdate & { eventKeys: string[] }> {
    const group = await this.options.arm.get(containerGroupName(identity(pod)));
    const status = podStatusFromGroup({ pod, group, hostIP: this.options.hostIP, previous: pod.status, now: new Date() });
    const records = eventsFromGroup(group);
    return {
      namespace: pod.metadata!.namespace!,
      name: pod.metadata!.name!,
      uid: pod.metadata!.uid!,
      status,
      events: records.map((r) => ({ reason: r.reason, message: r.container ? `${r.container}: ${r.message}` : r.message, type: r.type, count: r.count, firstTimestamp: r.firstTimestamp, lastTimestamp: r.lastTimestamp })),
      eventKeys: records.map((r) => `${r.key}#${r.count}`),
    };
  }

  /** Fetches what the pod refers to: secrets, config maps, tokens and image entrypoints. */
  private async translationContext(pod: V1Pod): Promise<Parameters<typeof translatePod>[1]> {
    const namespace = pod.metadata!.namespace!;
    const refs = podReferences(pod);
    const r = this.options.references;
    const secrets = new Map<string, V1Secret>();
    for (const name of refs.secrets) {
      const s = await r.secret(namespace, name);
      if (s) secrets.set(name, s);
    }
    const configMaps = new Map<string, NonNullable<Awaited<ReturnType<ReferenceReader["configMap"]>>>>();
    for (const name of refs.configMaps) {
      const c = await r.configMap(namespace, name);
      if (c) configMaps.set(name, c);
    }
    const serviceAccountTokens = new Map<string, string>();
    for (const audience of refs.serviceAccountTokenAudiences) serviceAccountTokens.set(audience, await r.serviceAccountToken(pod, audience, TOKEN_SECONDS));
    const imageConfigs = new Map<string, ImageConfig>();
    for (const image of refs.imagesNeedingEntrypoint) {
      const config = await this.resolveImage(pod, image, secrets);
      if (config) imageConfigs.set(image, config);
    }
    const o = this.options;
    return { clusterName: o.clusterName, nodeName: o.nodeName, location: o.location, subnetId: o.subnetId, clusterDnsIp: o.clusterDnsIp, pullIdentityId: o.pullIdentityId, secrets, configMaps, imageConfigs, serviceAccountTokens };
  }

  /** The image's entrypoint, with the pod's pull secret for its registry; undefined when unknowable. */
  private async resolveImage(pod: V1Pod, image: string, secrets: ReadonlyMap<string, V1Secret>): Promise<ImageConfig | undefined> {
    const registry = parseImageReference(image).registry;
    const credential = (pod.spec?.imagePullSecrets ?? [])
      .map((ref) => secrets.get(ref.name ?? ""))
      .flatMap((s) => (s ? [credentialsFromPullSecret(s).get(registry)] : []))
      .find((c) => c !== undefined);
    try {
      return await this.options.images.resolve(image, credential);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      if (err instanceof TransientError || err instanceof ThrottledError) throw err;
      throw new TransientError(`resolving the entrypoint of ${image}: ${(err as Error).message}`, undefined, { cause: err });
    }
  }

  private async usages(): Promise<{ usages?: Usage[]; error?: unknown }> {
    const now = Date.now();
    if (this.usageCache && now - this.usageCache.at < 10_000) return this.usageCache;
    try {
      this.usageCache = { at: now, usages: await this.options.arm.usages() };
    } catch (error) {
      this.usageCache = { at: now, usages: this.usageCache?.usages, error };
    }
    return this.usageCache;
  }
}

function identity(pod: V1Pod): { namespace: string; name: string; uid: string } {
  return { namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
}
