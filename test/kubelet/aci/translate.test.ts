import { strict as assert } from "node:assert";
import { ACI_PUBLIC_IP_ANNOTATION, TAGS } from "../../../kubelet/src/constants";
import { UnsupportedError } from "../../../kubelet/src/errors";
import { containerGroupName } from "../../../kubelet/src/aci/naming";
import { podReferences, translatePod } from "../../../kubelet/src/aci/translate";
import { POD_UID, configMap, container, context, dockerConfigSecret, pod, secret } from "./fixtures";

const SUBNET = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/aci";
const IDENTITY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull";

describe("translatePod: the container group", () => {
  it("names, places, tags and types the group after the pod", () => {
    const { group, notes } = translatePod(pod(), context());
    assert.equal(group.name, containerGroupName({ namespace: "batch", name: "worker-1", uid: POD_UID }));
    assert.equal(group.location, "westeurope");
    assert.equal(group.osType, "Linux");
    assert.equal(group.restartPolicy, "Always");
    assert.deepEqual(group.tags, { [TAGS.cluster]: "prod-weu", [TAGS.node]: "burstlet", [TAGS.namespace]: "batch", [TAGS.pod]: "worker-1", [TAGS.podUid]: POD_UID });
    assert.deepEqual(group.containers.map((c) => [c.name, c.image]), [["main", "busybox:1.36"]]);
    assert.deepEqual(notes, []);
  });

  it("pins the group to the node's zone, and to none without one", () => {
    assert.deepEqual(translatePod(pod(), context({ extra: { zone: "2" } })).group.zones, ["2"]);
    assert.equal(translatePod(pod(), context()).group.zones, undefined);
  });

  it("caps tag values at 256 characters", () => {
    const { group } = translatePod(pod(), context({ extra: { clusterName: "c".repeat(300) } }));
    assert.equal(group.tags?.[TAGS.cluster].length, 256);
  });

  for (const policy of ["Always", "OnFailure", "Never"]) {
    it(`keeps restart policy ${policy}`, () => {
      assert.equal(translatePod(pod({ restartPolicy: policy }), context()).group.restartPolicy, policy);
    });
  }
});

describe("translatePod: command and args", () => {
  const table = [
    { name: "no command: the image runs as built", c: {}, want: undefined },
    { name: "command only", c: { command: ["/bin/sh", "-c"] }, want: ["/bin/sh", "-c"] },
    { name: "command and args", c: { command: ["python"], args: ["run.py", "--fast"] }, want: ["python", "run.py", "--fast"] },
    { name: "args only: the image's entrypoint, then args (CMD dropped)", c: { image: "tool:2", args: ["--in", "x"] }, want: ["/entry", "--in", "x"] },
    { name: "args only with no entrypoint: args alone", c: { image: "plain:1", args: ["echo", "hi"] }, want: ["echo", "hi"] },
    { name: "$(VAR) expanded, $$ escaped, unknown kept", c: { command: ["echo", "$(GREETING)", "$$(GREETING)", "$(NOPE)"], env: [{ name: "GREETING", value: "hi" }] }, want: ["echo", "hi", "$(GREETING)", "$(NOPE)"] },
  ];
  for (const t of table) {
    it(t.name, () => {
      const ctx = context({ imageConfigs: { "tool:2": { entrypoint: ["/entry"], cmd: ["--help"] }, "plain:1": { entrypoint: [], cmd: ["sh"] } } });
      assert.deepEqual(translatePod(pod({ containers: [container(t.c)] }), ctx).group.containers[0].command, t.want);
    });
  }

  it("rejects args without command when the image's entrypoint is unknown, asking for command", () => {
    assert.throws(
      () => translatePod(pod({ containers: [container({ args: ["x"] })] }), context()),
      (e: unknown) => e instanceof UnsupportedError && e.field === "spec.containers[0].args" && /set command/.test(e.message),
    );
  });
});

