import { strict as assert } from "node:assert";
import type { V1PodSpec } from "@kubernetes/client-node";
import { InvalidInputError, UnsupportedError } from "../../../kubelet/src/errors";
import { translatePod } from "../../../kubelet/src/aci/translate";
import { container, context, pod } from "./fixtures";

const probe = { initialDelaySeconds: 1 };

/** Each pod feature ACI cannot provide, and the field the error must name. */
const table: { name: string; spec: Partial<V1PodSpec>; field: string }[] = [
  { name: "hostPath volume", spec: { volumes: [{ name: "h", hostPath: { path: "/var" } }] }, field: "spec.volumes[0].hostPath" },
  { name: "persistentVolumeClaim volume", spec: { volumes: [{ name: "e", emptyDir: {} }, { name: "p", persistentVolumeClaim: { claimName: "c" } }] }, field: "spec.volumes[1].persistentVolumeClaim" },
  { name: "nfs volume", spec: { volumes: [{ name: "n", nfs: { server: "s", path: "/" } }] }, field: "spec.volumes[0].nfs" },
  { name: "ephemeral volume", spec: { volumes: [{ name: "e", ephemeral: {} }] }, field: "spec.volumes[0].ephemeral" },
  { name: "projected clusterTrustBundle", spec: { volumes: [{ name: "p", projected: { sources: [{ clusterTrustBundle: { path: "b" } }] } }] }, field: "spec.volumes[0].projected.sources[0].clusterTrustBundle" },
  { name: "subPath mount", spec: { containers: [container({ volumeMounts: [{ name: "v", mountPath: "/x", subPath: "a" }] })], volumes: [{ name: "v", emptyDir: {} }] }, field: "spec.containers[0].volumeMounts[0].subPath" },
  { name: "privileged", spec: { containers: [container({ securityContext: { privileged: true } })] }, field: "spec.containers[0].securityContext.privileged" },
  { name: "capabilities add", spec: { containers: [container({ securityContext: { capabilities: { add: ["NET_ADMIN"] } } })] }, field: "spec.containers[0].securityContext.capabilities.add" },
  { name: "hostNetwork", spec: { hostNetwork: true }, field: "spec.hostNetwork" },
  { name: "hostPID", spec: { hostPID: true }, field: "spec.hostPID" },
  { name: "hostIPC", spec: { hostIPC: true }, field: "spec.hostIPC" },
  { name: "postStart hook", spec: { containers: [container({ lifecycle: { postStart: { exec: { command: ["x"] } } } })] }, field: "spec.containers[0].lifecycle.postStart" },
  { name: "preStop hook", spec: { containers: [container({ lifecycle: { preStop: { exec: { command: ["x"] } } } })] }, field: "spec.containers[0].lifecycle.preStop" },
  { name: "startupProbe", spec: { containers: [container({ startupProbe: { ...probe, exec: { command: ["x"] } } })] }, field: "spec.containers[0].startupProbe" },
  { name: "tcpSocket probe", spec: { containers: [container({ livenessProbe: { ...probe, tcpSocket: { port: 80 } } })] }, field: "spec.containers[0].livenessProbe.tcpSocket" },
  { name: "grpc probe", spec: { containers: [container({ readinessProbe: { ...probe, grpc: { port: 9000 } } })] }, field: "spec.containers[0].readinessProbe.grpc" },
  { name: "windows node selector", spec: { nodeSelector: { "kubernetes.io/os": "windows" } }, field: "spec.nodeSelector.kubernetes.io/os" },
  { name: "sidecar init container", spec: { initContainers: [container({ name: "side", restartPolicy: "Always" })] }, field: "spec.initContainers[0].restartPolicy" },
  { name: "workingDir", spec: { containers: [container({ workingDir: "/app" })] }, field: "spec.containers[0].workingDir" },
  { name: "SCTP port", spec: { containers: [container({ ports: [{ containerPort: 9, protocol: "SCTP" }] })] }, field: "spec.containers[0].ports[0].protocol" },
  { name: "GPU resources", spec: { containers: [container({ resources: { limits: { "nvidia.com/gpu": "1" } } })] }, field: "spec.containers[0].resources.nvidia.com/gpu" },
  { name: "hostAliases", spec: { hostAliases: [{ ip: "1.2.3.4", hostnames: ["x"] }] }, field: "spec.hostAliases" },
  { name: "downward API env of whole labels", spec: { containers: [container({ env: [{ name: "L", valueFrom: { fieldRef: { fieldPath: "metadata.labels" } } }] })] }, field: "spec.containers[0].env[0].valueFrom.fieldRef" },
];

describe("translatePod: unsupported features", () => {
  for (const t of table) {
    it(`${t.name} → UnsupportedError at ${t.field}`, () => {
      assert.throws(
        () => translatePod(pod(t.spec), context()),
        (e: unknown) => e instanceof UnsupportedError && e.field === t.field && e.message.startsWith(`${t.field}: `) && e.message.length > t.field.length + 20,
      );
    });
  }

  it("lists every problem in one error, naming the first field", () => {
    const spec = { hostNetwork: true, volumes: [{ name: "h", hostPath: { path: "/" } }], containers: [container({ securityContext: { privileged: true } })] };
    assert.throws(
      () => translatePod(pod(spec), context()),
      (e: unknown) =>
        e instanceof UnsupportedError &&
        e.field === "spec.hostNetwork" &&
        e.message.includes("2 more problem(s)") &&
        e.message.includes("spec.volumes[0].hostPath") &&
        e.message.includes("spec.containers[0].securityContext.privileged"),
    );
  });

  it("reports unsupported features before missing references, which a retry cannot fix", () => {
    const spec = { hostPID: true, containers: [container({ env: [{ name: "X", valueFrom: { secretKeyRef: { name: "absent", key: "k" } } }] })] };
    assert.throws(() => translatePod(pod(spec), context()), (e: unknown) => e instanceof UnsupportedError && !(e instanceof InvalidInputError));
  });

  it("accepts exec and httpGet liveness and readiness probes, resolving named ports", () => {
    const c = container({
      ports: [{ name: "http", containerPort: 8080 }],
      livenessProbe: { exec: { command: ["cat", "/ok"] }, periodSeconds: 5 },
      readinessProbe: { httpGet: { port: "http", path: "/ready", scheme: "HTTP", httpHeaders: [{ name: "X", value: "1" }] }, failureThreshold: 2 },
    });
    const { group } = translatePod(pod({ containers: [c] }), context());
    assert.deepEqual(group.containers[0].livenessProbe, { exec: { command: ["cat", "/ok"] }, periodSeconds: 5 });
    assert.deepEqual(group.containers[0].readinessProbe, { httpGet: { port: 8080, path: "/ready", scheme: "http", httpHeaders: [{ name: "X", value: "1" }] }, failureThreshold: 2 });
  });
});
