import { strict as assert } from "node:assert";
import { InvalidInputError } from "../../../kubelet/src/errors";
import { DOCKER_HUB_API_HOST, DOCKER_HUB_REGISTRY, normaliseRegistry, parseImageReference, registryApiHost } from "../../../kubelet/src/registry/image-reference";

describe("parseImageReference", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  const table: [string, { registry: string; repository: string; tag?: string; digest?: string }][] = [
    ["nginx", { registry: DOCKER_HUB_REGISTRY, repository: "library/nginx", tag: "latest" }],
    ["nginx:1.27", { registry: DOCKER_HUB_REGISTRY, repository: "library/nginx", tag: "1.27" }],
    ["bitnami/redis:7", { registry: DOCKER_HUB_REGISTRY, repository: "bitnami/redis", tag: "7" }],
    ["docker.io/nginx", { registry: DOCKER_HUB_REGISTRY, repository: "library/nginx", tag: "latest" }],
    ["index.docker.io/org/x:2", { registry: DOCKER_HUB_REGISTRY, repository: "org/x", tag: "2" }],
    ["myreg.azurecr.io/team/app:v1", { registry: "myreg.azurecr.io", repository: "team/app", tag: "v1" }],
    ["localhost/app", { registry: "localhost", repository: "app", tag: "latest" }],
    ["127.0.0.1:5000/a/b:c", { registry: "127.0.0.1:5000", repository: "a/b", tag: "c" }],
    [`ghcr.io/o/app@${digest}`, { registry: "ghcr.io", repository: "o/app", digest }],
    [`ghcr.io/o/app:1@${digest}`, { registry: "ghcr.io", repository: "o/app", tag: "1", digest }],
  ];
  for (const [reference, want] of table) {
    it(reference, () => assert.deepEqual(parseImageReference(reference), { tag: undefined, digest: undefined, ...want }));
  }

  for (const bad of ["UPPER/case", "ghcr.io/o/app@sha256", "a:b:c:d/x", ""]) {
    it(`rejects "${bad}"`, () => assert.throws(() => parseImageReference(bad), InvalidInputError));
  }
});

describe("registry hosts", () => {
  it("calls Docker Hub's API host for docker.io images and the registry itself otherwise", () => {
    assert.equal(registryApiHost(DOCKER_HUB_REGISTRY), DOCKER_HUB_API_HOST);
    assert.equal(registryApiHost("ghcr.io"), "ghcr.io");
  });

  it("normalises pull-secret server entries", () => {
    assert.equal(normaliseRegistry("https://index.docker.io/v1/"), DOCKER_HUB_REGISTRY);
    assert.equal(normaliseRegistry("https://MyReg.azurecr.io"), "myreg.azurecr.io");
    assert.equal(normaliseRegistry("127.0.0.1:5000"), "127.0.0.1:5000");
  });
});
