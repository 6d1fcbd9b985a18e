/**
 * A tiny stand-in for Microsoft Entra ID, so that unchanged `@azure/identity` credentials obtain
 * tokens the emulator then accepts:
 *
 * - App Service managed identity (what `ManagedIdentityCredential`, and so `DefaultAzureCredential`,
 *   pick when `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` are set and `IDENTITY_SERVER_THUMBPRINT`
 *   is not — MSAL Node's source order is Service Fabric, App Service, Machine Learning, Cloud Shell,
 *   Azure Arc, IMDS): `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...` with the
 *   `X-IDENTITY-HEADER` secret, answered `{ access_token, expires_on, resource, token_type, client_id }`
 *   with `expires_on` in epoch seconds.
 * - Client credentials (`ClientSecretCredential` with `authorityHost` set to the emulator and
 *   `disableInstanceDiscovery`): OpenID discovery at `/{tenant}/v2.0/.well-known/openid-configuration`
 *   and `POST /{tenant}/oauth2/v2.0/token`.
 *
 * Tokens are opaque random strings remembered with their expiry and the principal they were issued
 * to (a client id and its object id), which authorization then checks. Besides the emulator's own
 * client, more clients (service principals, user-assigned identities) may be registered; the
 * managed-identity endpoint picks one by its `client_id` parameter, as Azure's does.
 */
import { randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Principal } from "./authorization";
import { armErrors } from "./errors";

export const MSI_TOKEN_PATH = "/msi/token";

export interface IdentityOptions {
  /** Lifetime of issued tokens. @default 3600 */
  readonly tokenLifetimeSeconds?: number;
  readonly tenantId?: string;
  /** Client id reported for the managed identity and accepted for client credentials. */
  readonly clientId?: string;
  /** Object id of that client (what role assignments name). @default random */
  readonly objectId?: string;
  /** Secret accepted for client credentials. @default random */
  readonly clientSecret?: string;
  /** The `IDENTITY_HEADER` value. @default random */
  readonly identityHeader?: string;
}

export interface IdentityResponse {
  readonly status: number;
  readonly body: unknown;
}

interface Client {
  readonly principal: Principal;
  readonly secret: string;
}

export class TokenAuthority {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly identityHeader: string;
  readonly tokenLifetimeSeconds: number;
  /** The emulator's own client: who tokens are issued to unless another client asks. */
  readonly principal: Principal;
  /** Issued tokens: expiry (epoch ms), who they were issued to, and the audience asked for, when one was. */
  private readonly tokens = new Map<string, { readonly expiresOn: number; readonly principal: Principal; readonly audience?: string }>();
  private readonly clients = new Map<string, Client>();
  private issuedSincePurge = 0;

  constructor(options: IdentityOptions = {}) {
    this.tenantId = options.tenantId ?? randomUUID();
    this.clientId = options.clientId ?? randomUUID();
    this.clientSecret = options.clientSecret ?? randomBytes(24).toString("base64url");
    this.identityHeader = options.identityHeader ?? randomBytes(24).toString("base64url");
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3600;
    this.principal = { clientId: this.clientId, objectId: options.objectId ?? randomUUID() };
    this.clients.set(this.clientId, { principal: this.principal, secret: this.clientSecret });
  }

  /** Registers another client (a service principal or user-assigned identity); returns its secret. */
  addClient(principal: Principal, secret = randomBytes(24).toString("base64url")): string {
    this.clients.set(principal.clientId, { principal, secret });
    return secret;
  }

  /** The secret a registered client authenticates with. */
  secretOf(clientId: string): string {
    const client = this.clients.get(clientId);
    if (!client) throw new TypeError(`no client '${clientId}' is registered with the emulator`);
    return client.secret;
  }

  /** Issues a token (also usable directly by tests). */
  issue(lifetimeSeconds = this.tokenLifetimeSeconds, audience?: string, principal: Principal = this.principal): { token: string; expiresOn: number } {
    if (++this.issuedSincePurge > 1000) this.purge();
    const token = randomBytes(32).toString("base64url");
    const expiresOn = Date.now() + lifetimeSeconds * 1000;
    this.tokens.set(token, { expiresOn, principal, ...(audience ? { audience: audience.replace(/\/\.default$/, "").replace(/\/$/, "") } : {}) });
    return { token, expiresOn };
  }

