/**
 * The emulated `Microsoft.ContainerInstance` resource provider: container groups, their long-running
 * operations (kept in `operations.ts`), quotas (counted in `region-usage.ts`) and the ACI create/delete windows. Transport-free: operations take parsed
 * requests and return status, body and headers, or throw an `ArmError`.
 */
import { randomBytes } from "node:crypto";
import { isImageAccessible } from "./behaviour";
import * as catalog from "./catalog";
import { armErrors } from "./errors";
import { GroupRuntime, type LifecycleEnv, type ProvisioningOutcome } from "./lifecycle";
import type { RegistryAccess } from "./registries";
import { renderGroup, renderLogs, type StoredGroup } from "./render";
import type { AciSpec } from "./spec";
import { Throttle, windowLabel, type ThrottleLimits } from "./throttle";
import { totalRequests, validateContainerGroup, validateRequestBody, type GroupBounds } from "./validation";
import { normalizeLocation, type WireContainerGroup } from "./wire";
import { type AsyncOperation, Operations } from "./operations";
import { checkPriority, EVICTED_DETAIL, EVICTION_EVENT } from "./spot";
import { inOutage, type PlacementOutage, regionDown, type Regions } from "./placement";
import { RegionUsages } from "./region-usage";

export interface OpRequest {
  readonly operationId: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface OpResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ServiceConfig {
  readonly spec: AciSpec;
  readonly endpoint: () => string;
  readonly subscriptionId: string;
  readonly resourceGroups: readonly string[];
  /** Normalised locations; the first is the emulator's home location. */
  readonly locations: readonly string[];
  readonly tenantId: string;
  readonly bounds: GroupBounds;
  readonly quotas: catalog.QuotaLimits;
  /** Zones and quotas per region. */
  readonly regions: Regions;
  /** Regions and zones that are down now. @default none */
  readonly outages?: () => readonly PlacementOutage[];
  readonly limits: ThrottleLimits;
  readonly pageSize: number;
  readonly lifecycle: LifecycleEnv;
  readonly random: () => number;
  /** Pulls from the Azure Container Registries the emulator knows; @default every image the behaviour convention accepts pulls */
  readonly registryAccess?: RegistryAccess;
}


/** A container that ended on its own: when (epoch ms), with which code. */
export interface ContainerExitRecord {
  readonly group: string;
  readonly container: string;
  readonly at: number;
  readonly exitCode: number;
}

/** A group whose containers were started anew while it existed: what its workload sees as a restart. */
export interface GroupRestartRecord {
  readonly group: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** `redeploy`: a create-or-update with a changed spec replaced the group; `restart`: the Restart operation. */
  readonly cause: "redeploy" | "restart";
  /** The group's state just before (`Running` means running containers were killed). */
  readonly stateBefore: string;
}

export class AciService {
  private readonly groups = new Map<string, StoredGroup>();
  private readonly operations: Operations;
  private readonly regionThrottles = new Map<string, Throttle>();
  private readonly usage: RegionUsages;
  private readonly rgByLower: Map<string, string>;
  private ipCounter = 0;
  private readonly restartLog: GroupRestartRecord[] = [];
  private readonly exitLog: ContainerExitRecord[] = [];

  constructor(private readonly config: ServiceConfig) {
    this.rgByLower = new Map(config.resourceGroups.map((rg) => [rg.toLowerCase(), rg]));
    this.usage = new RegionUsages(config.regions);
    this.operations = new Operations(() => this.uuid(), (rg, location, id) => `${config.endpoint()}/subscriptions/${config.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/locations/${location}/operations/${id}?api-version=${config.spec.apiVersion}`);
  }

  /** Current container groups, in creation order. */
  list(): StoredGroup[] {
    return [...this.groups.values()];
  }

  /** Every redeploy and restart of an existing group, in order (read-only; for tests and benchmarks). */
  restarts(): readonly GroupRestartRecord[] {
    return this.restartLog;
  }

  /** Every container that ended on its own, in order (read-only; for tests and benchmarks). */
  exits(): readonly ContainerExitRecord[] {
    return this.exitLog;
  }

  /** Adds a resource group at runtime. */
  addResourceGroup(name: string): void {
    this.rgByLower.set(name.toLowerCase(), name);
  }

  /**
   * Removes a group at once, outside the API: what a user deleting it in the portal, or the service
   * losing it, looks like to a client. Its later reads answer 404 `ResourceNotFound`, as for any
   * missing group. Returns whether the group existed.
   */
  lose(name: string): boolean {
    for (const [key, group] of this.groups) {
      if (group.name !== name) continue;
      group.runtime.dispose();
      this.groups.delete(key);
      this.usage.remove(group);
      return true;
    }
    return false;
  }

