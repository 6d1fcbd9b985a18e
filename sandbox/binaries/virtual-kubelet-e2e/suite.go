// Package vke2e runs the virtual-kubelet project's end-to-end suite (test/e2e) against a node
// named on the command line. It is compiled with `go test -c`; this file holds what the test needs
// from outside the test file, so `go build` of the package compiles every dependency first.
package vke2e

import (
	"time"

	e2e "github.com/virtual-kubelet/virtual-kubelet/test/e2e"
)

// Config is what the suite is told about the cluster: the kubeconfig, the namespace its pods go
// to, the node under test, and how long it waits for each condition.
func Config(kubeconfig, namespace, nodeName string, watchTimeout time.Duration) e2e.EndToEndTestSuiteConfig {
	return e2e.EndToEndTestSuiteConfig{
		Kubeconfig:   kubeconfig,
		Namespace:    namespace,
		NodeName:     nodeName,
		WatchTimeout: watchTimeout,
	}
}
