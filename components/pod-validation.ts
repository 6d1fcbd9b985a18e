/**
 * Can the virtual node run this pod? The answer comes from the kubelet's own translation
 * (`kubelet/src/aci/translate`): a pod template is translated as burstlet would translate its pods,
 * so a feature ACI lacks fails `pulumi preview` instead of a pod at run time, and the two halves
 * can never disagree. References that only exist in the cluster (secrets, config maps, image
 * entrypoints) are not checked here; burstlet reports those on the pod.
 */
import type { V1Pod, V1PodSpec } from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import { translatePod } from "../kubelet/src/aci/translate";
import { InvalidInputError, UnsupportedError } from "../kubelet/src/errors";

/** Stands in for values not known until deployment (images, secrets from outputs). */
const PLACEHOLDER = "placeholder";

export interface PodCheckOptions {
  /**
   * Every container must set `command`: burst workloads spell out what runs, since ACI replaces
   * the image's entrypoint with a single command and cannot append `args` to it.
   */
  readonly requireCommand?: boolean;
  readonly namespace?: string;
}

/**
 * Why the virtual node cannot run a pod with this spec: one message per problem, each naming the
 * field (`spec.volumes[0].hostPath: ...`). Empty when it can.
 */
export function virtualNodePodProblems(spec: unknown, options: PodCheckOptions = {}): string[] {
  const plain = withPlaceholders(spec) as V1PodSpec;
  const problems: string[] = [];
  const containers = Array.isArray(plain.containers) ? plain.containers : [];
  const initContainers = Array.isArray(plain.initContainers) ? plain.initContainers : [];
  if (options.requireCommand) {
    for (const [kind, list] of [["containers", containers], ["initContainers", initContainers]] as const) {
      list.forEach((c, i) => {
        const command = c.command ?? [];
        if (command.length === 0 || command.some((part) => typeof part !== "string" || part.trim() === "")) {
          problems.push(`spec.${kind}[${i}].command: container "${c.name}" must set command; ACI runs a single command and cannot append args to the image's entrypoint`);
        }
      });
    }
  }
  const pod: V1Pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "check", namespace: options.namespace ?? "default", uid: "00000000-0000-0000-0000-000000000000" },
    spec: { ...plain, containers },
  };
  try {
    translatePod(pod, {
      clusterName: PLACEHOLDER,
      nodeName: PLACEHOLDER,
      location: PLACEHOLDER,
      secrets: new Map(),
      configMaps: new Map(),
      imageConfigs: new Map(),
    });
  } catch (error) {
    if (error instanceof UnsupportedError) {
      problems.push(error.message);
    } else if (!(error instanceof InvalidInputError)) {
      // A missing reference (InvalidInputError) is expected here; anything else is a bug.
      throw error;
    }
  }
  return problems;
}

/**
 * A deep copy with every value that is not known yet (an `Output` or a promise) replaced by a
 * placeholder string, so the structure can be checked at construction time.
 */
export function withPlaceholders(value: unknown): unknown {
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return PLACEHOLDER;
  if (Array.isArray(value)) return value.map(withPlaceholders);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, withPlaceholders(v)]));
  }
  return value;
}
