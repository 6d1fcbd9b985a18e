/**
 * Reads an image's ENTRYPOINT and CMD from its registry over the OCI distribution API: the manifest
 * (for an index, the linux/amd64 entry — ACI's platform), then the config blob. Anonymous, or with
 * a pull secret's credentials as HTTP Basic or through the registry's bearer-token challenge.
 * Plain HTTP only for registries configured as insecure. Results are cached in a bounded LRU: by
 * digest for good, by tag for a short while (tags move).
 */
import { createHash } from "node:crypto";
import { ImagePullError, ThrottledError, TransientError } from "../errors";
import { registryFailureClass } from "../aci/failure-classes";
import { parseChallenge } from "./auth-challenge";
import type { RegistryCredential } from "./docker-config";
import { parseImageReference, registryApiHost, type ImageReference } from "./image-reference";
import { LruCache } from "./lru";

export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
}

export interface ImageConfigResolverOptions {
  /** Registries (as in image references, e.g. `127.0.0.1:5000`) reached over plain HTTP. */
  readonly insecureRegistries?: readonly string[];
  /** Per-request timeout. @default 15000 */
  readonly timeoutMs?: number;
  /** Cached results. @default 512 */
  readonly cacheSize?: number;
  /** How long a tag's result is trusted. @default 300000 */
  readonly tagTtlMs?: number;
  readonly fetch?: typeof fetch;
}

const MANIFEST_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;
const ACCEPT = Object.values(MANIFEST_TYPES).join(", ");
/** ACI runs Linux containers on amd64. */
const PLATFORM = { os: "linux", architecture: "amd64" } as const;

interface Manifest {
  mediaType?: string;
  manifests?: { digest: string; mediaType?: string; platform?: { os?: string; architecture?: string } }[];
  config?: { digest: string };
}

export class ImageConfigResolver {
  private readonly cache: LruCache<string, ImageConfig>;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly tagTtlMs: number;
  private readonly insecure: ReadonlySet<string>;

  constructor(options: ImageConfigResolverOptions = {}) {
    this.cache = new LruCache(options.cacheSize ?? 512);
    this.fetch = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.tagTtlMs = options.tagTtlMs ?? 300_000;
    this.insecure = new Set(options.insecureRegistries ?? []);
  }

  /**
   * The image's entrypoint and cmd. Throws `ImagePullError` when the image does not exist, has no
   * variant ACI can run, or the credentials do not grant access; `ThrottledError` or
   * `TransientError` when the registry slows down, fails or times out.
   */
  async resolve(image: string, credential?: RegistryCredential): Promise<ImageConfig> {
    const ref = parseImageReference(image);
    const key = `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? "latest"}`}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const session = new RegistrySession(image, ref, this.baseUrl(ref), credential, this.fetch, this.timeoutMs);
    const config = await session.imageConfig(ref.digest ?? ref.tag ?? "latest");
    this.cache.set(key, config, ref.digest ? Infinity : this.tagTtlMs);
    return config;
  }

  private baseUrl(ref: ImageReference): string {
    const scheme = this.insecure.has(ref.registry) ? "http" : "https";
    return `${scheme}://${registryApiHost(ref.registry)}/v2/${ref.repository}`;
  }
}

/** The requests for one image, sharing the authorisation the registry grants. */
class RegistrySession {
  private authorization: string | undefined;

  constructor(
    private readonly image: string,
    private readonly ref: ImageReference,
    private readonly base: string,
    private readonly credential: RegistryCredential | undefined,
    private readonly fetchFn: typeof globalThis.fetch,
    private readonly timeoutMs: number,
  ) {}

