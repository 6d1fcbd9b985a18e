/**
 * Pulumi mocks for the component, program and policy tests: every declared resource is recorded
 * with its inputs, Azure resources get realistic IDs and the outputs Azure computes, and the
 * Kubernetes objects can be read back as plain manifests (apiVersion/kind/metadata/...) that another
 * test may send to a real API server.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";

/** Declared inputs are arbitrary JSON; assertions read them freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export const SUBSCRIPTION_ID = "00000000-1111-2222-3333-444444444444";
export const TENANT_ID = "99999999-8888-7777-6666-555555555555";
export const OIDC_ISSUER = "https://oidc.example.test/tenant/issuer/";
export const TEST_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n";
/** What any stack reference exports: the root program's outputs. */
export const STACK_REFERENCE_OUTPUTS = { kubeconfig: TEST_KUBECONFIG, clusterName: "burstlet-cluster-aks", virtualNodeName: "burstlet" };

export interface DeclaredResource {
  /** Pulumi type token, e.g. `azure-native:network:Subnet` or `kubernetes:batch/v1:Job`. */
  readonly type: string;
  /** Pulumi logical name. */
  readonly name: string;
  readonly id: string;
  readonly inputs: Record<string, Json>;
  readonly state: Record<string, Json>;
  readonly provider?: string;
  /** Inputs that were secret (dotted paths). */
  readonly secretPaths: readonly string[];
}

export interface DeclaredCall {
  readonly token: string;
  readonly inputs: Record<string, Json>;
}

/** A Kubernetes object as an API server would take it. */
export interface KubernetesManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

let recorded: DeclaredResource[] = [];
let calls: DeclaredCall[] = [];
let components: DeclaredResource[] = [];

/** The input that names each Azure resource explicitly; when absent the logical name stands in. */
const NAME_INPUT: Record<string, string> = {
  "azure-native:resources:ResourceGroup": "resourceGroupName",
  "azure-native:network:VirtualNetwork": "virtualNetworkName",
  "azure-native:network:Subnet": "subnetName",
  "azure-native:managedidentity:UserAssignedIdentity": "resourceName",
  "azure-native:containerservice:ManagedCluster": "resourceName",
  "azure-native:containerregistry:Registry": "registryName",
  "azure-native:storage:StorageAccount": "accountName",
  "azure-native:storage:FileShare": "shareName",
};
const ARM_PATHS: Record<string, string> = {
  "azure-native:network:VirtualNetwork": "Microsoft.Network/virtualNetworks",
  "azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
  "azure-native:containerservice:ManagedCluster": "Microsoft.ContainerService/managedClusters",
  "azure-native:containerregistry:Registry": "Microsoft.ContainerRegistry/registries",
  "azure-native:storage:StorageAccount": "Microsoft.Storage/storageAccounts",
};

function physicalName(type: string, name: string, inputs: Record<string, Json>): string {
  const explicit = NAME_INPUT[type] ? inputs[NAME_INPUT[type]] : undefined;
  return typeof explicit === "string" ? explicit : name;
}

function armState(type: string, name: string, inputs: Record<string, Json>): { id: string; state: Record<string, Json> } {
  const physical = physicalName(type, name, inputs);
  const rg = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${String(inputs.resourceGroupName ?? "rg")}`;
  const state: Record<string, Json> = { ...inputs, name: physical };
  let id = `${rg}/providers/${ARM_PATHS[type] ?? `Mock/${type.split(":").pop()}`}/${physical}`;
  switch (type) {
    case "azure-native:resources:ResourceGroup":
      id = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${physical}`;
      break;
    case "azure-native:network:Subnet":
      id = `${rg}/providers/Microsoft.Network/virtualNetworks/${String(inputs.virtualNetworkName)}/subnets/${physical}`;
      break;
    case "azure-native:managedidentity:UserAssignedIdentity":
      Object.assign(state, { principalId: `principal-${physical}`, clientId: `client-${physical}`, tenantId: TENANT_ID });
      break;
    case "azure-native:managedidentity:FederatedIdentityCredential":
      id = `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${String(inputs.resourceName)}/federatedIdentityCredentials/${physical}`;
      break;
    case "azure-native:containerservice:ManagedCluster":
      Object.assign(state, {
        fqdn: `${physical}.hcp.example.test`,
        oidcIssuerProfile: { ...(inputs.oidcIssuerProfile ?? {}), issuerURL: OIDC_ISSUER },
        identityProfile: { kubeletidentity: { objectId: `kubelet-principal-${physical}`, clientId: `kubelet-client-${physical}`, resourceId: `${rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${physical}-agentpool` } },
      });
      break;
    case "azure-native:containerregistry:Registry":
      state.loginServer = `${physical}.registry.test`;
      break;
    case "azure-native:authorization:RoleDefinition":
      id = `${String(inputs.scope)}/providers/Microsoft.Authorization/roleDefinitions/${guidOf(name)}`;
      break;
    case "azure-native:authorization:RoleAssignment":
      id = `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`;
      break;
  }
  return { id, state: { ...state, id } };
}

/** A stable GUID-shaped name (what ARM names role definitions by). */
function guidOf(name: string): string {
  const h = createHash("sha256").update(name).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The marker Pulumi serialises secret values with. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** Input values with secrets unwrapped; `secrets` collects the dotted path of each. */
export function unwrapSecrets(value: unknown, secrets: string[] = [], at = ""): Json {
  if (Array.isArray(value)) return value.map((v: unknown, i) => unwrapSecrets(v, secrets, `${at}[${i}]`) as unknown);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SECRET_SIG_KEY] === SECRET_SIG) {
      secrets.push(at);
      return unwrapSecrets(record.value, secrets, at);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, unwrapSecrets(v, secrets, at ? `${at}.${k}` : k) as unknown]));
  }
  return value;
}

