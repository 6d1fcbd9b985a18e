/**
 * What the VirtualNode component declares, as pure functions: burstlet's labels, its RBAC rules
 * (least privilege: its service account only bootstraps the node's identity and holds its replicas'
 * leader Lease; the Node authorizer fences the rest) and the environment of its Deployment. Variable names come from the kubelet's `SETTINGS`, so a renamed
 * setting breaks the build instead of a deployment.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { LogLevel, Taint } from "../kubelet/src/config";
import { SETTINGS } from "../kubelet/src/settings";
import { HEALTH_PATH, leaderLeaseName, VIRTUAL_NODE_TYPE_LABEL } from "../kubelet/src/constants";
import { WORKLOAD_IDENTITY_AUDIENCE } from "./azure-ids";
import { HOSTNAME_LABEL } from "./placement";

/** Labels on every object of a virtual node; `instance` is the node name. */
export function burstletLabels(nodeName: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "burstlet",
    "app.kubernetes.io/component": "virtual-kubelet",
    "app.kubernetes.io/instance": nodeName,
    "app.kubernetes.io/managed-by": "pulumi",
  };
}

/** The pod label the workload identity webhook looks for. */
export const WORKLOAD_IDENTITY_USE_LABEL = "azure.workload.identity/use";
/** Service account annotations the workload identity webhook reads. */
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
export const WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION = "azure.workload.identity/tenant-id";

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/**
 * What burstlet's service account may do: TLS bootstrap and nothing else. It creates a certificate
 * signing request for its node's client certificate and reads it back until it is signed (the
 * rules of Kubernetes' `system:node-bootstrapper`), and may ask for a `nodeclient` certificate, which
 * makes the controller-manager's approver approve it. Everything else burstlet does, it does as
 * `system:node:<name>`, where the Node authorizer and NodeRestriction fence it to its own Node,
 * Lease and pods, the secrets, config maps and service-account tokens of those pods, events, and the
 * token and access reviews its kubelet API needs.
 */
export function burstletBootstrapRules(): PolicyRule[] {
  return [
    { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests"], verbs: ["create", "get", "list", "watch"] },
    { apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/nodeclient"], verbs: ["create"] },
  ];
}

/**
 * What the node's own user needs beyond the Node authorizer: renewing its certificate with its
 * current one (`selfnodeclient`, which the approver checks for a CSR whose requester is the node).
 */
export function burstletNodeRules(): PolicyRule[] {
  return [{ apiGroups: ["certificates.k8s.io"], resources: ["certificatesigningrequests/selfnodeclient"], verbs: ["create"] }];
}

/**
 * What burstlet's service account needs, in its own namespace, for its replicas to elect a leader:
 * read and renew the Lease `burstlet-<node>` of each of its nodes (RBAC can restrict get and update
 * by name), and create it the first time (a create cannot be restricted by name: the authorizer sees no name).
 * The node's own user cannot hold it: the Node authorizer lets a node write only its heartbeat
 * Lease in kube-node-lease.
 */
export function burstletLeaderElectionRules(nodeNames: readonly string[]): PolicyRule[] {
  return [
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "update"], resourceNames: nodeNames.map(leaderLeaseName) },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
  ];
}

/** Labels that select one virtual node's burstlet pods (the Deployment's selector). */
export function burstletSelector(nodeName: string): Record<string, string> {
  const labels = burstletLabels(nodeName);
  return { "app.kubernetes.io/name": labels["app.kubernetes.io/name"], "app.kubernetes.io/instance": labels["app.kubernetes.io/instance"] };
}

/** `key=value:effect`, or `none`: the form of the `taint` setting. */
export function formatTaint(taint: Taint | undefined): string {
  return taint ? `${taint.key}=${taint.value}:${taint.effect}` : "none";
}