  /** Evicts a Spot group (`spot.ts`); false if there is no such running Spot group. */
  evict(name: string): boolean {
    const group = [...this.groups.values()].find((g) => g.name === name && g.spec.properties.priority === "Spot" && g.runtime.provisioningState !== "Deleting");
    group?.runtime.evict(EVICTED_DETAIL, EVICTION_EVENT);
    return group !== undefined;
  }

  /** Cancels all simulation timers. */
  dispose(): void {
    for (const g of this.groups.values()) g.runtime.dispose();
  }

  handle(req: OpRequest): OpResponse {
    const p = req.params;
    if (p.subscriptionId !== undefined && p.subscriptionId.toLowerCase() !== this.config.subscriptionId.toLowerCase()) throw armErrors.subscriptionNotFound(p.subscriptionId);
    const rg = p.resourceGroupName !== undefined ? this.resourceGroup(p.resourceGroupName) : "";
    const name = p.containerGroupName ?? "";
    switch (req.operationId) {
      case "ContainerGroups_CreateOrUpdate":
        return this.createOrUpdate(rg, name, req.body);
      case "ContainerGroups_Get":
        return { status: 200, body: renderGroup(this.reachable(this.mustGet(rg, name)), { instanceView: true }) };
      case "ContainerGroups_Update":
        return this.update(rg, name, req.body);
      case "ContainerGroups_Delete":
        return this.delete(rg, name);
      case "ContainerGroups_List":
      case "ContainerGroups_ListByResourceGroup":
        return this.page(req, rg);
      case "ContainerGroups_Restart": {
        const group = this.mustGetActive(rg, name);
        this.restartLog.push({ group: name, at: Date.now(), cause: "restart", stateBefore: group.runtime.state });
        group.runtime.restart();
        return { status: 204 };
      }
      case "ContainerGroups_Stop":
        this.mustGetActive(rg, name).runtime.stop();
        return { status: 204 };
      case "ContainerGroups_Start":
        return this.start(rg, name);
      case "ContainerGroups_GetOutboundNetworkDependenciesEndpoints":
        this.mustGet(rg, name);
        return { status: 200, body: [] };
      case "Containers_ListLogs":
        return this.logs(rg, name, p.containerName ?? "", req.query);
      case "Containers_ExecuteCommand":
      case "Containers_Attach":
        return this.stream(req.operationId, rg, name, p.containerName ?? "", req.body);
      case "Location_ListUsage": {
        const location = this.location(p.location ?? "");
        if (regionDown(this.outages(), location)) throw armErrors.serviceUnavailable();
        return { status: 200, body: catalog.usages(this.config.subscriptionId, location, this.config.regions.quotasOf(location), this.usage.of(location)) };
      }
      case "Location_ListCapabilities":
        return { status: 200, body: catalog.capabilities(this.location(p.location ?? ""), this.config.bounds) };
      case "Location_ListCachedImages":
        this.location(p.location ?? "");
        return { status: 200, body: catalog.cachedImages() };
      case "Operations_List":
        return { status: 200, body: catalog.operationsList() };
      case "AsyncOperation_Get":
        return this.operations.status(p.operationId ?? "");
      default:
        throw armErrors.badRequest("UnsupportedOperation", `The operation '${req.operationId}' is not supported by the emulator.`);
    }
  }

  private createOrUpdate(rg: string, name: string, body: unknown): OpResponse {
    validateRequestBody(this.config.spec, "ContainerGroups_CreateOrUpdate", body);
    const spec = structuredClone(body) as WireContainerGroup;
    const access = this.config.registryAccess;
    validateContainerGroup(spec, { groupName: name, locations: this.config.locations, bounds: this.config.bounds, isImageAccessible: (image) => isImageAccessible(image) && (access?.canPull(spec, image) ?? true) });
    const location = normalizeLocation(spec.location!);
    const key = groupKey(rg, name);
    const existing = this.groups.get(key);
    if (inOutage(this.outages(), location, spec.zones)) throw armErrors.serviceUnavailable();
    this.config.regions.checkZones(spec, name, existing?.spec.zones);
    checkPriority(spec, name);
    if (existing) {
      if (existing.runtime.provisioningState === "Deleting") throw armErrors.conflict("Conflict", `The container group '${name}' is being deleted.`);
      if (existing.location !== location) throw armErrors.badRequest("LocationMismatch", `The location '${location}' of container group '${name}' cannot be changed from '${existing.location}'.`);
      existing.tags = spec.tags;
      const unchanged = JSON.stringify(existing.spec.properties) === JSON.stringify(spec.properties) && JSON.stringify(existing.spec.identity) === JSON.stringify(spec.identity);
      existing.spec = spec;
      if (unchanged) return { status: 200, body: renderGroup(existing, { instanceView: true }) };
      // A changed group is redeployed; its cores are re-counted.
      this.restartLog.push({ group: name, at: Date.now(), cause: "redeploy", stateBefore: existing.runtime.state });
      existing.runtime.dispose();
      this.usage.remove(existing);
      const replaced = this.store(rg, name, location, spec, existing);
      const op = this.operations.start();
      this.provision(replaced, op);
      return { status: 200, body: renderGroup(replaced, { instanceView: true }), headers: this.operations.headers(rg, location, op) };
    }
    this.usage.check(location, totalRequests(spec).cpu);
    const admission = this.regionThrottle(location).admitCreate();
    if (!admission.ok) throw armErrors.resourceProviderThrottled("ContainerGroupCreate", windowLabel(admission.window!), admission.retryAfterSeconds);
    const group = this.store(rg, name, location, spec);
    const op = this.operations.start();
    this.provision(group, op);
    return { status: 201, body: renderGroup(group, { instanceView: true }), headers: this.operations.headers(rg, location, op) };
  }

