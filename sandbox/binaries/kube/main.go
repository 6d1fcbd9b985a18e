// One multi-call binary for the sandbox's control plane and its client: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kubectl, kwok and metrics-server, chosen by the name
// it is run as (the cache holds one file and a symbolic link per name). Compiling them as one
// program compiles their shared packages (the Kubernetes libraries above all) once and links once
// instead of seven times. Each branch does what that program's own main does.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata" // CronJob time zones, as the upstream mains do

	"go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's client auth plugins
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/spf13/pflag"
	genericapiserver "k8s.io/apiserver/pkg/server"
	kwoknodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	kwoknodeheartbeat "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat"
	kwoknodeheartbeatwithlease "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	kwokpodfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	kwoklog "sigs.k8s.io/kwok/pkg/log"
	kwoksignals "sigs.k8s.io/kwok/pkg/utils/signals"
	metricsserver "sigs.k8s.io/metrics-server/cmd/metrics-server/app"
)

func main() {
	switch name := filepath.Base(os.Args[0]); name {
	case "etcd":
		etcdmain.Main(os.Args)
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "kubectl":
		// As kubectl's main: verbosity first, so klog works while the command is built.
		_, _ = logs.GlogSetter(kubectlcmd.GetLogVerbosity(os.Args))
		if err := cli.RunNoErrOutput(kubectlcmd.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
	case "kwok":
		os.Exit(runKwok())
	case "metrics-server":
		logs.InitLogs()
		defer logs.FlushLogs()
		if err := metricsserver.NewMetricsServerCommand(genericapiserver.SetupSignalHandler()).Execute(); err != nil {
			panic(err)
		}
	default:
		fmt.Fprintf(os.Stderr, "run this binary as etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kwok or metrics-server (through a link of that name), not as %q\n", name)
		os.Exit(2)
	}
}

// runKwok is kwok's main: its global flags (logging, configuration files) are parsed first and
// then handed to the command.
func runKwok() int {
	// cobra adds pflag's global set to every root command, and the Kubernetes packages linked in
	// beside kwok have put their own --version there (not a bool), which kwok's command would
	// reject on every run; kwok's own binary has none of them.
	pflag.CommandLine = pflag.NewFlagSet(os.Args[0], pflag.ExitOnError)
	if err := addDefaultKwokStages(); err != nil {
		fmt.Fprintf(os.Stderr, "kwok: %v\n", err)
		return 1
	}
	flagset := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flagset.ParseErrorsAllowlist.UnknownFlags = true
	flagset.Usage = func() {}
	ctx := kwoksignals.SetupSignalContext()
	ctx, logger := kwoklog.InitFlags(ctx, flagset)
	ctx, err := kwokconfig.InitFlags(ctx, flagset)
	if err != nil {
		_, _ = os.Stderr.Write([]byte(flagset.FlagUsages()))
		logger.Error("Init config flags", "err", err)
		return 1
	}
	command := kwokcmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flagset)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		return 1
	}
	return 0
}

// addDefaultKwokStages gives kwok the stages its releases up to v0.7 applied when given none
// (nodes initialised and kept alive, pods made ready, completed and deleted at once), as a
// configuration file, unless the command line names configuration of its own.
func addDefaultKwokStages() error {
	heartbeat := kwoknodeheartbeat.DefaultNodeHeartbeat
	lease := true
	for _, arg := range os.Args[1:] {
		if arg == "-c" || arg == "--config" || strings.HasPrefix(arg, "--config=") || strings.HasPrefix(arg, "-c=") {
			return nil
		}
		if strings.HasPrefix(arg, "--node-lease-duration-seconds=") && arg != "--node-lease-duration-seconds=0" {
			lease = false
		}
	}
	if lease {
		heartbeat = kwoknodeheartbeatwithlease.DefaultNodeHeartbeatWithLease
	}
	stages := []string{kwoknodefast.DefaultNodeInit, heartbeat, kwokpodfast.DefaultPodReady, kwokpodfast.DefaultPodComplete, kwokpodfast.DefaultPodDelete}
	// One file per kind of heartbeat, rewritten whole by each start (write, then rename), so runs
	// leave nothing behind but that file.
	name := "kwok-default-stages.yaml"
	if lease {
		name = "kwok-default-stages-lease.yaml"
	}
	target := filepath.Join(os.TempDir(), name)
	file, err := os.CreateTemp("", name+".*")
	if err == nil {
		_, err = file.WriteString(strings.Join(stages, "\n---\n"))
		if closeErr := file.Close(); err == nil {
			err = closeErr
		}
		if err == nil {
			err = os.Rename(file.Name(), target)
		}
	}
	if err != nil {
		return fmt.Errorf("writing the default stages to %s: %w", target, err)
	}
	os.Args = append(os.Args, "--config="+target)
	return nil
}
