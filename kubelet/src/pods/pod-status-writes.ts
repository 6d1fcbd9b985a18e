/**
 * Writes to `pods/status`, as a node may: a pod's status when it changed, and a finished pod's
 * billed compute as annotations (the status subresource takes annotations from a node; only labels
 * are refused to it). Each patch is preconditioned on the pod's UID.
 */
import { type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod, type V1PodStatus } from "@kubernetes/client-node";
import { BILLED_GB_SECONDS_ANNOTATION, BILLED_VCPU_SECONDS_ANNOTATION } from "../constants";
import type { BilledCompute } from "../provider/provider";
import { canonicalJson } from "../util/canonical";
import { isConflict, isNotFound } from "../util/kube-errors";

/** The annotations a pod's billed compute is written as. */
export function billedAnnotations(billed: BilledCompute): Record<string, string> {
  return { [BILLED_VCPU_SECONDS_ANNOTATION]: String(billed.vcpuSeconds), [BILLED_GB_SECONDS_ANNOTATION]: String(billed.gbSeconds) };
}

export class PodStatusWrites {
  /** `onBilled` is called once per pod whose billed compute was written (for metrics). */
  constructor(private readonly core: CoreV1Api, private readonly onBilled?: (pod: V1Pod, billed: BilledCompute) => void) {}

  /**
   * Replaces the status only when something changed. A final status carries the pod's billed
   * compute in the same patch.
   */
  async setStatus(pod: V1Pod, status: V1PodStatus, billed?: BilledCompute): Promise<void> {
    const merged: V1PodStatus = { ...status, qosClass: pod.status?.qosClass ?? status.qosClass };
    const annotations = billed ? billedAnnotations(billed) : undefined;
    const annotated = annotations && Object.entries(annotations).some(([k, v]) => pod.metadata?.annotations?.[k] !== v);
    if (!annotated && canonicalJson(merged) === canonicalJson(pod.status)) return;
    try {
      // A merge patch of the whole status, preconditioned on the UID: no resourceVersion, so a
      // cache that lags our own last write cannot turn every update into a conflict.
      await this.patch(pod, { metadata: { uid: pod.metadata!.uid, ...(annotated ? { annotations } : {}) }, status: merged });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (annotated && billed) this.onBilled?.(pod, billed);
  }

  /** Writes the billed compute of a pod whose group went while it ran, and counts it. */
  async annotateBilled(pod: V1Pod, billed: BilledCompute): Promise<void> {
    try {
      await this.patch(pod, { metadata: { uid: pod.metadata!.uid, annotations: billedAnnotations(billed) } });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return this.onBilled?.(pod, billed);
      throw err;
    }
    this.onBilled?.(pod, billed);
  }

  private async patch(pod: V1Pod, body: object): Promise<void> {
    await this.core.patchNamespacedPodStatus({ namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, body }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  }
}