export interface BurstletSettings {
  readonly nodeName: string;
  readonly clusterName: pulumi.Input<string>;
  /** The availability zone every container group is pinned to. @default none */
  readonly zone?: string;
  /** The share (0–1] of the region's ACI quota the node offers. @default 1 */
  readonly quotaShare?: number;
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subnetId?: pulumi.Input<string>;
  readonly clusterDnsIp?: pulumi.Input<string>;
  readonly pullIdentityId?: pulumi.Input<string>;
  readonly taint?: Taint;
  readonly capacity?: { readonly cpu?: number; readonly memoryGiB?: number; readonly pods?: number };
  readonly tuning?: BurstletTuning;
  readonly logLevel?: LogLevel;
  /** Namespace of the replicas' leader Lease: burstlet's own, where its Role lets it hold the Lease. */
  readonly leaderElectionNamespace?: string;
}

/**
 * How burstlet spends Azure's and the API server's limits (see the README's "Scale and Azure's
 * limits"); every field left out keeps the kubelet's default.
 */
export interface BurstletTuning {
  /** ARM reads per second. @default 20 */
  readonly armReadsPerSecond?: number;
  /** @default 200 */
  readonly armReadBurst?: number;
  /** ARM writes per second (creates and deletes). @default 8 */
  readonly armWritesPerSecond?: number;
  /** @default 150 */
  readonly armWriteBurst?: number;
  /** A running pod's status is read at least this often. @default 25 */
  readonly statusSteadySeconds?: number;
  /** Cap on steady status reads; with more running pods than seconds × this, the interval stretches. @default 15 */
  readonly statusSteadyReadsPerSecond?: number;
  /** Pod status writes per second to the API server. @default 50 */
  readonly kubeApiQps?: number;
  /** @default 200 */
  readonly kubeApiBurst?: number;
  /** Cores one container group may have in the region (more only where ACI offers big groups, up to 31). @default 4 */
  readonly maxGroupCpu?: number;
  /** Memory (GB) one container group may have in the region (up to 240). @default 16 */
  readonly maxGroupMemoryGb?: number;
  /** Seconds ARM must be unreachable, or refuse burstlet's credentials, before the node is NotReady. @default 120 */
  readonly notReadyAfterSeconds?: number;
}

/** The first tuning field the kubelet would refuse, with why; undefined when all are fine. */
export function tuningProblem(tuning: BurstletTuning | undefined): { field: string; message: string } | undefined {
  for (const [field, value] of Object.entries(tuning ?? {}) as [keyof BurstletTuning, unknown][]) {
    if (!(field in TUNING_SETTINGS)) return { field: `tuning.${field}`, message: `is not a tuning setting; use one of ${Object.keys(TUNING_SETTINGS).join(", ")}` };
    if (value === undefined) continue;
    const burst = /Burst$/.test(field);
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (burst && !Number.isInteger(value))) {
      return { field: `tuning.${field}`, message: `must be ${burst ? "a whole number of at least 1" : "a number above 0"}, got ${JSON.stringify(value)}` };
    }
  }
  return undefined;
}

/** The kubelet setting behind each tuning field. */
const TUNING_SETTINGS = {
  armReadsPerSecond: "readsPerSecond",
  armReadBurst: "readBurst",
  armWritesPerSecond: "writesPerSecond",
  armWriteBurst: "writeBurst",
  statusSteadySeconds: "steadySeconds",
  statusSteadyReadsPerSecond: "steadyReadsPerSecond",
  kubeApiQps: "kubeApiQps",
  kubeApiBurst: "kubeApiBurst",
  maxGroupCpu: "maxGroupCpu",
  maxGroupMemoryGb: "maxGroupMemory",
  notReadyAfterSeconds: "notReadyAfter",
} as const satisfies Record<keyof BurstletTuning, keyof typeof SETTINGS>;

/**
 * The configuration data (variable → value) the Deployment reads with `envFrom`; unset optional
 * settings are left out, so the kubelet's own defaults apply.
 */
