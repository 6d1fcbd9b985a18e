/**
 * KubeletImage: the burstlet image. Either a reference you give (a release, or your own build), or
 * built from `kubelet/Dockerfile` in this package and pushed to an Azure Container Registry that is
 * created here (admin user off) or given. Pushing uses the deployer's Entra identity, never a
 * registry password; the cluster's kubelet identity gets AcrPull so nodes pull without a secret.
 * The output reference pins the pushed digest, so a rebuild rolls the Deployment.
 */
import * as authorization from "@pulumi/azure-native/authorization";
import * as containerregistry from "@pulumi/azure-native/containerregistry";
import * as dockerbuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import * as path from "node:path";
import { InvalidInputError } from "../kubelet/src/errors";
import { version as packageVersion } from "../package.json";
import { exchangeAcrToken } from "./acr-credentials";
import { registryLogicalName, roleDefinitionId, subscriptionOf } from "./azure-ids";

/** The package root: the build context of the kubelet image. */
export const PACKAGE_ROOT = path.resolve(__dirname, "..");
export const KUBELET_DOCKERFILE = path.join(PACKAGE_ROOT, "kubelet", "Dockerfile");

/**
 * What the Dockerfile bundles the kubelet from: this repository's sources and lockfile, or, in an
 * installed package (npm never packs a lockfile), the bundle `npm pack` built into `kubelet/dist`.
 */
export function kubeletBundleStage(root: string, field: string): "source" | "prebuilt" {
  if (existsSync(path.join(root, "package-lock.json"))) return "source";
  if (existsSync(path.join(root, "kubelet", "dist", "main.js"))) return "prebuilt";
  throw new InvalidInputError(field, `${root} has neither package-lock.json nor kubelet/dist/main.js to build the kubelet from; give a ready \`image\` instead`);
}

export interface ExistingRegistry {
  readonly id: pulumi.Input<string>;
  readonly loginServer: pulumi.Input<string>;
}

/** Platforms the kubelet image is built for (AKS and ACI run linux/amd64); each is a `dockerbuild.Platform`. */
export const ImagePlatform = { Linux_amd64: "linux/amd64", Linux_arm64: "linux/arm64" } as const;
export type ImagePlatform = (typeof ImagePlatform)[keyof typeof ImagePlatform];

/** Azure Container Registry SKUs. */
export const RegistrySku = { Basic: "Basic", Standard: "Standard", Premium: "Premium" } as const;
export type RegistrySku = (typeof RegistrySku)[keyof typeof RegistrySku];

/** Where and how the image is built and pushed (what `HybridCluster` passes through). */
export interface ImageBuildOptions {
  /** Push here instead of creating a registry. */
  readonly registry?: ExistingRegistry;
  /** @default "Basic" */
  readonly sku?: RegistrySku;
  /** @default "burstlet" */
  readonly repository?: string;
  /** @default this package's version */
  readonly tag?: string;
  /** @default "linux/amd64" (AKS and ACI nodes) */
  readonly platform?: ImagePlatform;
}

export interface KubeletImageBuildArgs extends ImageBuildOptions {
  /** Resource group of a new registry (required without `registry`). */
  readonly resourceGroupName?: pulumi.Input<string>;
  /** @default the resource group's */
  readonly location?: pulumi.Input<string>;
}

export interface KubeletImageArgs {
  /** A ready image reference; exclusive with `build`. */
  readonly image?: pulumi.Input<string>;
  /** Build `kubelet/` and push it; exclusive with `image`. */
  readonly build?: KubeletImageBuildArgs;
  /** Principals that get AcrPull on the registry (e.g. the AKS kubelet identity's object ID). */
  readonly pullPrincipalIds?: pulumi.Input<string>[];
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class KubeletImage extends pulumi.ComponentResource {
  /** The image to run: the given reference, or `<server>/<repo>@sha256:...` of the pushed build. */
  readonly imageRef: pulumi.Output<string>;
  /** The registry the image was pushed to, when built. */
  readonly registryId?: pulumi.Output<string>;
  readonly loginServer?: pulumi.Output<string>;

  constructor(name: string, args: KubeletImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("burstlet:index:KubeletImage", name, {}, opts);
    const field = (f: string): string => `KubeletImage "${name}": ${f}`;
    if ((args.image === undefined) === (args.build === undefined)) {
      throw new InvalidInputError(field("image"), "exactly one of `image` or `build` must be set");
    }
    if (args.image !== undefined) {
      if (args.pullPrincipalIds?.length) throw new InvalidInputError(field("pullPrincipalIds"), "needs `build`: grant pull access on your own registry for a given image");
      this.imageRef = pulumi.output(args.image);
      this.registerOutputs({ imageRef: this.imageRef });
      return;
    }
    const build = args.build as KubeletImageBuildArgs;
    if (!build.registry && build.resourceGroupName === undefined) {
      throw new InvalidInputError(field("build.resourceGroupName"), "is required to create a registry; or give build.registry");
    }
    const repository = build.repository ?? "burstlet";
    if (!/^[a-z0-9]+([._/-][a-z0-9]+)*$/.test(repository)) throw new InvalidInputError(field("build.repository"), `must be a lowercase repository path, got "${repository}"`);
    const tag = build.tag ?? packageVersion;
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) throw new InvalidInputError(field("build.tag"), `must be a valid image tag, got "${tag}"`);

    let registryId: pulumi.Output<string>;
    let loginServer: pulumi.Output<string>;
    if (build.registry) {
      registryId = pulumi.output(build.registry.id);
      loginServer = pulumi.output(build.registry.loginServer);
    } else {
      const registry = new containerregistry.Registry(
        registryLogicalName(name),
        {
          resourceGroupName: build.resourceGroupName as pulumi.Input<string>,
          location: build.location,
          sku: { name: build.sku ?? "Basic" },
          adminUserEnabled: false,
          anonymousPullEnabled: false,
          tags: args.tags,
        },
        { parent: this },
      );
      registryId = registry.id;
      loginServer = registry.loginServer;
    }

    (args.pullPrincipalIds ?? []).forEach((principalId, i) => {
      new authorization.RoleAssignment(
        `${name}-acr-pull-${i}`,
        {
          principalId,
          principalType: authorization.PrincipalType.ServicePrincipal,
          roleDefinitionId: registryId.apply((id) => roleDefinitionId(subscriptionOf(id, field("registry.id")), "acrPull")),
          scope: registryId,
          description: "pull the burstlet image",
        },
        { parent: this },
      );
    });

    const accessToken = authorization.getClientTokenOutput({}, { parent: this }).token;
    const credentials = pulumi.all([loginServer, accessToken]).apply(([server, token]) => exchangeAcrToken(server, token));
    const image = new dockerbuild.Image(
      `${name}-image`,
      {
        context: { location: PACKAGE_ROOT },
        dockerfile: { location: KUBELET_DOCKERFILE },
        buildArgs: { KUBELET_BUNDLE: kubeletBundleStage(PACKAGE_ROOT, field("build")) },
        platforms: [build.platform ?? dockerbuild.Platform.Linux_amd64],
        tags: [pulumi.interpolate`${loginServer}/${repository}:${tag}`],
        push: true,
        registries: [{ address: loginServer, username: credentials.username, password: pulumi.secret(credentials.password) }],
      },
      { parent: this },
    );
    this.imageRef = image.ref;
    this.registryId = registryId;
    this.loginServer = loginServer;
    this.registerOutputs({ imageRef: this.imageRef, registryId: this.registryId, loginServer: this.loginServer });
  }
}
