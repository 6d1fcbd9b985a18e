/**
 * An emulator of the `Microsoft.ContainerInstance` ARM API (api-version 2023-05-01), faithful to
 * the official REST specification (a contract derived from it lives in `contract/`) and reached through the
 * real `@azure/arm-containerinstance` SDK over HTTPS with bearer tokens.
 *
 * - Contract: every request body is validated against the spec (see `validation.ts`); responses
 *   can be self-checked against it (`selfCheck`); ARM's error shape, 401/404/409/429 codes.
 * - Behaviour: simulated lifecycles whose containers follow the image/command convention of
 *   `behaviour.ts` (sleep, exit, echo, forever, unpullable images), scaled by `timeScale`.
 * - Limits: ARM's per-subscription token buckets and ACI's create/delete windows (`throttle.ts`),
 *   regional quotas (`catalog.ts`). Faults (`faults.ts`), a record of calls (`record.ts`), a token
 *   endpoint standing in for Entra ID (`identity.ts`) and a control endpoint (`control.ts`).
 * - Authorization: Azure RBAC on every call (`authorization.ts`, built-in roles in `roles.ts`, the
 *   action each operation needs in `actions.ts`), on by default, for ARM calls, the metrics batch
 *   API and pulls from the Azure Container Registries the options name (`registries.ts`). The
 *   emulator's own client is granted what burstlet's components grant it (Contributor on the
 *   resource groups, reading ACI usages and metrics on the subscription) unless the options say otherwise.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { ContainerInstanceManagementClient, type ContainerInstanceManagementClientOptionalParams } from "@azure/arm-containerinstance";
import type { TokenCredential } from "@azure/core-auth";
import { ClientSecretCredential } from "@azure/identity";
import { createCa, issueCert } from "../tls";
import { ACI_USAGE_READ_ACTION, METRICS_READ_ACTION } from "../../kubelet/src/constants";
import { Authorizer, type AuthorizationOptions, type RoleAssignment } from "./authorization";
import { seededRandom } from "./behaviour";
import { DEFAULT_QUOTAS, type QuotaLimits } from "./catalog";
import { createControlHandler } from "./control";
import { Faults } from "./faults";
import { MSI_TOKEN_PATH, TokenAuthority, type IdentityOptions } from "./identity";
import { DEFAULT_TIMING, type LifecycleTiming } from "./lifecycle";
import { CallLog, type RecordOptions } from "./record";
import type { StoredGroup } from "./render";
import { RegistryAccess, type RegistryResource, type UserAssignedIdentityResource } from "./registries";
import { createRequestListener } from "./server";
import { AciService, type ContainerExitRecord, type GroupRestartRecord } from "./service";
import { loadSpec } from "./spec";
import { METRICS_DEFAULT_LIMIT, MetricsService } from "./monitor/metrics-service";
import { loadMetricsSpec } from "./monitor/schema";
import { AZURE_METRIC_TIMING, type MetricTiming } from "./monitor/usage";
import { ARM_DEFAULT_LIMITS, type BucketLimit, Throttle, TokenBucket, UNLIMITED, type ThrottleLimits } from "./throttle";
import { DEFAULT_GROUP_BOUNDS, type GroupBounds } from "./validation";
import type { RoleDefinition } from "./roles";
import { normalizeLocation } from "./wire";
import { Regions, type RegionOptions } from "./placement";

export { ArmError } from "./errors";
export { Authorizer, actionMatches, scopeCovers } from "./authorization";
export type { Principal, RoleAssignment, Denial, Permission } from "./authorization";
export { BUILT_IN_ROLE_DEFINITIONS, type RoleDefinition } from "./roles";
export type { FaultSettings } from "./faults";
export type { CallRecord, BodyRecord, RecordOptions } from "./record";
export type { StoredGroup } from "./render";
export type { RegistryResource, UserAssignedIdentityResource } from "./registries";
export type { ContainerExitRecord, GroupRestartRecord } from "./service";
export type { LifecycleTiming } from "./lifecycle";
export type { ThrottleLimits, BucketLimit, WindowLimit } from "./throttle";
export type { QuotaLimits } from "./catalog";
export type { RegionOptions, PlacementOutage } from "./placement";
export type { GroupBounds } from "./validation";
export { ARM_DEFAULT_LIMITS, UNLIMITED } from "./throttle";
export { loadSpec, API_VERSION } from "./spec";
export type { MetricTiming } from "./monitor/usage";
export { AZURE_METRIC_TIMING } from "./monitor/usage";
export { METRICS_AUDIENCE, METRICS_BATCH_OPERATION } from "./monitor/endpoint";
export { METRICS_DEFAULT_LIMIT } from "./monitor/metrics-service";

export interface AciEmulatorOptions {
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** @default "6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80" */
  readonly subscriptionId?: string;
  /** The resource group that exists. @default "burstlet-sandbox" */
  readonly resourceGroup?: string;
  /** More resource groups that exist. @default [] */
  readonly extraResourceGroups?: readonly string[];
  /** Home region (normalised like ARM: "West Europe" → "westeurope"). @default "westeurope" */
  readonly location?: string;
  /** More regions the subscription may deploy to. @default [] */
  readonly extraLocations?: readonly string[];
  /** Seed of jitter, ids, IP addresses and random faults. @default 1 */
  readonly seed?: number;
  /** Multiplier of every simulated duration (0.01 = 100 times faster). @default 1 */
  readonly timeScale?: number;
  /** Nominal lifecycle durations in seconds. */
  readonly timing?: Partial<LifecycleTiming>;
  /** ARM and ACI request limits; `"unlimited"`, or a partial override of ARM's defaults (`null` = unlimited). */
  readonly limits?: Partial<ThrottleLimits> | "unlimited";
  /** Regional quotas; `"unlimited"`, or a partial override of 100 groups / 100 cores (`null` = unlimited). */
  readonly quotas?: Partial<QuotaLimits> | "unlimited";
  /**
   * Per region (by name): the availability zones it offers (`[]`: none; default 1, 2 and 3) and
   * quotas of its own over `quotas`. Regions must be `location` or among `extraLocations`.
   */
  readonly regions?: Readonly<Record<string, RegionOptions>>;
  /** Per-group bounds (4 CPU, 16 GB, 60 containers, 20 volumes by default). */
  readonly bounds?: Partial<GroupBounds>;
  /** Container groups per list page. @default 100 */
  readonly pageSize?: number;
  /** What to keep of calls and bodies. @default everything */
  readonly record?: RecordOptions;
  /** Validate every response against the spec and record violations in `record.specViolations`. @default false */
  readonly selfCheck?: boolean;
  /** Token endpoint settings (lifetime, client id and secret, managed-identity header). */
  readonly identity?: IdentityOptions;
  /**
   * Azure RBAC on every ARM call. `false` turns it off (a test that does so says why). With
   * `grantDefault` (the default), the emulator's own client gets Contributor on every resource group
   * and the ACI usage and metrics reader roles on the subscription, as burstlet's components grant.
   * @default { grantDefault: true }
   */
  readonly authorization?: false | (AuthorizationOptions & { readonly grantDefault?: boolean });
  /**
   * Azure Container Registries of the subscription, by login server: a group pulling from one
   * pulls only with a credential that may (`registries.ts`). Others are not modelled. @default []
   */
  readonly registries?: readonly RegistryResource[];
  /** User-assigned identities the subscription holds (their principals pull from registries). @default [] */
  readonly userAssignedIdentities?: readonly UserAssignedIdentityResource[];
  /** Lines kept per container log. @default 10000 */
  readonly maxLogLines?: number;
  /** Directory for the CA certificate file. @default a fresh temporary directory, removed on close */
  readonly stateDir?: string;
  /** The contract file (a derived specification). @default the one in `contract/` */
  readonly contractFile?: string;
  /**
   * The Azure Monitor metrics batch API: metric grain and publication delay (Azure's: PT1M, one
   * minute after the bucket ends; tests may shorten both), and its throttle (`null` = unlimited).
   */
  readonly monitor?: { readonly timing?: Partial<MetricTiming>; readonly limit?: BucketLimit | null };
}

