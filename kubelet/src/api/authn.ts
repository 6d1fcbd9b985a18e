/**
 * Who is calling the kubelet API: a client certificate that chains to the cluster CA (the user is
 * its common name, the groups its organisations — how the API server presents itself), else a
 * bearer token the API server vouches for through TokenReview. A request with no credentials is
 * anonymous: refused by default (the kubelet's `--anonymous-auth=false`, as on AKS), or, with
 * `anonymous` on, served as `system:anonymous` in `system:unauthenticated` and authorised like any
 * other user. A token or certificate that does not check out is refused either way, never taken
 * as anonymous (as the kubelet's authenticator chain fails on error).
 *
 * TokenReview answers are cached by a hash of the token (never the token itself) for a short
 * while, bounded in size; tokens are never logged.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Logger } from "../log";
import { LruCache } from "../registry/lru";

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Why a request has no user. */
export type AuthnFailure = "anonymous" | "invalid-certificate" | "invalid-token" | "review-failed";

export type AuthnResult = { readonly user: UserInfo } | { readonly failure: AuthnFailure };

/** Reviews a bearer token; `undefined` when the API server says it is not valid. */
export type TokenReviewer = (token: string) => Promise<UserInfo | undefined>;

/** The user of a verified client certificate, from its subject. */
export function userFromCertificate(subject: { CN?: string | string[]; O?: string | string[] } | undefined): UserInfo | undefined {
  const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const cn = list(subject?.CN)[0];
  if (!cn) return undefined;
  return { username: cn, groups: [...list(subject?.O), "system:authenticated"] };
}

/** A bearer token from an `Authorization` header, if it carries one. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : undefined;
}

export function tokenReviewer(kubeConfig: KubeConfig): TokenReviewer {
  const api = kubeConfig.makeApiClient(AuthenticationV1Api);
  return async (token) => {
    const review = await api.createTokenReview({ body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenReview", spec: { token } } });
    const u = review.status?.user;
    if (!review.status?.authenticated || !u?.username) return undefined;
    return { username: u.username, uid: u.uid, groups: u.groups ?? [], extra: u.extra };
  };
}

/** Who a request without credentials is when anonymous requests are allowed. */
export const ANONYMOUS_USER: UserInfo = { username: "system:anonymous", groups: ["system:unauthenticated"] };

export interface AuthenticatorOptions {
  readonly review: TokenReviewer;
  /** Serve requests that carry no credentials as `ANONYMOUS_USER`. @default false */
  readonly anonymous?: boolean;
  readonly log: Logger;
  /** @default 120_000 (the kubelet's token cache lifetime) */
  readonly cacheTtlMs?: number;
  /** @default 10_000 */
  readonly invalidTtlMs?: number;
  /** @default 1024 */
  readonly cacheSize?: number;
  readonly now?: () => number;
}

export class Authenticator {
  private readonly cache: LruCache<string, UserInfo | null>;

  constructor(private readonly options: AuthenticatorOptions) {
    this.cache = new LruCache(options.cacheSize ?? 1024, options.now);
  }

  async authenticate(req: IncomingMessage): Promise<AuthnResult> {
    const socket = req.socket as TLSSocket;
    const cert = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
    const presented = !!cert && Object.keys(cert).length > 0;
    if (presented && socket.authorized) {
      const user = userFromCertificate(cert.subject);
      if (user) return { user };
    }
    const token = bearerToken(req.headers.authorization);
    if (token) return this.byToken(token);
    if (presented) return { failure: "invalid-certificate" };
    return this.options.anonymous ? { user: ANONYMOUS_USER } : { failure: "anonymous" };
  }

  private async byToken(token: string): Promise<AuthnResult> {
    const key = createHash("sha256").update(token).digest("hex");
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ? { user: cached } : { failure: "invalid-token" };
    try {
      const user = await this.options.review(token);
      this.cache.set(key, user ?? null, user ? (this.options.cacheTtlMs ?? 120_000) : (this.options.invalidTtlMs ?? 10_000));
      return user ? { user } : { failure: "invalid-token" };
    } catch (err) {
      this.options.log.warn("TokenReview failed; refusing the request", { error: err });
      return { failure: "review-failed" };
    }
  }
}
