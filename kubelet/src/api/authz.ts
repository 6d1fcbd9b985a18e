/**
 * Whether a user may make a kubelet API request: a SubjectAccessReview per attribute set (see
 * `attributes`), asked of the API server as the kubelet's webhook authoriser does. Decisions are
 * cached briefly — allowed for 30 s, denied for 10 s by default — in a bounded cache, so a burst of
 * log requests costs one review and a revoked permission takes effect within seconds.
 */
import { AuthorizationV1Api, type KubeConfig } from "@kubernetes/client-node";
import { LruCache } from "../registry/lru";
import type { NodeAttributes } from "./attributes";
import type { UserInfo } from "./authn";

export interface Decision {
  readonly allowed: boolean;
  readonly reason?: string;
}

/** Asks the API server one question. */
export type AccessReviewer = (user: UserInfo, attributes: NodeAttributes) => Promise<Decision>;

export function subjectAccessReviewer(kubeConfig: KubeConfig): AccessReviewer {
  const api = kubeConfig.makeApiClient(AuthorizationV1Api);
  return async (user, a) => {
    const review = await api.createSubjectAccessReview({
      body: {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          uid: user.uid,
          groups: [...user.groups],
          extra: user.extra ? Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]])) : undefined,
          resourceAttributes: { verb: a.verb, resource: a.resource, subresource: a.subresource, name: a.name, namespace: "", group: "", version: "v1" },
        },
      },
    });
    return { allowed: !!review.status?.allowed && !review.status.denied, reason: review.status?.reason };
  };
}

export interface AuthorizerOptions {
  readonly review: AccessReviewer;
  /** @default 30_000 */
  readonly allowedTtlMs?: number;
  /** @default 10_000 */
  readonly deniedTtlMs?: number;
  /** @default 4096 */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

/** The cache key of one question: who (all of it) and what. */
export function decisionKey(user: UserInfo, a: NodeAttributes): string {
  const extra = Object.entries(user.extra ?? {}).sort(([x], [y]) => x.localeCompare(y));
  return JSON.stringify([user.username, user.uid ?? "", [...user.groups].sort(), extra, a.verb, a.resource, a.subresource, a.name]);
}

export class Authorizer {
  private readonly cache: LruCache<string, Decision>;

  constructor(private readonly options: AuthorizerOptions) {
    this.cache = new LruCache(options.cacheSize ?? 4096, options.now);
  }

  /** Allowed when any attribute set is (fine-grained first, then `proxy`); errors propagate. */
  async authorize(user: UserInfo, candidates: readonly NodeAttributes[]): Promise<Decision> {
    let last: Decision = { allowed: false };
    for (const a of candidates) {
      last = await this.decide(user, a);
      if (last.allowed) return last;
    }
    return last;
  }

  private async decide(user: UserInfo, a: NodeAttributes): Promise<Decision> {
    const key = decisionKey(user, a);
    const cached = this.cache.get(key);
    if (cached) return cached;
    const decision = await this.options.review(user, a);
    this.cache.set(key, decision, decision.allowed ? (this.options.allowedTtlMs ?? 30_000) : (this.options.deniedTtlMs ?? 10_000));
    return decision;
  }
}
