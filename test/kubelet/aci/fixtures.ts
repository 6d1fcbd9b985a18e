/** Pods, secrets and translation contexts for the ACI translation and status tests. */
import type { V1ConfigMap, V1Container, V1Pod, V1PodSpec, V1Secret } from "@kubernetes/client-node";
import type { ImageConfig, TranslateContext } from "../../../kubelet/src/aci/translate";

export const POD_UID = "6f1c2e0a-93b1-4c55-9f0e-2a8f3b7d1e42";

export function container(overrides: Partial<V1Container> = {}): V1Container {
  return { name: "main", image: "busybox:1.36", ...overrides };
}

export function pod(spec: Partial<V1PodSpec> = {}, metadata: V1Pod["metadata"] = {}): V1Pod {
  return {
    metadata: { name: "worker-1", namespace: "batch", uid: POD_UID, labels: { app: "resize" }, annotations: { team: "imaging" }, ...metadata },
    spec: { containers: [container()], nodeName: "burstlet", serviceAccountName: "runner", ...spec },
  };
}

export function secret(name: string, data: Record<string, string>, type = "Opaque"): V1Secret {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));
  return { metadata: { name, namespace: "batch" }, type, data: encoded };
}

export function configMap(name: string, data: Record<string, string>, binaryData?: Record<string, string>): V1ConfigMap {
  return { metadata: { name, namespace: "batch" }, data, binaryData };
}

export function dockerConfigSecret(name: string, auths: Record<string, { username: string; password: string } | { auth: string }>): V1Secret {
  const json = JSON.stringify({ auths });
  return { metadata: { name }, type: "kubernetes.io/dockerconfigjson", data: { ".dockerconfigjson": Buffer.from(json).toString("base64") } };
}

export function context(overrides: {
  secrets?: V1Secret[];
  configMaps?: V1ConfigMap[];
  imageConfigs?: Record<string, ImageConfig>;
  extra?: Partial<TranslateContext>;
} = {}): TranslateContext {
  return {
    clusterName: "prod-weu",
    nodeName: "burstlet",
    location: "westeurope",
    secrets: new Map((overrides.secrets ?? []).map((s) => [s.metadata?.name ?? "", s])),
    configMaps: new Map((overrides.configMaps ?? []).map((c) => [c.metadata?.name ?? "", c])),
    imageConfigs: new Map(Object.entries(overrides.imageConfigs ?? {})),
    ...overrides.extra,
  };
}