export function burstletConfigData(s: BurstletSettings): Record<string, pulumi.Input<string>> {
  const data: Record<string, pulumi.Input<string>> = {
    [SETTINGS.nodeName[1]]: s.nodeName,
    [SETTINGS.clusterName[1]]: s.clusterName,
    [SETTINGS.subscriptionId[1]]: s.subscriptionId,
    [SETTINGS.resourceGroup[1]]: s.resourceGroupName,
    [SETTINGS.location[1]]: s.location,
    [SETTINGS.taint[1]]: formatTaint(s.taint),
  };
  const optional: [keyof typeof SETTINGS, pulumi.Input<string> | number | undefined][] = [
    ["zone", s.zone],
    ["quotaShare", s.quotaShare],
    ["subnetId", s.subnetId],
    ["clusterDnsIp", s.clusterDnsIp],
    ["pullIdentityId", s.pullIdentityId],
    ["cpu", s.capacity?.cpu],
    ["memory", s.capacity?.memoryGiB],
    ["pods", s.capacity?.pods],
    ["logLevel", s.logLevel],
    ["leaderElectNamespace", s.leaderElectionNamespace],
    ...Object.entries(TUNING_SETTINGS).map(([field, setting]): [keyof typeof SETTINGS, number | undefined] => [setting, s.tuning?.[field as keyof BurstletTuning]]),
  ];
  for (const [name, value] of optional) {
    if (value !== undefined) data[SETTINGS[name][1]] = typeof value === "number" ? String(value) : value;
  }
  return data;
}

/** Variables read from the pod itself rather than the configuration. */
export function burstletPodEnv(): k8s.types.input.core.v1.EnvVar[] {
  return [{ name: SETTINGS.nodeAddress[1], valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }];
}

/** Where a projected service account token is mounted when the webhook does not inject it. */
export const FEDERATED_TOKEN_DIR = "/var/run/secrets/azure/tokens";
export const FEDERATED_TOKEN_FILE = `${FEDERATED_TOKEN_DIR}/azure-identity-token`;
export const AZURE_AUTHORITY_HOST = "https://login.microsoftonline.com/";

export interface WorkloadIdentityWiring {
  readonly serviceAccountAnnotations: Record<string, pulumi.Input<string>>;
  /** Labels the pod needs (the webhook's opt-in). */
  readonly podLabels: Record<string, string>;
  /** Variables the Azure SDK reads, when the webhook does not inject them. */
  readonly env: k8s.types.input.core.v1.EnvVar[];
  /** The projected token volume and its mount, when the webhook does not inject them. */
  readonly volumes: k8s.types.input.core.v1.Volume[];
  readonly volumeMounts: { name: string; mountPath: string; readOnly: boolean }[];
}

/**
 * How the pod gets its federated token: from the workload identity webhook (AKS), or from a
 * service account token it projects itself with the audience Entra expects (any cluster whose
 * OIDC issuer is federated).
 */
