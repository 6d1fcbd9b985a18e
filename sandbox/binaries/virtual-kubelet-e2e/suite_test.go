package vke2e

import (
	"flag"
	"testing"
	"time"

	e2e "github.com/virtual-kubelet/virtual-kubelet/test/e2e"
)

var (
	kubeconfig   = flag.String("kubeconfig", "", "kubeconfig of the cluster under test")
	namespace    = flag.String("namespace", "default", "namespace the suite creates its pods in")
	nodeName     = flag.String("node-name", "", "the virtual node under test")
	watchTimeout = flag.Duration("watch-timeout", 2*time.Minute, "how long the suite waits for each condition")
)

// TestEndToEnd runs every test of the upstream suite as a subtest (TestEndToEnd/TestGetPods, ...).
func TestEndToEnd(t *testing.T) {
	if *kubeconfig == "" || *nodeName == "" {
		t.Fatal("-kubeconfig and -node-name are required: the suite runs against an existing cluster and virtual node")
	}
	e2e.NewEndToEndTestSuite(Config(*kubeconfig, *namespace, *nodeName, *watchTimeout)).Run(t)
}