  private store(rg: string, name: string, location: string, spec: WireContainerGroup, previous?: StoredGroup): StoredGroup {
    const id = `/subscriptions/${this.config.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups/${name}`;
    const group: StoredGroup = {
      id,
      subscriptionId: this.config.subscriptionId,
      resourceGroup: rg,
      name,
      location,
      tags: spec.tags,
      spec,
      runtime: new GroupRuntime({ ...this.config.lifecycle, onExit: (container, exitCode) => this.exitLog.push({ group: name, container, at: Date.now(), exitCode }) }, spec.properties),
      ip: previous?.ip,
      principalId: previous?.principalId ?? this.uuid(),
      tenantId: this.config.tenantId,
      createdAt: previous?.createdAt ?? Date.now(),
      cores: totalRequests(spec).cpu,
    };
    this.groups.set(groupKey(rg, name), group);
    this.usage.add(group);
    return group;
  }

  /** Starts a provisioning round on the group's runtime; `op` completes when it ends. */
  private provision(group: StoredGroup, op: AsyncOperation): void {
    this.assignIp(group);
    group.runtime.provision((outcome: ProvisioningOutcome) => {
      if (op.status === "InProgress") this.operations.finish(op, outcome.status === "Succeeded" ? undefined : { code: outcome.code, message: outcome.message });
    });
  }

  private update(rg: string, name: string, body: unknown): OpResponse {
    validateRequestBody(this.config.spec, "ContainerGroups_Update", body);
    const group = this.mustGet(rg, name);
    const tags = (body as { tags?: Record<string, string> }).tags;
    if (tags !== undefined) group.tags = { ...tags };
    return { status: 200, body: renderGroup(group, { instanceView: true }) };
  }

  private delete(rg: string, name: string): OpResponse {
    const group = this.groups.get(groupKey(rg, name));
    if (!group) return { status: 204 };
    this.reachable(group);
    const admission = this.regionThrottle(group.location).admitGroupDelete();
    if (!admission.ok) throw armErrors.resourceProviderThrottled("ContainerGroupDelete", windowLabel(admission.window!), admission.retryAfterSeconds);
    const op = this.operations.start();
    group.runtime.beginDelete(() => {
      if (this.groups.get(groupKey(rg, name)) === group) {
        this.groups.delete(groupKey(rg, name));
        this.usage.remove(group);
      }
      this.operations.finish(op);
    });
    return { status: 202, headers: this.operations.headers(rg, group.location, op) };
  }

  private start(rg: string, name: string): OpResponse {
    const group = this.mustGetActive(rg, name);
    const op = this.operations.start();
    this.provision(group, op);
    return { status: 202, headers: this.operations.headers(rg, group.location, op) };
  }

