/**
 * Reads what a pod refers to from the API server, for translation: secrets and config maps of its
 * namespace, and bound service-account tokens (TokenRequest, bound to the pod so they die with it).
 */
import { CoreV1Api, type KubeConfig, type V1ConfigMap, type V1Pod, type V1Secret } from "@kubernetes/client-node";
import { isNotFound } from "../util/kube-errors";

export interface ReferenceReader {
  /** The secret, or undefined when it does not exist. */
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
  configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined>;
  /** A token of the pod's service account for `audience` (`""` = the API server's). */
  serviceAccountToken(pod: V1Pod, audience: string, expirationSeconds: number): Promise<string>;
}

export class KubeReferenceReader implements ReferenceReader {
  private readonly core: CoreV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  async secret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return this.core.readNamespacedSecret({ namespace, name }).catch(absentOnNotFound);
  }

  async configMap(namespace: string, name: string): Promise<V1ConfigMap | undefined> {
    return this.core.readNamespacedConfigMap({ namespace, name }).catch(absentOnNotFound);
  }

  async serviceAccountToken(pod: V1Pod, audience: string, expirationSeconds: number): Promise<string> {
    const answer = await this.core.createNamespacedServiceAccountToken({
      namespace: pod.metadata!.namespace!,
      name: pod.spec?.serviceAccountName ?? "default",
      body: {
        spec: {
          audiences: audience ? [audience] : [],
          expirationSeconds,
          boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name!, uid: pod.metadata!.uid! },
        },
      },
    });
    const token = answer.status?.token;
    if (!token) throw new Error(`TokenRequest for ${pod.metadata!.namespace}/${pod.spec?.serviceAccountName ?? "default"} returned no token`);
    return token;
  }
}

function absentOnNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}