  /** Forgets every issued token: the next ARM call with an old token gets 401. */
  revokeAll(): void {
    this.tokens.clear();
  }

  /**
   * Checks an `Authorization` header and returns who the token was issued to; throws ARM's 401
   * answers. With `audiences`, a token issued for any other audience is refused too (a data-plane
   * API takes only tokens meant for it).
   */
  verify(authorization: string | undefined, audiences?: readonly string[]): Principal {
    if (!authorization) throw armErrors.authenticationMissing();
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const issued = match ? this.tokens.get(match[1]) : undefined;
    if (issued === undefined) throw armErrors.invalidToken();
    const now = Date.now();
    if (issued.expiresOn <= now) throw armErrors.expiredToken(new Date(issued.expiresOn), new Date(now));
    if (audiences && issued.audience && !audiences.includes(issued.audience)) throw armErrors.wrongAudience(issued.audience, audiences);
    return issued.principal;
  }

  /** Serves the token endpoints; returns undefined when the path is not one of them. */
  handle(method: string, pathname: string, query: URLSearchParams, headers: Record<string, string | string[] | undefined>, body: string, baseUrl: string): IdentityResponse | undefined {
    if (pathname === MSI_TOKEN_PATH) return method === "GET" ? this.managedIdentity(query, headers) : { status: 405, body: { error: "method_not_allowed" } };
    const discovery = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(pathname);
    if (discovery && method === "GET") return { status: 200, body: this.openIdConfiguration(baseUrl, decodeURIComponent(discovery[1])) };
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(pathname);
    if (token && method === "POST") return this.clientCredentials(new URLSearchParams(body));
    return undefined;
  }

  private managedIdentity(query: URLSearchParams, headers: Record<string, string | string[] | undefined>): IdentityResponse {
    const header = headers["x-identity-header"];
    if (typeof header !== "string" || !safeEqual(header, this.identityHeader)) {
      return { status: 401, body: { statusCode: 401, message: "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong." } };
    }
    const resource = query.get("resource");
    if (!resource) return { status: 400, body: { statusCode: 400, message: "The 'resource' query parameter is required." } };
    const wanted = query.get("client_id") ?? this.clientId;
    const client = this.clients.get(wanted);
    if (!client) return { status: 400, body: { statusCode: 400, message: `No managed identity with client id '${wanted}' is assigned to this resource.` } };
    const { token, expiresOn } = this.issue(this.tokenLifetimeSeconds, resource, client.principal);
    return {
      status: 200,
      body: { access_token: token, expires_on: String(Math.floor(expiresOn / 1000)), resource, token_type: "Bearer", client_id: client.principal.clientId },
    };
  }

  private openIdConfiguration(baseUrl: string, tenant: string): Record<string, unknown> {
    const root = `${baseUrl}/${tenant}`;
    return {
      token_endpoint: `${root}/oauth2/v2.0/token`,
      authorization_endpoint: `${root}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${root}/oauth2/v2.0/logout`,
      jwks_uri: `${root}/discovery/v2.0/keys`,
      issuer: `${root}/v2.0`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      tenant_region_scope: "WW",
    };
  }

  private clientCredentials(form: URLSearchParams): IdentityResponse {
    if (form.get("grant_type") !== "client_credentials") {
      return { status: 400, body: { error: "unsupported_grant_type", error_description: "AADSTS70003: The app requested an unsupported grant type." } };
    }
    const client = this.clients.get(form.get("client_id") ?? "");
    if (!client || !safeEqual(form.get("client_secret") ?? "", client.secret)) {
      return { status: 401, body: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." } };
    }
    const { token } = this.issue(this.tokenLifetimeSeconds, form.get("scope")?.split(" ")[0], client.principal);
    return { status: 200, body: { token_type: "Bearer", expires_in: this.tokenLifetimeSeconds, ext_expires_in: this.tokenLifetimeSeconds, access_token: token } };
  }

  private purge(): void {
    this.issuedSincePurge = 0;
    const now = Date.now();
    for (const [token, { expiresOn }] of this.tokens) if (expiresOn <= now) this.tokens.delete(token);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
