import { strict as assert } from "node:assert";
import type { V1Secret } from "@kubernetes/client-node";
import { InvalidInputError } from "../../../kubelet/src/errors";
import { credentialsFromPullSecret } from "../../../kubelet/src/registry/docker-config";

function secretWith(key: string, json: unknown): V1Secret {
  return { metadata: { name: "pull" }, data: { [key]: Buffer.from(typeof json === "string" ? json : JSON.stringify(json)).toString("base64") } };
}

describe("credentialsFromPullSecret", () => {
  it("reads .dockerconfigjson entries given as username/password or auth", () => {
    const secret = secretWith(".dockerconfigjson", {
      auths: {
        "https://index.docker.io/v1/": { auth: Buffer.from("hub:p:with:colons").toString("base64") },
        "myreg.azurecr.io": { username: "u", password: "p" },
        "broken.example": { auth: "bm9jb2xvbg==" },
      },
    });
    assert.deepEqual([...credentialsFromPullSecret(secret)], [
      ["docker.io", { username: "hub", password: "p:with:colons" }],
      ["myreg.azurecr.io", { username: "u", password: "p" }],
    ]);
  });

  it("reads the older .dockercfg format", () => {
    const secret = secretWith(".dockercfg", { "ghcr.io": { username: "a", password: "b" } });
    assert.deepEqual([...credentialsFromPullSecret(secret)], [["ghcr.io", { username: "a", password: "b" }]]);
  });

  it("rejects a secret without docker config or with malformed JSON", () => {
    assert.throws(() => credentialsFromPullSecret({ metadata: { name: "x" }, data: {} }), InvalidInputError);
    assert.throws(() => credentialsFromPullSecret(secretWith(".dockerconfigjson", "{nope")), InvalidInputError);
  });
});
