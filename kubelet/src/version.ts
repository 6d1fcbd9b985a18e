/** Burstlet's version and the kubelet API level it implements, reported in the Node's nodeInfo. */
export const BURSTLET_VERSION = "0.1.0";

/**
 * `nodeInfo.kubeletVersion`: the Kubernetes minor release whose kubelet API burstlet serves, with
 * burstlet's own version as the semver pre-release part, so tools that parse it still can and a
 * reader sees which implementation answers.
 */
export const KUBELET_VERSION = `v1.35.0-burstlet.${BURSTLET_VERSION}`;