const mocks: pulumi.runtime.Mocks = {
  newResource(args) {
    const secretPaths: string[] = [];
    const inputs = unwrapSecrets(args.inputs ?? {}, secretPaths) as Record<string, Json>;
    let result: { id: string; state: Record<string, Json> };
    if (args.type.startsWith("azure-native:")) {
      result = armState(args.type, args.name, inputs);
    } else if (args.type === "pulumi:pulumi:StackReference") {
      result = { id: String(inputs.name), state: { name: inputs.name, outputs: STACK_REFERENCE_OUTPUTS, secretOutputNames: ["kubeconfig"] } };
    } else if (args.type === "docker-build:index:Image") {
      const tag = Array.isArray(inputs.tags) && typeof inputs.tags[0] === "string" ? inputs.tags[0] : `${args.name}:latest`;
      const digest = "sha256:" + "ab".repeat(32);
      result = { id: `${args.name}_id`, state: { ...inputs, digest, ref: `${tag.replace(/:[^:/]+$/, "")}@${digest}` } };
    } else if (args.type.startsWith("kubernetes:")) {
      const metadata = { ...(inputs.metadata ?? {}) };
      metadata.name ??= args.name;
      result = { id: `${String(metadata.namespace ?? "")}/${String(metadata.name)}`, state: { ...inputs, metadata } };
    } else {
      result = { id: `${args.name}_id`, state: inputs };
    }
    const entry = { type: args.type, name: args.name, id: result.id, inputs, state: result.state, provider: args.provider, secretPaths };
    if (args.custom === false) components.push(entry);
    else recorded.push(entry);
    return result;
  },
  call(args) {
    const inputs = unwrapSecrets(args.inputs ?? {}) as Record<string, Json>;
    calls.push({ token: args.token, inputs });
    switch (args.token) {
      case "azure-native:containerservice:listManagedClusterUserCredentials":
      case "azure-native:containerservice:listManagedClusterAdminCredentials":
        return { kubeconfigs: [{ name: "clusterUser", value: Buffer.from(TEST_KUBECONFIG).toString("base64") }] };
      case "azure-native:authorization:getClientConfig":
        return { subscriptionId: SUBSCRIPTION_ID, tenantId: TENANT_ID, objectId: "deployer-object-id", clientId: "deployer-client-id" };
      case "azure-native:authorization:getClientToken":
        return { token: "aad-access-token" };
      case "azure-native:storage:listStorageAccountKeys":
        return { keys: [{ keyName: "key1", value: "c3RvcmFnZS1rZXk=", permissions: "Full" }] };
      default:
        return inputs;
    }
  },
};

/** Installs the mocks (idempotent) with the project name `burstlet` and the given config. */
export async function useMocks(config: Record<string, string> = {}, secretKeys: string[] = []): Promise<void> {
  await pulumi.runtime.setMocks(mocks, "burstlet", "test", false);
  pulumi.runtime.setAllConfig(config, secretKeys);
}

/**
 * Runs `declare` (which creates resources) and returns what it declared, once every registration
 * has been answered: custom resources, invokes, and component resources (kept apart).
 */
export async function declared(declare: () => unknown): Promise<{ resources: DeclaredResource[]; calls: DeclaredCall[]; components: DeclaredResource[] }> {
  recorded = [];
  calls = [];
  components = [];
  const result = declare();
  if (result instanceof Promise) await result;
  await settle();
  return { resources: recorded, calls, components };
}

/** Waits until no resource registration or invoke is outstanding. */
export async function settle(): Promise<void> {
  // `waitForRPCs` is internal to the SDK: it resolves once every outstanding RPC has completed.
  const rpcs = settings as unknown as { waitForRPCs(): Promise<void> };
  for (let i = 0; i < 3; i++) {
    await rpcs.waitForRPCs();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The value of an output (known under these mocks). */
export function valueOf<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/** Whether an output is marked secret. */
export async function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

/** Loads a Pulumi program module afresh (its top level declares resources each time); `path` is absolute. */
export function loadProgram(path: string): Record<string, Json> {
  const resolved = require.resolve(path);
  delete require.cache[resolved];
  // A fresh require re-runs the program's top level (an import is cached and runs once).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(resolved) as Record<string, Json>;
}

export function ofType(resources: readonly DeclaredResource[], type: string): DeclaredResource[] {
  return resources.filter((r) => r.type === type);
}

export function oneOfType(resources: readonly DeclaredResource[], type: string): DeclaredResource {
  const found = ofType(resources, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
  return found[0];
}

/**
 * Kubernetes objects as plain manifests, in declaration order: full objects, plus (with
 * `includePatches`) the partial objects of `*Patch` resources, which server-side apply accepts
 * too. Names that Pulumi would auto-generate are the logical name.
 */
export function kubernetesManifests(resources: readonly DeclaredResource[], options: { includePatches?: boolean } = {}): KubernetesManifest[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && (options.includePatches || !r.type.endsWith("Patch")))
    .map((r) => {
      const { apiVersion, kind, metadata, ...rest } = r.state;
      const body = Object.fromEntries(Object.entries(rest).filter(([k, v]) => v !== undefined && !k.startsWith("__")));
      return { apiVersion: String(apiVersion), kind: String(kind), metadata: { ...(metadata as object), name: String(metadata?.name ?? r.name) }, ...body };
    });
}