export interface AciEmulator {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The throwaway CA that signed the server certificate: trust this. */
  readonly caCertPem: string;
  readonly caCertPath: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly tenantId: string;
  /** Client credentials the token endpoint accepts (for `ClientSecretCredential`). */
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * Environment for a child process using `DefaultAzureCredential`/`ManagedIdentityCredential`
   * (App Service managed identity source) and for burstlet's configuration.
   */
  readonly clientEnv: Readonly<Record<string, string>>;
  /** A real SDK client wired to the emulator: CA trusted through an https.Agent, real credential. */
  client(options?: ContainerInstanceManagementClientOptionalParams): ContainerInstanceManagementClient;
  /** The Azure Monitor metrics endpoint (the same server; Azure's is `https://<region>.metrics.monitor.azure.com`). */
  readonly metricsEndpoint: string;
  /** A real `@azure/identity` credential that obtains tokens from the emulator (as `clientId`, a registered client; @default the emulator's own). */
  credential(clientId?: string): TokenCredential;
  /** An https.Agent that trusts the emulator's CA (closed with the emulator). */
  agent(): https.Agent;
  readonly faults: Faults;
  readonly record: CallLog;
  readonly tokens: TokenAuthority;
  /** Role assignments and definitions, and the denials so far; `undefined` when authorization is off. */
  readonly authorization: Authorizer | undefined;
  /** Current container groups, in creation order. */
  groups(): ReadonlyArray<StoredGroup>;
  /** Every redeploy (a changed create-or-update) and restart of an existing group, in order. */
  groupRestarts(): ReadonlyArray<GroupRestartRecord>;
  /** Every container that ended on its own (its program exited; kills are not exits), in order. */
  containerExits(): ReadonlyArray<ContainerExitRecord>;
  /** Adds a resource group at runtime. */
  addResourceGroup(name: string): void;
  /** Removes a group at once, as if deleted outside its owner or lost by the service; false if absent. */
  loseGroup(name: string): boolean;
  /** Evicts a Spot group, as Azure does when it reclaims Spot capacity (`spot.ts`); false if there is no such Spot group. */
  evictSpotGroup(name: string): boolean;
  close(): Promise<void>;
}

