import { strict as assert } from "node:assert";
import type { V1Container } from "@kubernetes/client-node";
import { InvalidInputError, UnsupportedError } from "../../../kubelet/src/errors";
import { translatePod } from "../../../kubelet/src/aci/translate";
import { POD_UID, configMap, container, context, pod, secret } from "./fixtures";

const SECRET_VALUES = ["hunter2-db-password", "tok-3f9a-api"];
const ctx = context({
  secrets: [secret("db", { password: SECRET_VALUES[0] }), secret("api", { TOKEN: SECRET_VALUES[1] })],
  configMaps: [configMap("settings", { MODE: "fast", "LEVEL": "3" })],
});

function envOf(c: Partial<V1Container>, extraPod = {}): unknown {
  return translatePod(pod({ containers: [container(c)], ...extraPod }), ctx).group.containers[0].environmentVariables;
}

describe("translatePod: environment", () => {
  const table: { name: string; c: Partial<V1Container>; want: unknown }[] = [
    { name: "plain values", c: { env: [{ name: "A", value: "1" }] }, want: [{ name: "A", value: "1" }] },
    { name: "secret keys only as secureValue", c: { env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] }, want: [{ name: "PW", secureValue: SECRET_VALUES[0] }] },
    { name: "config map keys as value", c: { env: [{ name: "M", valueFrom: { configMapKeyRef: { name: "settings", key: "MODE" } } }] }, want: [{ name: "M", value: "fast" }] },
    { name: "optional missing keys are skipped", c: { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k", optional: true } } }, { name: "Y", valueFrom: { configMapKeyRef: { name: "settings", key: "nope", optional: true } } }] }, want: undefined },
    {
      name: "envFrom: secrets secure, config maps plain, with prefix; env overrides envFrom",
      c: { envFrom: [{ secretRef: { name: "api" }, prefix: "S_" }, { configMapRef: { name: "settings" } }, { configMapRef: { name: "absent", optional: true } }], env: [{ name: "MODE", value: "slow" }] },
      want: [{ name: "S_TOKEN", secureValue: SECRET_VALUES[1] }, { name: "MODE", value: "slow" }, { name: "LEVEL", value: "3" }],
    },
    {
      name: "field refs: metadata, labels, annotations, node and service account",
      c: {
        env: ["metadata.name", "metadata.namespace", "metadata.uid", "metadata.labels['app']", "metadata.annotations['team']", "spec.nodeName", "spec.serviceAccountName"].map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })),
      },
      want: ["worker-1", "batch", POD_UID, "resize", "imaging", "burstlet", "runner"].map((value, i) => ({ name: `F${i}`, value })),
    },
    {
      name: "resource field refs from what ACI gives the container, with divisors",
      c: {
        resources: { requests: { cpu: "250m", memory: "500M" }, limits: { cpu: "250m", memory: "500M" } },
        env: [
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } },
          { name: "MCPU", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
          { name: "MEM_MI", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
        ],
      },
      want: [{ name: "CPU", value: "1" }, { name: "MCPU", value: "250" }, { name: "MEM_MI", value: "477" }],
    },
    { name: "$(VAR) in a value uses earlier variables", c: { env: [{ name: "A", value: "x" }, { name: "B", value: "$(A)-y" }] }, want: [{ name: "A", value: "x" }, { name: "B", value: "x-y" }] },
    { name: "a value interpolating a secret stays secret", c: { env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "URL", value: "pg://u:$(PW)@db" }] }, want: [{ name: "PW", secureValue: SECRET_VALUES[0] }, { name: "URL", secureValue: `pg://u:${SECRET_VALUES[0]}@db` }] },
  ];
  for (const t of table) it(t.name, () => assert.deepEqual(envOf(t.c), t.want));

  it("omits status.podIP (unknown before the group exists) with a note saying why", () => {
    const { group, notes } = translatePod(pod({ containers: [container({ env: [{ name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } }] })] }), ctx);
    assert.equal(group.containers[0].environmentVariables, undefined);
    assert.match(notes.join("\n"), /IP is not set: the pod IP is assigned by ACI/);
  });

  const missing: { name: string; c: Partial<V1Container>; field: string }[] = [
    { name: "secret", c: { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "nope", key: "k" } } }] }, field: "spec.containers[0].env[0].valueFrom.secretKeyRef" },
    { name: "secret key", c: { env: [{ name: "X", valueFrom: { secretKeyRef: { name: "db", key: "nope" } } }] }, field: "spec.containers[0].env[0].valueFrom.secretKeyRef" },
    { name: "config map key", c: { env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "settings", key: "nope" } } }] }, field: "spec.containers[0].env[0].valueFrom.configMapKeyRef" },
    { name: "envFrom secret", c: { envFrom: [{ secretRef: { name: "nope" } }] }, field: "spec.containers[0].envFrom[0].secretRef" },
  ];
  for (const t of missing) {
    it(`a missing non-optional ${t.name} is an InvalidInputError naming the field`, () => {
      assert.throws(() => envOf(t.c), (e: unknown) => e instanceof InvalidInputError && e.field === t.field);
    });
  }

  it("refuses to expand a secret into the command, which ACI does not keep secret", () => {
    const c = { command: ["sh", "-c", "login $(PW)"], env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] };
    assert.throws(() => envOf(c), (e: unknown) => e instanceof UnsupportedError && e.field === "spec.containers[0].command[2]");
  });

  it("never puts a secret value anywhere but secureValue, volumes' secret files and credentials", () => {
    const everything = pod({
      initContainers: [container({ name: "init", envFrom: [{ secretRef: { name: "api" } }] })],
      containers: [
        container({
          env: [{ name: "PW", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }, { name: "DSN", value: "x:$(PW)" }],
          envFrom: [{ secretRef: { name: "api" } }],
          volumeMounts: [{ name: "s", mountPath: "/s" }],
        }),
      ],
      volumes: [{ name: "s", secret: { secretName: "db" } }],
    });
    const { group } = translatePod(everything, ctx);
    const json = JSON.stringify(group, (key, value: unknown) => (key === "secureValue" || key === "secret" ? "[removed]" : value));
    for (const value of SECRET_VALUES) {
      assert.ok(!json.includes(value), `${value} leaked`);
      assert.ok(!json.includes(Buffer.from(value).toString("base64")), `${value} leaked as base64`);
    }
    assert.ok(JSON.stringify(group).includes(SECRET_VALUES[0]));
  });
});
