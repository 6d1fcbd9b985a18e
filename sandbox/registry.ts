/**
 * A local OCI registry (Distribution's `registry`, built from the Go module proxy like the control
 * plane) on 127.0.0.1 over plain HTTP, optionally behind htpasswd Basic auth (a bcrypt entry written
 * with bcryptjs), plus a tiny pusher that uploads images through the registry HTTP API.
 * The registry runs as a child process that `stop()` ends by process id.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";
import bcrypt from "bcryptjs";
import { ensureRegistryBinary } from "./binaries";
import { eventually } from "./eventually";
import { freePort } from "./ports";
import { ProcessGroup } from "./process-group";

export interface RegistryUser {
  readonly username: string;
  readonly password: string;
}

export interface ImageSpec {
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly architecture?: string;
}

export interface LocalRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  readonly host: string;
  /** Pushes a one-layer image; returns the manifest digest. */
  pushImage(repository: string, tag: string, image: ImageSpec, format?: "oci" | "docker"): Promise<string>;
  /** Pushes an OCI index of one image per architecture; returns the index digest. */
  pushIndex(repository: string, tag: string, images: readonly ImageSpec[]): Promise<string>;
  stop(): Promise<void>;
}

const MEDIA = {
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar+gzip",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

export async function startRegistry(options: { user?: RegistryUser } = {}): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), "burstlet-registry-"));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const auth = options.user ? `auth:\n  htpasswd:\n    realm: burstlet-sandbox\n    path: ${writeHtpasswd(dir, options.user)}\n` : "";
  const config = path.join(dir, "config.yml");
  writeFileSync(config, `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, "data")}\nhttp:\n  addr: ${host}\n${auth}`);
  const binary = await ensureRegistryBinary();
  const processes = new ProcessGroup(dir);
  // Distribution 3 exports OpenTelemetry traces unless told not to; the sandbox has no collector.
  const registry = processes.start("registry", binary.path("registry"), ["serve", config], { ...process.env, OTEL_TRACES_EXPORTER: "none" });
  const stop = async (): Promise<void> => {
    await processes.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (registry.child.exitCode !== null) throw new Error(`registry exited:\n${processes.tails()}`);
        const response = await fetch(`http://${host}/v2/`);
        await response.body?.cancel();
        return response.status === 200 || response.status === 401;
      },
      { what: `registry on ${host}`, timeoutMs: 20_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const pusher = new Pusher(`http://${host}`, options.user);
  return {
    host,
    pushImage: (repository, tag, image, format = "oci") => pusher.image(repository, tag, image, format),
    pushIndex: (repository, tag, images) => pusher.index(repository, tag, images),
    stop,
  };
}

/** An htpasswd file with one bcrypt entry, the only hash Distribution's htpasswd auth accepts. */
function writeHtpasswd(dir: string, user: RegistryUser): string {
  const file = path.join(dir, "htpasswd");
  writeFileSync(file, `${user.username}:${bcrypt.hashSync(user.password, 10)}\n`, { mode: 0o600 });
  return file;
}

interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

/** Uploads blobs and manifests through the registry API (monolithic upload: POST, then PUT). */
class Pusher {
  private readonly headers: Record<string, string>;

  constructor(
    private readonly base: string,
    user: RegistryUser | undefined,
  ) {
    this.headers = user ? { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}` } : {};
  }

  async image(repository: string, tag: string, image: ImageSpec, format: "oci" | "docker"): Promise<string> {
    const manifest = await this.manifest(repository, image, format);
    return this.putManifest(repository, tag, manifest.mediaType, manifest.body);
  }

  async index(repository: string, tag: string, images: readonly ImageSpec[]): Promise<string> {
    const manifests = [];
    for (const image of images) {
      const manifest = await this.manifest(repository, image, "oci");
      const digest = await this.putManifest(repository, sha256(manifest.body), manifest.mediaType, manifest.body);
      manifests.push({ mediaType: manifest.mediaType, digest, size: manifest.body.length, platform: { os: "linux", architecture: image.architecture ?? "amd64" } });
    }
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests }));
    return this.putManifest(repository, tag, MEDIA.ociIndex, body);
  }

  private async manifest(repository: string, image: ImageSpec, format: "oci" | "docker"): Promise<{ mediaType: string; body: Buffer }> {
    const tar = Buffer.alloc(1024); // an empty tar archive: two zero blocks
    const layer = await this.blob(repository, gzipSync(tar), format === "oci" ? MEDIA.ociLayer : MEDIA.dockerLayer);
    const config = {
      architecture: image.architecture ?? "amd64",
      os: "linux",
      config: { Entrypoint: image.entrypoint ?? null, Cmd: image.cmd ?? null },
      rootfs: { type: "layers", diff_ids: [sha256(tar)] },
    };
    const configBlob = await this.blob(repository, Buffer.from(JSON.stringify(config)), format === "oci" ? MEDIA.ociConfig : MEDIA.dockerConfig);
    const mediaType = format === "oci" ? MEDIA.ociManifest : MEDIA.dockerManifest;
    return { mediaType, body: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: configBlob, layers: [layer] })) };
  }

  private async blob(repository: string, body: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(body);
    const start = await fetch(`${this.base}/v2/${repository}/blobs/uploads/`, { method: "POST", headers: this.headers });
    await expectStatus(start, 202, "start blob upload");
    const location = new URL(start.headers.get("location") ?? "", this.base);
    location.searchParams.set("digest", digest);
    const put = await fetch(location, { method: "PUT", headers: { ...this.headers, "content-type": "application/octet-stream" }, body });
    await expectStatus(put, 201, "finish blob upload");
    return { mediaType, digest, size: body.length };
  }

  private async putManifest(repository: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
    const response = await fetch(`${this.base}/v2/${repository}/manifests/${reference}`, { method: "PUT", headers: { ...this.headers, "content-type": mediaType }, body });
    await expectStatus(response, 201, `put manifest ${repository}:${reference}`);
    return sha256(body);
  }
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${what}: registry answered ${response.status}: ${text}`);
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}