describe("translatePod: resources", () => {
  const table = [
    { name: "requests rounded up to 0.01 core and 0.1 GB (bytes / 1e9)", r: { requests: { cpu: "250m", memory: "1Gi" } }, want: { requests: { cpu: 0.25, memoryInGB: 1.1 } } },
    { name: "tiny requests become the smallest step", r: { requests: { cpu: "1m", memory: "1Mi" } }, want: { requests: { cpu: 0.01, memoryInGB: 0.1 } } },
    { name: "requests default from limits", r: { limits: { cpu: "2", memory: "4G" } }, want: { requests: { cpu: 2, memoryInGB: 4 }, limits: { cpu: 2, memoryInGB: 4 } } },
    { name: "no resources: ACI's defaults", r: undefined, want: { requests: { cpu: 1, memoryInGB: 1.5 } } },
    { name: "limits above requests kept within the group total", r: { requests: { cpu: "1", memory: "2G" }, limits: { cpu: "1", memory: "2G" } }, want: { requests: { cpu: 1, memoryInGB: 2 }, limits: { cpu: 1, memoryInGB: 2 } } },
  ];
  for (const t of table) {
    it(t.name, () => {
      assert.deepEqual(translatePod(pod({ containers: [container({ resources: t.r })] }), context()).group.containers[0].resources, t.want);
    });
  }

  it("lowers a limit above the group's total request and says so in a note", () => {
    const p = pod({ containers: [container({ resources: { requests: { cpu: "500m", memory: "1G" }, limits: { cpu: "4", memory: "8G" } } })] });
    const { group, notes } = translatePod(p, context());
    assert.deepEqual(group.containers[0].resources.limits, { cpu: 0.5, memoryInGB: 1 });
    assert.equal(notes.length, 2);
    assert.match(notes[0], /cpu limit 4 lowered to 0.5/);
    assert.match(notes[1], /memory limit 8 GB lowered to 1 GB/);
  });

  it("allows a limit up to the sum of all containers' requests", () => {
    const p = pod({ containers: [container({ resources: { requests: { cpu: "1" }, limits: { cpu: "2" } } }), container({ name: "side", resources: { requests: { cpu: "1" } } })] });
    assert.equal(translatePod(p, context()).group.containers[0].resources.limits?.cpu, 2);
  });
});

describe("translatePod: ports and IP address", () => {
  const ports = [container({ ports: [{ containerPort: 8080 }, { containerPort: 53, protocol: "UDP" }] })];

  it("gives a private IP with the pod's ports when an ACI subnet is configured", () => {
    const { group } = translatePod(pod({ containers: ports }), context({ extra: { subnetId: SUBNET } }));
    assert.deepEqual(group.subnetIds, [{ id: SUBNET }]);
    assert.deepEqual(group.ipAddress, { type: "Private", ports: [{ port: 8080, protocol: "TCP" }, { port: 53, protocol: "UDP" }] });
    assert.deepEqual(group.containers[0].ports, [{ port: 8080, protocol: "TCP" }, { port: 53, protocol: "UDP" }]);
  });

  it("gives a private IP even without ports when a subnet is configured (the pod IP)", () => {
    assert.deepEqual(translatePod(pod(), context({ extra: { subnetId: SUBNET } })).group.ipAddress, { type: "Private", ports: [] });
  });

  it("never creates a public IP by default: no subnet and ports → no IP and a note", () => {
    const { group, notes } = translatePod(pod({ containers: ports }), context());
    assert.equal(group.ipAddress, undefined);
    assert.match(notes.join("\n"), new RegExp(ACI_PUBLIC_IP_ANNOTATION));
  });

  it("creates a public IP only when the pod opts in by annotation", () => {
    const { group } = translatePod(pod({ containers: ports }, { annotations: { [ACI_PUBLIC_IP_ANNOTATION]: "true" } }), context());
    assert.equal(group.ipAddress?.type, "Public");
  });

  it("gives no IP to a pod without ports and without a subnet", () => {
    assert.equal(translatePod(pod(), context()).group.ipAddress, undefined);
  });
});