  private page(req: OpRequest, rg: string): OpResponse {
    const rgLower = rg.toLowerCase();
    const all = [...this.groups.entries()].filter(([k]) => rg === "" || k.startsWith(`${rgLower}/`)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const skip = req.query.get("$skipToken");
    const after = skip ? Buffer.from(skip, "base64url").toString("utf8") : undefined;
    const start = after === undefined ? 0 : all.findIndex(([k]) => k > after);
    const slice = start < 0 ? [] : all.slice(start, start + this.config.pageSize);
    const body: Record<string, unknown> = { value: slice.map(([, g]) => renderGroup(g, { instanceView: false })) };
    const last = slice[slice.length - 1];
    if (last && start + slice.length < all.length) {
      const path = rg === "" ? `/subscriptions/${this.config.subscriptionId}/providers/Microsoft.ContainerInstance/containerGroups` : `/subscriptions/${this.config.subscriptionId}/resourceGroups/${rg}/providers/Microsoft.ContainerInstance/containerGroups`;
      body.nextLink = `${this.config.endpoint()}${path}?api-version=${this.config.spec.apiVersion}&$skipToken=${Buffer.from(last[0]).toString("base64url")}`;
    }
    return { status: 200, body };
  }

  private logs(rg: string, name: string, containerName: string, query: URLSearchParams): OpResponse {
    const group = this.mustGet(rg, name);
    const c = [...group.runtime.containers, ...group.runtime.initContainers].find((r) => r.name === containerName);
    if (!c) throw armErrors.resourceNotFound(rg, `${name}/containers/${containerName}`);
    const tailRaw = query.get("tail");
    const tail = tailRaw !== null ? Number.parseInt(tailRaw, 10) : undefined;
    if (tail !== undefined && !Number.isFinite(tail)) throw armErrors.badRequest("InvalidQueryParameterValue", `The value '${tailRaw}' of query parameter 'tail' is invalid.`, "tail");
    const timestamps = (query.get("timestamps") ?? "false").toLowerCase() === "true";
    return { status: 200, body: { content: renderLogs(c, tail, timestamps) } };
  }

  private stream(operationId: string, rg: string, name: string, containerName: string, body: unknown): OpResponse {
    if (operationId === "Containers_ExecuteCommand") validateRequestBody(this.config.spec, operationId, body);
    const group = this.mustGet(rg, name);
    const c = group.runtime.containers.find((r) => r.name === containerName);
    if (!c) throw armErrors.resourceNotFound(rg, `${name}/containers/${containerName}`);
    if (c.current?.state !== "Running") {
      // Emulator wording: the service refuses exec and attach on a container that is not running.
      throw armErrors.badRequest("ContainerGroupNotRunning", `The container '${containerName}' in container group '${name}' is not running.`);
    }
    const kind = operationId === "Containers_ExecuteCommand" ? "exec" : "attach";
    const wsBase = this.config.endpoint().replace(/^https:/, "wss:");
    return { status: 200, body: { webSocketUri: `${wsBase}/_emulator/${kind}/${encodeURIComponent(rg)}/${encodeURIComponent(name)}/${encodeURIComponent(containerName)}`, password: randomBytes(18).toString("base64url") } };
  }

  private outages(): readonly PlacementOutage[] {
    return this.config.outages?.() ?? [];
  }

  /** A group in a region that is down cannot be read or deleted. */
  private reachable(group: StoredGroup): StoredGroup {
    if (regionDown(this.outages(), group.location)) throw armErrors.serviceUnavailable();
    return group;
  }

  private regionThrottle(location: string): Throttle {
    let t = this.regionThrottles.get(location);
    if (!t) {
      t = new Throttle({ ...this.config.limits, reads: null, writes: null, deletes: null });
      this.regionThrottles.set(location, t);
    }
    return t;
  }

  private assignIp(group: StoredGroup): void {
    if (group.ip) return;
    const props = group.spec.properties;
    const wantsIp = (props.ipAddress?.ports.length ?? 0) > 0 || (props.subnetIds?.length ?? 0) > 0;
    if (!wantsIp) return;
    const n = ++this.ipCounter;
    const isPrivate = props.ipAddress?.type === "Private" || (props.subnetIds?.length ?? 0) > 0;
    group.ip = isPrivate ? `10.240.${(n >> 8) & 0xff}.${(n & 0xff) || 1}` : `20.${50 + ((n >> 16) & 0x3f)}.${(n >> 8) & 0xff}.${(n & 0xff) || 1}`;
  }

  private resourceGroup(name: string): string {
    const rg = this.rgByLower.get(name.toLowerCase());
    if (!rg) throw armErrors.resourceGroupNotFound(name);
    return rg;
  }

  private location(raw: string): string {
    const location = normalizeLocation(raw);
    if (!this.config.locations.includes(location)) throw armErrors.locationNotAvailable(raw, this.config.locations);
    return location;
  }

  private mustGet(rg: string, name: string): StoredGroup {
    const g = this.groups.get(groupKey(rg, name));
    if (!g) throw armErrors.resourceNotFound(rg, name);
    return g;
  }

  private mustGetActive(rg: string, name: string): StoredGroup {
    const g = this.mustGet(rg, name);
    if (g.runtime.provisioningState === "Deleting") throw armErrors.conflict("Conflict", `The container group '${name}' is being deleted.`);
    return g;
  }

  private uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.config.random() * 16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${"89ab"[Math.floor(this.config.random() * 4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

function groupKey(rg: string, name: string): string {
  return `${rg.toLowerCase()}/${name.toLowerCase()}`;
}
