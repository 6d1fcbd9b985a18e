import { strict as assert } from "node:assert";
import type { V1Volume } from "@kubernetes/client-node";
import { InvalidInputError, UnsupportedError } from "../../../kubelet/src/errors";
import { translatePod } from "../../../kubelet/src/aci/translate";
import { POD_UID, configMap, container, context, pod, secret } from "./fixtures";

const b64 = (text: string): string => Buffer.from(text).toString("base64");
const ctx = context({
  secrets: [secret("tls", { "tls.crt": "CERT", "tls.key": "KEY" }), secret("storage", { azurestorageaccountname: "acct", azurestorageaccountkey: "k3y" })],
  configMaps: [configMap("conf", { "app.yaml": "a: 1" }, { "logo.png": b64("PNG") })],
  extra: { serviceAccountTokens: new Map([["", "jwt-token"]]) },
});

function volumesOf(volumes: V1Volume[]): unknown {
  return translatePod(pod({ volumes }), ctx).group.volumes;
}

describe("translatePod: volumes", () => {
  const table: { name: string; volumes: V1Volume[]; want: unknown }[] = [
    { name: "emptyDir", volumes: [{ name: "scratch", emptyDir: { medium: "" } }], want: [{ name: "scratch", emptyDir: {} }] },
    { name: "secret: every key as a base64 file", volumes: [{ name: "s", secret: { secretName: "tls" } }], want: [{ name: "s", secret: { "tls.crt": b64("CERT"), "tls.key": b64("KEY") } }] },
    { name: "secret items: chosen keys under their paths", volumes: [{ name: "s", secret: { secretName: "tls", items: [{ key: "tls.key", path: "server.key" }] } }], want: [{ name: "s", secret: { "server.key": b64("KEY") } }] },
    { name: "configMap: text and binary data, base64", volumes: [{ name: "c", configMap: { name: "conf" } }], want: [{ name: "c", secret: { "app.yaml": b64("a: 1"), "logo.png": b64("PNG") } }] },
    { name: "optional missing secret: an empty directory", volumes: [{ name: "o", secret: { secretName: "absent", optional: true } }], want: [{ name: "o", emptyDir: {} }] },
    {
      name: "downwardAPI: labels, annotations, name and cpu",
      volumes: [{ name: "d", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }, { path: "uid", fieldRef: { fieldPath: "metadata.uid" } }, { path: "cpu", resourceFieldRef: { containerName: "main", resource: "requests.cpu", divisor: "1m" } }] } }],
      want: [{ name: "d", secret: { labels: b64('app="resize"'), uid: b64(POD_UID), cpu: b64("1000") } }],
    },
    {
      name: "projected: secret, configMap, downwardAPI and the service account token in one volume",
      volumes: [
        {
          name: "kube-api-access",
          projected: {
            sources: [
              { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
              { configMap: { name: "conf", items: [{ key: "app.yaml", path: "ca.crt" }] } },
              { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } },
              { secret: { name: "tls", items: [{ key: "tls.crt", path: "tls.crt" }] } },
            ],
          },
        },
      ],
      want: [{ name: "kube-api-access", secret: { token: b64("jwt-token"), "ca.crt": b64("a: 1"), namespace: b64("batch"), "tls.crt": b64("CERT") } }],
    },
    {
      name: "azureFile: account name and key from the pod's secret",
      volumes: [{ name: "share", azureFile: { secretName: "storage", shareName: "images", readOnly: true } }],
      want: [{ name: "share", azureFile: { shareName: "images", storageAccountName: "acct", storageAccountKey: "k3y", readOnly: true } }],
    },
  ];
  for (const t of table) it(t.name, () => assert.deepEqual(volumesOf(t.volumes), t.want));

  it("mounts volumes into containers, keeping readOnly", () => {
    const p = pod({ containers: [container({ volumeMounts: [{ name: "s", mountPath: "/etc/tls", readOnly: true }, { name: "w", mountPath: "/work" }] })], volumes: [{ name: "s", secret: { secretName: "tls" } }, { name: "w", emptyDir: {} }] });
    assert.deepEqual(translatePod(p, ctx).group.containers[0].volumeMounts, [{ name: "s", mountPath: "/etc/tls", readOnly: true }, { name: "w", mountPath: "/work" }]);
  });

  it("notes a projected token it has no token for, and mounts the rest", () => {
    const noToken = context({ configMaps: [configMap("conf", { a: "1" })] });
    const { group, notes } = translatePod(pod({ volumes: [{ name: "p", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "conf" } }] } }] }), noToken);
    assert.deepEqual(group.volumes, [{ name: "p", secret: { a: b64("1") } }]);
    assert.match(notes[0], /token is not mounted/);
  });

  const invalid: { name: string; volumes: V1Volume[]; field: string }[] = [
    { name: "a missing secret", volumes: [{ name: "s", secret: { secretName: "absent" } }], field: "spec.volumes[0].secret" },
    { name: "a missing item key", volumes: [{ name: "c", configMap: { name: "conf", items: [{ key: "nope", path: "x" }] } }], field: "spec.volumes[0].configMap.items[0].key" },
    { name: "an azureFile secret without the account keys", volumes: [{ name: "a", azureFile: { secretName: "tls", shareName: "x" } }], field: "spec.volumes[0].azureFile.secretName" },
  ];
  for (const t of invalid) {
    it(`${t.name} is an InvalidInputError naming the field`, () => {
      assert.throws(() => volumesOf(t.volumes), (e: unknown) => e instanceof InvalidInputError && e.field === t.field);
    });
  }

  it("rejects an item path in a subdirectory, which ACI secret volumes cannot hold", () => {
    assert.throws(() => volumesOf([{ name: "s", secret: { secretName: "tls", items: [{ key: "tls.key", path: "keys/server.key" }] } }]), (e: unknown) => e instanceof UnsupportedError && e.field === "spec.volumes[0].secret.items[0].path");
  });
});
