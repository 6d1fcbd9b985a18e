/**
 * Container group names. ACI allows 1–63 lowercase letters, digits and single hyphens, starting and
 * ending with a letter or digit, unique within a resource group. A name is derived from the pod's
 * namespace and name (so people can read it) and a hash of namespace, name and UID (so two pods
 * never share one, even when truncation makes their readable parts equal).
 */
import { createHash } from "node:crypto";

/** ACI's maximum container group name length. */
export const MAX_GROUP_NAME_LENGTH = 63;

/** Hex digits of the hash kept in a name: 48 bits, so accidental collisions need ~16 million pods. */
const HASH_LENGTH = 12;
/** The namespace's share of the readable part; the pod name gets the rest. */
const MAX_NAMESPACE_PART = 20;

export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/**
 * The container group name of a pod: `<namespace>-<name>-<hash>`, truncated to fit 63 characters.
 * The same pod always gets the same name; a pod recreated under the same name gets a new UID and
 * hence a new group, so a group being deleted never blocks its successor.
 */
export function containerGroupName(pod: PodIdentity): string {
  const hash = createHash("sha256").update(`${pod.namespace}/${pod.name}/${pod.uid}`).digest("hex").slice(0, HASH_LENGTH);
  const budget = MAX_GROUP_NAME_LENGTH - HASH_LENGTH - 1;
  const namespace = sanitize(pod.namespace).slice(0, MAX_NAMESPACE_PART);
  const readable = sanitize(`${namespace}-${sanitize(pod.name)}`).slice(0, budget);
  const prefix = trimHyphens(readable);
  return prefix === "" ? hash : `${prefix}-${hash}`;
}

/** True when `name` satisfies ACI's container group naming rule. */
export function isValidGroupName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_GROUP_NAME_LENGTH && /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name);
}

/** Lowercases, maps every other character to `-`, collapses runs of `-` and trims them at both ends. */
function sanitize(value: string): string {
  return trimHyphens(value.toLowerCase().replace(/[^a-z0-9]+/g, "-"));
}

function trimHyphens(value: string): string {
  return value.replace(/^-+/, "").replace(/-+$/, "");
}