export function burstletWorkloadIdentity(identity: { clientId: pulumi.Input<string>; tenantId: pulumi.Input<string> }, webhook: boolean): WorkloadIdentityWiring {
  const serviceAccountAnnotations = {
    [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: identity.clientId,
    [WORKLOAD_IDENTITY_TENANT_ID_ANNOTATION]: identity.tenantId,
  };
  if (webhook) return { serviceAccountAnnotations, podLabels: { [WORKLOAD_IDENTITY_USE_LABEL]: "true" }, env: [], volumes: [], volumeMounts: [] };
  return {
    serviceAccountAnnotations,
    podLabels: {},
    env: [
      { name: "AZURE_CLIENT_ID", value: identity.clientId },
      { name: "AZURE_TENANT_ID", value: identity.tenantId },
      { name: "AZURE_FEDERATED_TOKEN_FILE", value: FEDERATED_TOKEN_FILE },
      { name: "AZURE_AUTHORITY_HOST", value: AZURE_AUTHORITY_HOST },
    ],
    volumes: [
      {
        name: "azure-identity-token",
        projected: { sources: [{ serviceAccountToken: { audience: WORKLOAD_IDENTITY_AUDIENCE, expirationSeconds: 3600, path: "azure-identity-token" } }] },
      },
    ],
    volumeMounts: [{ name: "azure-identity-token", mountPath: FEDERATED_TOKEN_DIR, readOnly: true }],
  };
}

export interface PodTemplateInput {
  readonly labels: Record<string, string>;
  readonly configHash: pulumi.Input<string>;
  readonly configMapName: string;
  readonly serviceAccountName: string;
  readonly priorityClassName: pulumi.Input<string>;
  readonly image: pulumi.Input<string>;
  readonly env: k8s.types.input.core.v1.EnvVar[];
  readonly identity: WorkloadIdentityWiring;
  readonly resources?: { readonly requests?: Record<string, string>; readonly limits?: Record<string, string> };
  readonly kubeletPort: number;
  readonly metricsPort: number;
  /** Labels of this node's burstlet pods: replicas prefer machines apart from each other. */
  readonly selector: Record<string, string>;
}

/**
 * burstlet's pod: kept off virtual nodes (it must never schedule onto the node it runs, and it
 * tolerates no virtual node's taint), replicas spread over machines when they can be, non-root
 * with a read-only root filesystem (the `restricted` pod security level), configuration from the
 * ConfigMap (its hash in an annotation, so a change rolls the pod). Probes use the metrics port's
 * health endpoint: the kubelet API's `/healthz` requires credentials, as a real kubelet's does.
 */
export function burstletPodTemplateSpec(p: PodTemplateInput): k8s.types.input.core.v1.PodTemplateSpec {
  // Readiness means "can lead": a waiting replica is ready too, so rollouts and the disruption budget
  // count it; nothing routes traffic to burstlet's pods (the API server reaches the node's address).
  const probe = (failureThreshold: number): k8s.types.input.core.v1.Probe => ({
    httpGet: { path: HEALTH_PATH, port: "metrics", scheme: "HTTP" },
    periodSeconds: 10,
    timeoutSeconds: 5,
    failureThreshold,
  });
  return {
    metadata: { labels: { ...p.labels, ...p.identity.podLabels }, annotations: { "burstlet.io/config-hash": p.configHash } },
    spec: {
      serviceAccountName: p.serviceAccountName,
      priorityClassName: p.priorityClassName,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 30,
      // The image runs as an unprivileged numeric user, which runAsNonRoot can verify.
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              {
                matchExpressions: [
                  { key: VIRTUAL_NODE_TYPE_LABEL.key, operator: "NotIn", values: [VIRTUAL_NODE_TYPE_LABEL.value] },
                  { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                ],
              },
            ],
          },
        },
        // Two replicas on one machine would both go with it.
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: HOSTNAME_LABEL, labelSelector: { matchLabels: p.selector } } },
          ],
        },
      },
      containers: [
        {
          name: "burstlet",
          image: p.image,
          imagePullPolicy: "IfNotPresent",
          envFrom: [{ configMapRef: { name: p.configMapName } }],
          env: p.env,
          ports: [
            { name: "kubelet-api", containerPort: p.kubeletPort, protocol: "TCP" },
            { name: "metrics", containerPort: p.metricsPort, protocol: "TCP" },
          ],
          startupProbe: { ...probe(30), periodSeconds: 2 },
          livenessProbe: probe(3),
          readinessProbe: probe(1),
          resources: {
            requests: p.resources?.requests ?? { cpu: "100m", memory: "128Mi" },
            limits: p.resources?.limits ?? { memory: "512Mi" },
          },
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...p.identity.volumeMounts],
        },
      ],
      volumes: [{ name: "tmp", emptyDir: {} }, ...p.identity.volumes],
    },
  };
}