const DEFAULT_SUBSCRIPTION = "6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80";
/** The emulator's stand-in for the custom role burstlet's components define for reading ACI usages. */
export const EMULATOR_USAGE_READER_ROLE: RoleDefinition = {
  id: "5e1d0b7a-6c2f-4b8e-9a31-7d4c2e0f9b16",
  name: "ACI usage reader",
  actions: [ACI_USAGE_READ_ACTION],
  notActions: [],
  dataActions: [],
  notDataActions: [],
};
/** The emulator's stand-in for the custom role burstlet's components define for reading platform metrics. */
export const EMULATOR_METRICS_READER_ROLE: RoleDefinition = {
  id: "9b3c6f2e-1d4a-4e7b-8c5f-2a6d0e9b4c71",
  name: "metrics reader",
  actions: [METRICS_READ_ACTION],
  notActions: [],
  dataActions: [],
  notDataActions: [],
};
const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";

export async function startAciEmulator(options: AciEmulatorOptions = {}): Promise<AciEmulator> {
  const spec = loadSpec(options.contractFile);
  const random = seededRandom(options.seed ?? 1);
  const location = normalizeLocation(options.location ?? "westeurope");
  const locations = [location, ...(options.extraLocations ?? []).map(normalizeLocation)];
  const resourceGroup = options.resourceGroup ?? "burstlet-sandbox";
  const subscriptionId = options.subscriptionId ?? DEFAULT_SUBSCRIPTION;
  const limits: ThrottleLimits = options.limits === "unlimited" ? UNLIMITED : { ...ARM_DEFAULT_LIMITS, ...options.limits };
  const quotas: QuotaLimits = options.quotas === "unlimited" ? { containerGroups: null, standardCores: null } : { ...DEFAULT_QUOTAS, ...options.quotas };

  const monitorLimit: BucketLimit | null = options.monitor?.limit === undefined ? METRICS_DEFAULT_LIMIT : options.monitor.limit;

  const ca = await createCa("burstlet ACI emulator CA");
  const leaf = await issueCert(ca, { commonName: "127.0.0.1", ipAddresses: ["127.0.0.1"], dnsNames: ["localhost"], serverAuth: true });
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? mkdtempSync(path.join(os.tmpdir(), "aci-emulator-"));
  const caCertPath = path.join(stateDir, "aci-emulator-ca.pem");
  writeFileSync(caCertPath, ca.certPem);

  let endpoint = "";
  // Faults draw from their own stream, so injected failures do not depend on lifecycle timing.
  const faults = new Faults(seededRandom((options.seed ?? 1) + 7919));
  const record = new CallLog(options.record);
  const tokens = new TokenAuthority(options.identity);
  const resourceGroups = [resourceGroup, ...(options.extraResourceGroups ?? [])];
  const authorization = options.authorization === false ? undefined : defaultAuthorizer(options.authorization ?? {}, tokens.principal.objectId, subscriptionId, resourceGroups);
  const service = new AciService({
    spec,
    endpoint: () => endpoint,
    subscriptionId,
    resourceGroups,
    locations,
    tenantId: tokens.tenantId,
    bounds: { ...DEFAULT_GROUP_BOUNDS, ...options.bounds },
    quotas,
    regions: new Regions(options.regions ?? {}, quotas),
    outages: () => faults.placementOutages(),
    limits,
    pageSize: options.pageSize ?? 100,
    random,
    registryAccess: new RegistryAccess(options.registries ?? [], options.userAssignedIdentities ?? [], authorization),
    lifecycle: {
      timeScale: options.timeScale ?? 1,
      timing: { ...DEFAULT_TIMING, ...options.timing },
      random,
      extraProvisioningMs: () => faults.slowProvisioningMs(),
      maxLogLines: options.maxLogLines ?? 10_000,
    },
  });
  const clientEnv = (): Record<string, string> => ({
    IDENTITY_ENDPOINT: `${endpoint}${MSI_TOKEN_PATH}`,
    IDENTITY_HEADER: tokens.identityHeader,
    NODE_EXTRA_CA_CERTS: caCertPath,
    AZURE_SUBSCRIPTION_ID: subscriptionId,
    BURSTLET_ARM_ENDPOINT: endpoint,
    BURSTLET_RESOURCE_GROUP: resourceGroup,
    BURSTLET_LOCATION: location,
    BURSTLET_AZURE_MONITOR_ENDPOINT: endpoint,
  });
  const info = (): Record<string, unknown> => ({ endpoint, subscriptionId, resourceGroup, location, caCertPath, clientEnv: clientEnv() });
  const listener = createRequestListener({
    endpoint: () => endpoint,
    spec,
    service,
    identity: tokens,
    authorizer: authorization,
    faults,
    record,
    throttle: new Throttle({ ...limits, creates: null, groupDeletes: null }),
    apiVersions: [spec.apiVersion],
    homeLocation: location,
    selfCheck: options.selfCheck ?? false,
    control: createControlHandler({ info, faults, record, service, identity: tokens, authorizer: authorization }),
    monitor: {
      spec: loadMetricsSpec(),
      service: new MetricsService({ subscriptionId, groups: () => service.list(), timing: { ...AZURE_METRIC_TIMING, ...options.monitor?.timing } }),
      identity: tokens,
      authorizer: authorization,
      throttle: monitorLimit === null ? null : new TokenBucket(monitorLimit, Date.now),
      selfCheck: options.selfCheck ?? false,
      onViolation: (status, problems) => record.addViolation({ operation: "Metrics_Batch", status, problems }),
    },
  });

  const server = https.createServer({ cert: leaf.certPem, key: leaf.keyPem, keepAliveTimeout: 30_000 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const agents: https.Agent[] = [];
  const agent = (): https.Agent => {
    const a = new https.Agent({ ca: ca.certPem, keepAlive: true, maxSockets: 64 });
    agents.push(a);
    return a;
  };
  const credential = (clientId = tokens.clientId): TokenCredential =>
    new ClientSecretCredential(tokens.tenantId, clientId, tokens.secretOf(clientId), { authorityHost: endpoint, disableInstanceDiscovery: true, agent: agent() });
  const env = clientEnv();

  return {
    endpoint,
    caCertPem: ca.certPem,
    caCertPath,
    subscriptionId,
    resourceGroup,
    location,
    tenantId: tokens.tenantId,
    clientId: tokens.clientId,
    clientSecret: tokens.clientSecret,
    clientEnv: env,
    metricsEndpoint: endpoint,
    client: (clientOptions = {}) =>
      new ContainerInstanceManagementClient(credential(), subscriptionId, {
        endpoint,
        agent: agent(),
        // Fast retries by default so that injected faults do not slow tests down; callers may override.
        retryOptions: { retryDelayInMs: 50, maxRetryDelayInMs: 1000 },
        ...clientOptions,
      }),
    credential,
    agent,
    faults,
    record,
    tokens,
    authorization,
    groups: () => service.list(),
    groupRestarts: () => service.restarts(),
    containerExits: () => service.exits(),
    addResourceGroup: (name) => {
      service.addResourceGroup(name);
      if (authorization && options.authorization !== false && options.authorization?.grantDefault !== false) authorization.assign(contributorOn(tokens.principal.objectId, subscriptionId, name));
    },
    loseGroup: (name) => service.lose(name),
    evictSpotGroup: (name) => service.evict(name),
    close: async () => {
      service.dispose();
      for (const a of agents) a.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsStateDir) rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function contributorOn(principalId: string, subscriptionId: string, resourceGroup: string): RoleAssignment {
  return { principalId, roleDefinitionId: CONTRIBUTOR, scope: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}` };
}

function defaultAuthorizer(options: AuthorizationOptions & { readonly grantDefault?: boolean }, principalId: string, subscriptionId: string, resourceGroups: readonly string[]): Authorizer {
  const authorizer = new Authorizer({ definitions: [EMULATOR_USAGE_READER_ROLE, EMULATOR_METRICS_READER_ROLE, ...(options.definitions ?? [])] });
  const grants: RoleAssignment[] = options.grantDefault === false ? [] : [
    ...resourceGroups.map((rg) => contributorOn(principalId, subscriptionId, rg)),
    { principalId, roleDefinitionId: EMULATOR_USAGE_READER_ROLE.id, scope: `/subscriptions/${subscriptionId}` },
    { principalId, roleDefinitionId: EMULATOR_METRICS_READER_ROLE.id, scope: `/subscriptions/${subscriptionId}` },
  ];
  for (const a of [...grants, ...(options.assignments ?? [])]) authorizer.assign(a);
  return authorizer;
}