describe("translatePod: DNS", () => {
  it("points ClusterFirst pods at cluster DNS with the kubelet's search path and ndots:5", () => {
    const { group } = translatePod(pod(), context({ extra: { clusterDnsIp: "10.0.0.10" } }));
    assert.deepEqual(group.dnsConfig, { nameServers: ["10.0.0.10"], searchDomains: "batch.svc.cluster.local svc.cluster.local cluster.local", options: "ndots:5" });
  });

  it("merges the pod's dnsConfig: servers and searches appended, options replaced by name", () => {
    const p = pod({ dnsConfig: { nameservers: ["1.1.1.1"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } });
    assert.deepEqual(translatePod(p, context({ extra: { clusterDnsIp: "10.0.0.10" } })).group.dnsConfig, {
      nameServers: ["10.0.0.10", "1.1.1.1"],
      searchDomains: "batch.svc.cluster.local svc.cluster.local cluster.local corp.example",
      options: "ndots:2 edns0",
    });
  });

  it("uses only dnsConfig for dnsPolicy None, and ACI's resolver for Default", () => {
    const none = pod({ dnsPolicy: "None", dnsConfig: { nameservers: ["9.9.9.9"] } });
    assert.deepEqual(translatePod(none, context({ extra: { clusterDnsIp: "10.0.0.10" } })).group.dnsConfig, { nameServers: ["9.9.9.9"] });
    assert.equal(translatePod(pod({ dnsPolicy: "Default" }), context({ extra: { clusterDnsIp: "10.0.0.10" } })).group.dnsConfig, undefined);
  });

  it("leaves DNS to ACI when no cluster DNS IP is configured", () => {
    assert.equal(translatePod(pod(), context()).group.dnsConfig, undefined);
  });
});

describe("translatePod: init containers", () => {
  it("become ACI init containers with command and env but no resources, ports or probes", () => {
    const init = container({ name: "fetch", image: "alpine:3", command: ["wget", "$(URL)"], env: [{ name: "URL", value: "http://x" }], resources: { requests: { cpu: "1" } } });
    const { group } = translatePod(pod({ initContainers: [init] }), context());
    assert.deepEqual(group.initContainers, [{ name: "fetch", image: "alpine:3", command: ["wget", "http://x"], environmentVariables: [{ name: "URL", value: "http://x" }] }]);
  });
});

describe("translatePod: image registry credentials", () => {
  const privateImage = "myreg.azurecr.io/team/app:1";
  const pull = dockerConfigSecret("pull", {
    "myreg.azurecr.io": { username: "u", password: "p" },
    "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hubpass").toString("base64") },
    "unused.example.com": { username: "x", password: "y" },
  });

  it("sends credentials only for registries the pod's images use", () => {
    const p = pod({ imagePullSecrets: [{ name: "pull" }], containers: [container({ image: privateImage }), container({ name: "b", image: "nginx" })] });
    const { group } = translatePod(p, context({ secrets: [pull] }));
    assert.deepEqual(group.imageRegistryCredentials, [
      { server: "myreg.azurecr.io", username: "u", password: "p" },
      { server: "index.docker.io", username: "hubuser", password: "hubpass" },
    ]);
    assert.equal(group.identity, undefined);
  });

  it("uses the pull identity for an ACR registry no secret covers", () => {
    const p = pod({ containers: [container({ image: "other.azurecr.io/x:1" }), container({ name: "b", image: "ghcr.io/o/x:1" })] });
    const { group } = translatePod(p, context({ extra: { pullIdentityId: IDENTITY } }));
    assert.deepEqual(group.imageRegistryCredentials, [{ server: "other.azurecr.io", identity: IDENTITY }]);
    assert.deepEqual(group.identity, { type: "UserAssigned", userAssignedIdentities: { [IDENTITY]: {} } });
  });

  it("prefers a pull secret over the identity", () => {
    const p = pod({ imagePullSecrets: [{ name: "pull" }], containers: [container({ image: privateImage })] });
    const { group } = translatePod(p, context({ secrets: [pull], extra: { pullIdentityId: IDENTITY } }));
    assert.deepEqual(group.imageRegistryCredentials, [{ server: "myreg.azurecr.io", username: "u", password: "p" }]);
    assert.equal(group.identity, undefined);
  });

  it("notes a missing pull secret and pulls without it, as the kubelet does", () => {
    const { group, notes } = translatePod(pod({ imagePullSecrets: [{ name: "gone" }] }), context());
    assert.equal(group.imageRegistryCredentials, undefined);
    assert.match(notes[0], /"gone" not found/);
  });
});

describe("podReferences", () => {
  it("lists every secret, config map, entrypoint image and token audience the pod needs", () => {
    const p = pod({
      imagePullSecrets: [{ name: "pull" }],
      initContainers: [container({ name: "i", image: "init:1", args: ["go"] })],
      containers: [
        container({
          image: "tool:2",
          args: ["x"],
          env: [{ name: "A", valueFrom: { secretKeyRef: { name: "s1", key: "k" } } }, { name: "B", valueFrom: { configMapKeyRef: { name: "c1", key: "k" } } }],
          envFrom: [{ secretRef: { name: "s2" } }, { configMapRef: { name: "c2" } }],
        }),
        container({ name: "cmd", image: "has-command:1", command: ["run"], args: ["x"] }),
      ],
      volumes: [
        { name: "v1", secret: { secretName: "s3" } },
        { name: "v2", configMap: { name: "c3" } },
        { name: "v3", azureFile: { secretName: "s4", shareName: "share" } },
        { name: "v4", projected: { sources: [{ secret: { name: "s5" } }, { configMap: { name: "c4" } }, { serviceAccountToken: { path: "token" } }] } },
      ],
    });
    const refs = podReferences(p);
    assert.deepEqual(refs.secrets.sort(), ["pull", "s1", "s2", "s3", "s4", "s5"]);
    assert.deepEqual(refs.configMaps.sort(), ["c1", "c2", "c3", "c4"]);
    assert.deepEqual(refs.imagesNeedingEntrypoint.sort(), ["init:1", "tool:2"]);
    assert.deepEqual(refs.serviceAccountTokenAudiences, [""]);
  });

  it("lists nothing for a plain pod", () => {
    assert.deepEqual(podReferences(pod()), { secrets: [], configMaps: [], imagesNeedingEntrypoint: [], serviceAccountTokenAudiences: [] });
  });
});

// Keeps the shared fixtures honest: a config map and a secret render as the types expect.
describe("fixtures", () => {
  it("encode secret data as base64 and keep config map data as text", () => {
    assert.equal(secret("s", { k: "v" }).data?.k, "dg==");
    assert.equal(configMap("c", { k: "v" }).data?.k, "v");
  });
});
