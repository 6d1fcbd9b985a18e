import assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { virtualNodePodProblems, withPlaceholders } from "../../components/pod-validation";

const container = { name: "c", image: "busybox", command: ["true"] };

describe("virtualNodePodProblems", () => {
  it("accepts what a container group can run", () => {
    const spec = {
      containers: [{ ...container, volumeMounts: [{ name: "scratch", mountPath: "/s" }, { name: "share", mountPath: "/data" }] }],
      volumes: [{ name: "scratch", emptyDir: {} }, { name: "share", azureFile: { secretName: "storage", shareName: "images" } }],
    };
    assert.deepEqual(virtualNodePodProblems(spec, { requireCommand: true }), []);
  });

  it("reports host paths, claims and host namespaces with their fields", () => {
    const problems = virtualNodePodProblems({
      hostNetwork: true,
      containers: [container],
      volumes: [{ name: "h", hostPath: { path: "/" } }, { name: "p", persistentVolumeClaim: { claimName: "x" } }],
    });
    const text = problems.join("\n");
    assert.match(text, /spec\.hostNetwork/);
    assert.match(text, /spec\.volumes\[0\]\.hostPath/);
    assert.match(text, /spec\.volumes\[1\]\.persistentVolumeClaim/);
  });

  it("requires a command when asked", () => {
    assert.match(virtualNodePodProblems({ containers: [{ name: "c", image: "i" }] }, { requireCommand: true })[0], /spec\.containers\[0\]\.command/);
    assert.deepEqual(virtualNodePodProblems({ containers: [{ name: "c", image: "i" }] }), []);
  });

  it("checks the structure of values not known yet", () => {
    const spec = { containers: [{ ...container, image: pulumi.output("later") }] };
    assert.deepEqual(withPlaceholders(spec), { containers: [{ ...container, image: "placeholder" }] });
    assert.deepEqual(virtualNodePodProblems(spec), []);
  });
});
