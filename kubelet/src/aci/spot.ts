/**
 * Spot priority: a pod may ask for ACI's Spot container groups (interruptible capacity at a
 * discount) with the annotation `burstlet.io/priority: Spot`. burstlet honours it only where ACI
 * allows Spot, and otherwise rejects the pod at admission, naming the annotation and what to do,
 * rather than sending a create that ACI refuses (or placing the group where the node promised
 * something Spot cannot give). Pure.
 *
 * What ACI allows, from its documentation (Spot containers are a preview):
 * - "Spot container groups can't be deployed behind a virtual network", "won't be assigned a
 *   public IP endpoint", and "don't support the ability to pin Availability Zones"
 *   (https://learn.microsoft.com/azure/container-instances/container-instances-spot-containers-overview);
 * - at most 4 vCPU and 16 GB per group, "only available in the following regions at this time:
 *   East US 2, West Europe, and West US"
 *   (https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits,
 *   "Spot Container Resources");
 * - no GPU, Standard SKU only
 *   (https://learn.microsoft.com/troubleshoot/azure/azure-container-instances/configuration-setup/error-codes-spot-container-creation).
 *   burstlet never requests a GPU (admission rejects it) nor another SKU.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ACI_PRIORITIES, ACI_PUBLIC_IP_ANNOTATION, type AciPriority, PRIORITY_ANNOTATION } from "../constants";
import { AdmissionError } from "../errors";

/** The regions ACI offers Spot container groups in, by their ARM names. */
export const SPOT_REGIONS: readonly string[] = ["eastus2", "westeurope", "westus"];

/** The most one Spot container group may have. */
export const SPOT_GROUP_MAXIMA = { cpu: 4, memoryGB: 16 } as const;

/** The admission reason of a pod whose Spot request this node cannot honour. */
export const SPOT_REJECTED_REASON = "SpotNotAllowed";

/** What of the node and the pod decides whether Spot is allowed. */
export interface SpotContext {
  readonly location: string;
  readonly zone?: string;
  /** The node puts groups in an ACI subnet (VNet injection). */
  readonly vnet: boolean;
  /** The group's requests in all, after rounding to ACI's steps. */
  readonly cpu: number;
  readonly memoryGB: number;
}

/**
 * The priority the pod asks for, or undefined when it asks for none. Throws `AdmissionError` for a
 * value ACI does not know.
 */
export function requestedPriority(pod: V1Pod): AciPriority | undefined {
  const raw = pod.metadata?.annotations?.[PRIORITY_ANNOTATION];
  if (raw === undefined) return undefined;
  const priority = ACI_PRIORITIES.find((p) => p.toLowerCase() === raw.trim().toLowerCase());
  if (!priority) {
    throw new AdmissionError(SPOT_REJECTED_REASON, `metadata.annotations[${PRIORITY_ANNOTATION}]`, `Pod was rejected: metadata.annotations[${PRIORITY_ANNOTATION}]: "${raw}" is not an Azure Container Instances priority; use one of ${ACI_PRIORITIES.join(", ")}`);
  }
  return priority;
}

/** Throws `AdmissionError` when the pod asks for Spot and ACI cannot give it here. */
export function admitSpot(pod: V1Pod, ctx: SpotContext): void {
  if (requestedPriority(pod) !== "Spot") return;
  const field = `metadata.annotations[${PRIORITY_ANNOTATION}]`;
  const reject = (why: string): never => {
    throw new AdmissionError(SPOT_REJECTED_REASON, field, `Pod was rejected: ${field}: Spot was asked for, but ${why}; remove the annotation (or set it to Regular) to run at regular priority`);
  };
  const region = ctx.location.toLowerCase().replace(/\s+/g, "");
  if (ctx.vnet) reject("Azure Container Instances cannot put a Spot container group in a virtual network, and this node puts every group in its ACI subnet (--subnet-id); run the pod on a node without a subnet");
  if (ctx.zone) reject(`Azure Container Instances cannot pin a Spot container group to an availability zone, and this node's groups are pinned to zone ${ctx.zone} (--zone); run the pod on a node without a zone`);
  if (!SPOT_REGIONS.includes(region)) reject(`Azure Container Instances offers Spot container groups only in ${SPOT_REGIONS.join(", ")}, not in ${ctx.location}`);
  if (pod.metadata?.annotations?.[ACI_PUBLIC_IP_ANNOTATION] === "true" && (pod.spec?.containers ?? []).some((c) => (c.ports ?? []).length > 0)) {
    reject(`a Spot container group gets no public IP, and the pod asks for one (${ACI_PUBLIC_IP_ANNOTATION}); remove that annotation`);
  }
  if (ctx.cpu > SPOT_GROUP_MAXIMA.cpu) reject(`the pod requests ${ctx.cpu} cores in all, and a Spot container group can have at most ${SPOT_GROUP_MAXIMA.cpu}`);
  if (ctx.memoryGB > SPOT_GROUP_MAXIMA.memoryGB) reject(`the pod requests ${ctx.memoryGB} GB of memory in all, and a Spot container group can have at most ${SPOT_GROUP_MAXIMA.memoryGB} GB`);
}
