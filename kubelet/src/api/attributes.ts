/**
 * What a request to the kubelet API asks for, in the API server's authorisation terms — the same
 * mapping the kubelet uses (pkg/kubelet/server/auth.go, and the kubelet authn/authz reference):
 *
 * | path            | resource | subresource                      |
 * |-----------------|----------|----------------------------------|
 * | `/stats/*`      | nodes    | stats                            |
 * | `/metrics/*`    | nodes    | metrics                          |
 * | `/logs/*`       | nodes    | log                              |
 * | `/spec/*`       | nodes    | spec                             |
 * | `/checkpoint/*` | nodes    | checkpoint                       |
 * | `/pods`, `/runningpods` | nodes | pods, then proxy (fine-grained) |
 * | `/healthz`      | nodes    | healthz, then proxy (fine-grained) |
 * | everything else (`/containerLogs`, `/exec`, `/attach`, `/portForward`, `/run`) | nodes | proxy |
 *
 * The verb comes from the HTTP method: GET and HEAD → get, POST → create, PUT → update,
 * PATCH → patch, DELETE → delete. Namespace and API group are always empty; the name is the node's.
 */

/** One SubjectAccessReview's resource attributes. */
export interface NodeAttributes {
  readonly verb: string;
  readonly resource: "nodes";
  readonly subresource: string;
  readonly name: string;
}

const VERBS: Readonly<Record<string, string>> = { GET: "get", HEAD: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };

/** Path prefixes with a subresource of their own. */
const SPECIFIC: ReadonlyArray<readonly [string, string]> = [
  ["/stats", "stats"],
  ["/metrics", "metrics"],
  ["/logs", "log"],
  ["/spec", "spec"],
  ["/checkpoint", "checkpoint"],
];

/** Paths checked with a fine-grained subresource first, falling back to `proxy`. */
const FINE_GRAINED: ReadonlyArray<readonly [string, string]> = [
  ["/pods", "pods"],
  ["/runningpods", "pods"],
  ["/healthz", "healthz"],
  ["/configz", "configz"],
];

/** Whether `path` is `prefix` or lies below it (`/stats` matches `/stats/summary`, not `/statsx`). */
export function isSubpath(path: string, prefix: string): boolean {
  const p = prefix.replace(/\/$/, "");
  return path === p || (path.startsWith(p) && path[p.length] === "/");
}

/** The HTTP method's authorisation verb; an unknown method gets an empty verb, which no rule grants. */
export function verbFor(method: string): string {
  return VERBS[method.toUpperCase()] ?? "";
}

/**
 * The attribute sets that may authorise this request, in order: the request is allowed when any
 * one is. Most paths have one; the fine-grained ones have their own subresource, then `proxy`.
 */
export function requestAttributes(method: string, path: string, nodeName: string): NodeAttributes[] {
  const verb = verbFor(method);
  const make = (subresource: string): NodeAttributes => ({ verb, resource: "nodes", subresource, name: nodeName });
  const specific = SPECIFIC.find(([prefix]) => isSubpath(path, prefix));
  if (specific) return [make(specific[1])];
  const fine = FINE_GRAINED.find(([prefix]) => isSubpath(path, prefix));
  if (fine) return [make(fine[1]), make("proxy")];
  return [make("proxy")];
}