  async imageConfig(reference: string): Promise<ImageConfig> {
    let manifest = await this.json<Manifest>(`${this.base}/manifests/${reference}`, ACCEPT);
    if (manifest.manifests) {
      const entry = manifest.manifests.find((m) => m.platform?.os === PLATFORM.os && m.platform.architecture === PLATFORM.architecture);
      if (!entry) throw new ImagePullError(this.image, `image ${this.describe()} has no ${PLATFORM.os}/${PLATFORM.architecture} variant, which ACI needs`);
      manifest = await this.json<Manifest>(`${this.base}/manifests/${entry.digest}`, ACCEPT);
    }
    const digest = manifest.config?.digest;
    if (!digest) throw new ImagePullError(this.image, `image ${this.describe()} has a manifest without a config`);
    const blob = await this.get(`${this.base}/blobs/${digest}`, "*/*");
    const bytes = Buffer.from(await blob.arrayBuffer());
    verifyDigest(bytes, digest, this.describe());
    const parsed = JSON.parse(bytes.toString("utf8")) as { config?: { Entrypoint?: string[] | null; Cmd?: string[] | null } };
    return { entrypoint: parsed.config?.Entrypoint ?? [], cmd: parsed.config?.Cmd ?? [] };
  }

  private async json<T>(url: string, accept: string): Promise<T> {
    const response = await this.get(url, accept);
    return (await response.json()) as T;
  }

  /** GET with the session's authorisation; answers one authentication challenge, then gives up. */
  private async get(url: string, accept: string): Promise<Response> {
    let response = await this.send(url, accept);
    if (response.status === 401) {
      await response.body?.cancel();
      this.authorization = await this.authorize(response.headers.get("www-authenticate"));
      if (this.authorization) response = await this.send(url, accept);
    }
    if (response.ok) return response;
    await response.body?.cancel();
    const retryAfter = Number(response.headers.get("retry-after"));
    const hint = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
    switch (registryFailureClass(response.status)) {
      case "image": {
        const what = response.status === 404 ? "not found" : this.credential ? "refused: the pull secret's credentials were not accepted" : "refused: it may need an image pull secret";
        throw new ImagePullError(this.image, `registry answered ${response.status} for ${this.describe()}: ${what}`);
      }
      case "throttled":
        throw new ThrottledError(`registry answered ${response.status} for ${this.describe()}`, hint);
      default:
        throw new TransientError(`registry answered ${response.status} for ${this.describe()}`, hint);
    }
  }

  private async send(url: string, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept };
    if (this.authorization) headers.authorization = this.authorization;
    try {
      return await this.fetchFn(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new TransientError(`registry request for ${this.describe()} failed: ${(error as Error).message}`, undefined, { cause: error });
    }
  }

  /** The `Authorization` header answering a challenge, or undefined when it cannot be answered. */
  private async authorize(header: string | null): Promise<string | undefined> {
    const challenge = parseChallenge(header);
    const basic = this.credential ? `Basic ${Buffer.from(`${this.credential.username}:${this.credential.password}`).toString("base64")}` : undefined;
    if (!challenge || challenge.scheme === "basic") return basic;
    const realm = challenge.params.realm;
    if (!realm) return undefined;
    const tokenUrl = new URL(realm);
    if (challenge.params.service) tokenUrl.searchParams.set("service", challenge.params.service);
    tokenUrl.searchParams.set("scope", challenge.params.scope ?? `repository:${this.ref.repository}:pull`);
    const headers: Record<string, string> = basic ? { authorization: basic } : {};
    let response: Response;
    try {
      response = await this.fetchFn(tokenUrl, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      throw new TransientError(`token request for ${this.describe()} failed: ${(error as Error).message}`, undefined, { cause: error });
    }
    if (!response.ok) {
      await response.body?.cancel();
      if (response.status >= 500) throw new TransientError(`token service answered ${response.status} for ${this.describe()}`);
      return undefined;
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }

  private describe(): string {
    return `${this.ref.registry}/${this.ref.repository}${this.ref.digest ? `@${this.ref.digest}` : `:${this.ref.tag ?? "latest"}`}`;
  }
}

/** Content addressing: a blob must hash to its digest (sha256 is what registries use). */
function verifyDigest(bytes: Buffer, digest: string, image: string): void {
  const [algorithm, expected] = digest.split(":");
  if (algorithm !== "sha256") return;
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== expected) throw new TransientError(`config blob of ${image} does not match its digest ${digest}`);
}
