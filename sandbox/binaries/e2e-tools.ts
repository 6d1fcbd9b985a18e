/**
 * The toolsets behind the client tests: the virtual-kubelet project's end-to-end suite compiled as
 * a test binary, and the small helper that gives a virtual node an address the API server's node
 * proxy accepts. Both build from the Go module proxy like the control plane.
 */
import { copyFileSync } from "node:fs";
import * as path from "node:path";
import type { Toolset } from "./catalog";

/** The virtual-kubelet release whose `test/e2e` suite runs against burstlet. Override with BURSTLET_VK_E2E_VERSION. */
export const DEFAULT_VIRTUAL_KUBELET_VERSION = "v1.14.1";
/** netlink, for the interface helper. */
const NETLINK_VERSION = "v1.3.1";
const X_SYS_VERSION = "v0.50.0";

export const VIRTUAL_KUBELET_E2E_BINARY = "virtual-kubelet-e2e";
export const NETIF_BINARY = "burstlet-netif";

type Env = Readonly<Record<string, string | undefined>>;

/** `test/e2e` of github.com/virtual-kubelet/virtual-kubelet, run by the harness in `virtual-kubelet-e2e/`. */
export function virtualKubeletE2e(env: Env = process.env): Toolset {
  const vk = env.BURSTLET_VK_E2E_VERSION ?? DEFAULT_VIRTUAL_KUBELET_VERSION;
  if (!/^v\d+\.\d+\.\d+$/.test(vk)) throw new Error(`BURSTLET_VK_E2E_VERSION must look like ${DEFAULT_VIRTUAL_KUBELET_VERSION}, got "${vk}"`);
  return {
    name: "virtual-kubelet-e2e",
    title: `the virtual-kubelet ${vk} end-to-end suite`,
    label: "virtual-kubelet e2e",
    key: vk,
    binaries: [VIRTUAL_KUBELET_E2E_BINARY],
    dirVariables: ["BURSTLET_VK_E2E_BIN_DIR"],
    async prepare(go) {
      for (const file of ["suite.go", "suite_test.go"]) copyFileSync(path.join(__dirname, "virtual-kubelet-e2e", file), path.join(go.dir, file));
      await go.run(["get", `github.com/virtual-kubelet/virtual-kubelet@${vk}`]);
      return { pkg: ".", ldflags: "", test: true };
    },
  };
}

/** `burstlet-netif` (`netif/main.go`): creates and removes the sandbox's own veth pairs over netlink. */
export function netif(): Toolset {
  return {
    name: "netif",
    title: `the sandbox's interface helper (netlink ${NETLINK_VERSION})`,
    label: "netif",
    key: NETLINK_VERSION,
    binaries: [NETIF_BINARY],
    dirVariables: ["BURSTLET_NETIF_BIN_DIR"],
    async prepare(go) {
      copyFileSync(path.join(__dirname, "netif", "main.go"), path.join(go.dir, "main.go"));
      await go.run(["get", `github.com/vishvananda/netlink@${NETLINK_VERSION}`, `golang.org/x/sys@${X_SYS_VERSION}`]);
      return { pkg: ".", ldflags: "" };
    },
  };
}
