import { strict as assert } from "node:assert";
import { ConfigError, parseConfig } from "../../../kubelet/src/config";
import { SETTINGS, usage } from "../../../kubelet/src/settings";
import { DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT, DEFAULT_NODE_NAME, VIRTUAL_NODE_TAINT } from "../../../kubelet/src/constants";

const SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
/** The four settings without a default, given through the environment as a Deployment does. */
const REQUIRED_ENV = {
  BURSTLET_CLUSTER_NAME: "prod",
  AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
  BURSTLET_RESOURCE_GROUP: "burst-aci",
  BURSTLET_LOCATION: "westeurope",
};

/** The ConfigError's message, failing the test when parsing succeeds. */
function problemsOf(argv: readonly string[], env: Record<string, string | undefined> = REQUIRED_ENV): string {
  try {
    parseConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.message;
  }
  assert.fail(`expected ${JSON.stringify(argv)} to be refused`);
}

describe("parseConfig", () => {
  it("takes a zone and a quota share, naming the setting when either is malformed", () => {
    const config = parseConfig(["--zone=2", "--quota-share=0.5"], REQUIRED_ENV);
    assert.deepEqual([config.zone, config.quotaShare], ["2", 0.5]);
    assert.deepEqual([parseConfig([], REQUIRED_ENV).zone, parseConfig([], REQUIRED_ENV).quotaShare], [undefined, 1]);
    assert.match(problemsOf(["--zone=westeurope-2"]), /--zone \(BURSTLET_ZONE\) must be an availability zone number/);
    const third = parseConfig(["--quota-share=0.33", "--aci-delete-windows=8/20s"], REQUIRED_ENV).aciWindows;
    assert.deepEqual(third, { creates: [{ max: 33, windowSeconds: 300 }, { max: 99, windowSeconds: 3600 }], deletes: [{ max: 2, windowSeconds: 20 }] }, "a node paces under its share of the region's windows");
    assert.match(problemsOf(["--quota-share=1.5"]), /--quota-share \(BURSTLET_QUOTA_SHARE\) must be a number between 0 and 1/);
  });

  it("fills every default when only the required settings are given", () => {
    const config = parseConfig([], REQUIRED_ENV);
    assert.equal(config.nodeName, DEFAULT_NODE_NAME);
    assert.deepEqual([config.clusterName, config.subscriptionId, config.resourceGroup, config.location], ["prod", SUBSCRIPTION, "burst-aci", "westeurope"]);
    assert.deepEqual(config.taint, VIRTUAL_NODE_TAINT);
    assert.deepEqual(config.capacity, { cpu: undefined, memoryGiB: undefined, pods: undefined });
    assert.deepEqual(config.armBudget, { readsPerSecond: 20, readBurst: 200, writesPerSecond: 8, writeBurst: 150, logReadShare: 0.2 });
    assert.deepEqual([config.kubeletPort, config.metricsPort], [DEFAULT_KUBELET_PORT, DEFAULT_METRICS_PORT]);
    assert.deepEqual([config.listenAddress, config.nodeAddress, config.logLevel], ["0.0.0.0", "127.0.0.1", "info"]);
    assert.deepEqual(config.insecureRegistries, []);
    assert.equal(config.kubeconfig, undefined);
    assert.equal(config.armEndpoint, undefined);
  });

  it("releases finished pods and paces under ACI's default windows unless told otherwise, and names a malformed window", () => {
    const defaults = parseConfig([], REQUIRED_ENV);
    assert.deepEqual(defaults.finishedPods, { release: true, logsMemoryBytes: 256 * 1024 * 1024 });
    const window = [{ max: 100, windowSeconds: 300 }, { max: 300, windowSeconds: 3600 }];
    assert.deepEqual(defaults.aciWindows, { creates: window, deletes: window });
    const set = parseConfig(["--release-finished-pods=false", "--final-logs-memory-mb=1.5", "--aci-create-windows=500/5m,1500/1h", "--aci-delete-windows=8/20s"], REQUIRED_ENV);
    assert.deepEqual(set.finishedPods, { release: false, logsMemoryBytes: 1.5 * 1024 * 1024 });
    assert.deepEqual(set.aciWindows, { creates: [{ max: 500, windowSeconds: 300 }, { max: 1500, windowSeconds: 3600 }], deletes: [{ max: 8, windowSeconds: 20 }] });
    const problems = problemsOf(["--release-finished-pods=yes", "--aci-create-windows=100 per 5 minutes"]);
    assert.match(problems, /--release-finished-pods \(BURSTLET_RELEASE_FINISHED_PODS\) must be true or false, got "yes"/);
    assert.match(problems, /--aci-create-windows \(BURSTLET_ACI_CREATE_WINDOWS\): "100 per 5 minutes" is not <count>\/<duration>/);
  });

  it("refuses anonymous kubelet API requests unless told, as on AKS, and names a malformed value", () => {
    assert.equal(parseConfig([], REQUIRED_ENV).anonymousAuth, false);
    assert.equal(parseConfig(["--anonymous-auth=true"], REQUIRED_ENV).anonymousAuth, true);
    assert.match(problemsOf(["--anonymous-auth=yes"]), /--anonymous-auth \(BURSTLET_ANONYMOUS_AUTH\) must be true or false, got "yes"/);
  });

  it("stays within ARM's per-subscription limits by default (reads 25/s, writes 10/s)", () => {
    const { armBudget } = parseConfig([], REQUIRED_ENV);
    assert.ok(armBudget.readsPerSecond < 25 && armBudget.readBurst < 250);
    assert.ok(armBudget.writesPerSecond < 10 && armBudget.writeBurst < 200);
  });

  it("takes every setting from flags alone, in both --flag=value and --flag value forms", () => {
    const config = parseConfig(
      ["--cluster-name=c", "--subscription-id", SUBSCRIPTION, "--resource-group=rg", "--location", "northeurope", "--cpu=64", "--memory", "256.5", "--pods=120", "--insecure-registries= 127.0.0.1:5000 , localhost:5001 ,"],
      {},
    );
    assert.deepEqual([config.clusterName, config.subscriptionId, config.resourceGroup, config.location], ["c", SUBSCRIPTION, "rg", "northeurope"]);
    assert.deepEqual(config.capacity, { cpu: 64, memoryGiB: 256.5, pods: 120 });
    assert.deepEqual(config.insecureRegistries, ["127.0.0.1:5000", "localhost:5001"]);
  });

  it("lets a flag win over its environment variable, and ignores blank values", () => {
    const env = { ...REQUIRED_ENV, BURSTLET_NODE_NAME: "from-env", BURSTLET_LOG_LEVEL: "warn", BURSTLET_LOCATION: "  " };
    const config = parseConfig(["--node-name=from-flag", "--location=eastus"], env);
    assert.equal(config.nodeName, "from-flag");
    assert.equal(config.logLevel, "warn");
    assert.equal(config.location, "eastus");
    assert.match(problemsOf([], env), /--location \(BURSTLET_LOCATION\) is required/);
  });

  it("reads the node address from POD_IP when no setting gives it, and the setting wins", () => {
    assert.equal(parseConfig([], { ...REQUIRED_ENV, POD_IP: "10.1.2.3" }).nodeAddress, "10.1.2.3");
    assert.equal(parseConfig(["--node-address=10.9.9.9"], { ...REQUIRED_ENV, POD_IP: "10.1.2.3" }).nodeAddress, "10.9.9.9");
    assert.equal(parseConfig([], { ...REQUIRED_ENV, POD_IP: "" }).nodeAddress, "127.0.0.1");
  });

  it("names the flag and the variable of each missing required setting, all at once", () => {
    const message = problemsOf([], {});
    for (const name of ["clusterName", "subscriptionId", "resourceGroup", "location"] as const) {
      const [flag, variable] = SETTINGS[name];
      assert.ok(message.includes(`--${flag} (${variable}) is required`), `${flag} missing from:\n${message}`);
    }
  });

  it("lists every malformed value with its flag, its variable and the value given", () => {
    const message = problemsOf(
      ["--node-name=Bad_Name", "--subscription-id=not-a-guid", "--pods=0", "--cpu=-1", "--kubelet-port=70000", "--metrics-port=1.5", "--arm-read-burst=0", "--log-read-share=1.5", "--log-level=trace", "--subnet-id=/subscriptions/x/subnets/y", "--tls-cert-file=/c.pem"],
      {},
    );
    const expected: Array<[keyof typeof SETTINGS, string]> = [
      ["nodeName", '"Bad_Name"'],
      ["subscriptionId", '"not-a-guid"'],
      ["pods", '"0"'],
      ["cpu", '"-1"'],
      ["kubeletPort", '"70000"'],
      ["metricsPort", '"1.5"'],
      ["readBurst", '"0"'],
      ["logReadShare", 'between 0 and 1, got "1.5"'],
      ["logLevel", '"trace"'],
      ["subnetId", '"/subscriptions/x/subnets/y"'],
      ["tlsKeyFile", "must be given together"],
    ];
    for (const [name, detail] of expected) {
      const [flag, variable] = SETTINGS[name];
      const line = message.split("\n").find((l) => l.includes(`--${flag} (${variable})`) && l.includes(detail));
      assert.ok(line, `no problem naming --${flag} (${variable}) with ${detail} in:\n${message}`);
    }
    assert.ok(message.includes("--cluster-name (BURSTLET_CLUSTER_NAME) is required"), "missing settings are listed beside malformed ones");
  });

  it("states the accepted range truthfully: the smallest value it names is accepted", () => {
    const message = problemsOf(["--pods=0", "--arm-write-burst=0.5"]);
    const pods = /--pods \(BURSTLET_CAPACITY_PODS\) must be an integer (?:of )?(at least|above) (\d+)/.exec(message);
    assert.ok(pods, message);
    const [, relation, bound] = pods;
    const smallest = relation === "above" ? Number(bound) + 1 : Number(bound);
    assert.equal(parseConfig([`--pods=${smallest}`], REQUIRED_ENV).capacity.pods, smallest);
    assert.throws(() => parseConfig([`--pods=${smallest - 1}`], REQUIRED_ENV), ConfigError);
    assert.match(message, /--arm-write-burst \(BURSTLET_ARM_WRITE_BURST\) must be an integer/);
  });

  it("accepts port 0 (any free port) and 65535, and refuses a port above it", () => {
    assert.equal(parseConfig(["--kubelet-port=0"], REQUIRED_ENV).kubeletPort, 0);
    assert.equal(parseConfig(["--metrics-port=65535"], REQUIRED_ENV).metricsPort, 65535);
    assert.match(problemsOf(["--metrics-port=65536"]), /--metrics-port \(BURSTLET_METRICS_PORT\) must be an integer between 0 and 65535/);
  });

  it("accepts only node names the API server accepts (DNS-1123 subdomains)", () => {
    for (const good of ["burstlet", "aci-1", "vk.westeurope.example", "a"]) assert.equal(parseConfig([`--node-name=${good}`], REQUIRED_ENV).nodeName, good);
    for (const bad of ["a..b", "a.-b", "a-.b", "-a", "a-", "UPPER", "a_b", `${"a".repeat(254)}`]) {
      assert.match(problemsOf([`--node-name=${bad}`]), /--node-name \(BURSTLET_NODE_NAME\) must be a DNS subdomain/, bad);
    }
  });

  it("accepts a subscription only in GUID form", () => {
    assert.equal(parseConfig([`--subscription-id=${SUBSCRIPTION.toUpperCase()}`], REQUIRED_ENV).subscriptionId, SUBSCRIPTION.toUpperCase());
    for (const bad of ["-".repeat(36), "0b1f64711bf04ddaaec3cb9272f09590abcd", `${SUBSCRIPTION}0`]) {
      assert.match(problemsOf([`--subscription-id=${bad}`]), /--subscription-id \(AZURE_SUBSCRIPTION_ID\) must be a subscription GUID/, bad);
    }
  });

  it("parses a taint, and disables it with \"none\"", () => {
    assert.deepEqual(parseConfig(["--taint=team=burst:NoExecute"], REQUIRED_ENV).taint, { key: "team", value: "burst", effect: "NoExecute" });
    assert.deepEqual(parseConfig(["--taint=example.com/aci=:PreferNoSchedule"], REQUIRED_ENV).taint, { key: "example.com/aci", value: "", effect: "PreferNoSchedule" });
    assert.equal(parseConfig([], { ...REQUIRED_ENV, BURSTLET_TAINT: "none" }).taint, undefined);
  });

  it("refuses a malformed taint, naming the flag, the variable and the accepted forms", () => {
    for (const bad of ["key=value", "key=value:Sometimes", "=v:NoSchedule", "key:NoSchedule"]) {
      const message = problemsOf([`--taint=${bad}`]);
      assert.match(message, /--taint \(BURSTLET_TAINT\) must be key=value:effect with effect NoSchedule, PreferNoSchedule or NoExecute, or "none"/, bad);
      assert.ok(message.includes(`"${bad}"`), message);
    }
  });

  it("sends Azure credentials only to an https:// ARM endpoint", () => {
    assert.equal(parseConfig(["--arm-endpoint=https://127.0.0.1:8443"], REQUIRED_ENV).armEndpoint, "https://127.0.0.1:8443");
    for (const bad of ["http://management.example", "management.example", "https://", "ftp://x"]) {
      assert.match(problemsOf([`--arm-endpoint=${bad}`]), /--arm-endpoint \(BURSTLET_ARM_ENDPOINT\) must be an https:\/\/ URL/, bad);
    }
  });

  it("reads usage from the region's Azure Monitor endpoint on a budget of its own, unless told otherwise", () => {
    assert.deepEqual(parseConfig([], REQUIRED_ENV).usage, { endpoint: "https://westeurope.metrics.monitor.azure.com", pollSeconds: 30, callsPerSecond: 1, burst: 20 });
    const custom = parseConfig(["--azure-monitor-endpoint=https://127.0.0.1:9443", "--usage-poll-seconds=10", "--azure-monitor-calls-per-second=0.5", "--azure-monitor-burst=5"], REQUIRED_ENV);
    assert.deepEqual(custom.usage, { endpoint: "https://127.0.0.1:9443", pollSeconds: 10, callsPerSecond: 0.5, burst: 5 });
    assert.match(problemsOf(["--azure-monitor-endpoint=http://127.0.0.1:9443"]), /--azure-monitor-endpoint \(BURSTLET_AZURE_MONITOR_ENDPOINT\) must be an https:\/\/ URL/);
    assert.match(problemsOf(["--azure-monitor-burst=0"]), /--azure-monitor-burst \(BURSTLET_AZURE_MONITOR_BURST\) must be an integer of at least 1, got "0"/);
  });

  it("takes TLS certificate and key together", () => {
    const config = parseConfig(["--tls-cert-file=/c.pem", "--tls-key-file=/k.pem"], REQUIRED_ENV);
    assert.deepEqual([config.tlsCertFile, config.tlsKeyFile], ["/c.pem", "/k.pem"]);
    assert.match(problemsOf([], { ...REQUIRED_ENV, BURSTLET_TLS_KEY_FILE: "/k.pem" }), /--tls-cert-file \(BURSTLET_TLS_CERT_FILE\) and --tls-key-file \(BURSTLET_TLS_KEY_FILE\) must be given together/);
  });

  it("refuses an unknown flag and points to --help", () => {
    assert.match(problemsOf(["--node=burst"]), /unknown flag --node; run with --help/);
  });

  it("lists command-line mistakes together with the other problems", () => {
    const message = problemsOf(["stray", "--pods=0", "--node-name"], {});
    assert.match(message, /unexpected argument "stray"/);
    assert.match(message, /--node-name \(BURSTLET_NODE_NAME\) needs a value/, "a flag without value names its variable too");
    assert.match(message, /--pods \(BURSTLET_CAPACITY_PODS\)/);
    assert.match(message, /--location \(BURSTLET_LOCATION\) is required/);
  });

  it("gives a flag without a value a message rather than swallowing the next flag", () => {
    assert.match(problemsOf(["--cluster-name", "--location=x"], {}), /--cluster-name \(BURSTLET_CLUSTER_NAME\) needs a value/);
  });
});

describe("usage", () => {
  it("lists every setting with its flag, its variable and its description", () => {
    const text = usage();
    assert.match(text, /^usage: burstlet \[flags\]/);
    for (const [flag, variable, description] of Object.values(SETTINGS)) {
      const line = text.split("\n").find((l) => l.trimStart().startsWith(`--${flag} `));
      assert.ok(line, `--${flag} missing from usage`);
      assert.ok(line.includes(variable) && line.includes(description), line);
    }
  });

  it("uses flag and variable names that are unique", () => {
    const flags = Object.values(SETTINGS).map(([f]) => f);
    const variables = Object.values(SETTINGS).map(([, v]) => v);
    assert.equal(new Set(flags).size, flags.length);
    assert.equal(new Set(variables).size, variables.length);
  });

  it("trades status staleness against steady reads through three settings", () => {
    assert.deepEqual(parseConfig([], REQUIRED_ENV).status, { steadySeconds: 25, steadyReadsPerSecond: 15, freshShare: 0.5 });
    const tuned = parseConfig(["--status-steady-seconds=10", "--status-fresh-share=0.25"], { ...REQUIRED_ENV, BURSTLET_STATUS_STEADY_READS_PER_SECOND: "40" });
    assert.deepEqual(tuned.status, { steadySeconds: 10, steadyReadsPerSecond: 40, freshShare: 0.25 });
    assert.equal(parseConfig([], { ...REQUIRED_ENV, BURSTLET_STATUS_FRESH_SHARE: "1" }).status.freshShare, 1);
    assert.match(problemsOf(["--status-steady-seconds=-5"]), /--status-steady-seconds \(BURSTLET_STATUS_STEADY_SECONDS\)/);
    assert.match(problemsOf(["--status-fresh-share=0"]), /--status-fresh-share \(BURSTLET_STATUS_FRESH_SHARE\) must be a number between 0 and 1, got "0"/);
    assert.match(problemsOf(["--status-fresh-share=half"]), /--status-fresh-share \(BURSTLET_STATUS_FRESH_SHARE\) must be a number between 0 and 1, got "half"/);
  });

  it("gives log reads a share of the read budget, above 0 and at most all of it", () => {
    assert.equal(parseConfig(["--log-read-share=1"], REQUIRED_ENV).armBudget.logReadShare, 1);
    assert.equal(parseConfig([], { ...REQUIRED_ENV, BURSTLET_LOG_READ_SHARE: "0.05" }).armBudget.logReadShare, 0.05);
    assert.match(problemsOf(["--log-read-share=0"]), /--log-read-share \(BURSTLET_LOG_READ_SHARE\) must be a number between 0 and 1, got "0"/);
  });

  it("bounds pod status writes to the API server like a kubelet's kubeAPIQPS and kubeAPIBurst", () => {
    assert.deepEqual(parseConfig([], REQUIRED_ENV).kubeApi, { qps: 50, burst: 200 });
    assert.deepEqual(parseConfig(["--kube-api-qps=120"], { ...REQUIRED_ENV, BURSTLET_KUBE_API_BURST: "400" }).kubeApi, { qps: 120, burst: 400 });
    assert.match(problemsOf(["--kube-api-burst=0"]), /--kube-api-burst \(BURSTLET_KUBE_API_BURST\) must be an integer of at least 1, got "0"/);
  });
});

describe("parseConfig: failure handling settings", () => {
  const REQUIRED = { BURSTLET_CLUSTER_NAME: "c", AZURE_SUBSCRIPTION_ID: "6d1e7a52-3c1b-4f0e-9a8d-5b2c4e6f7a80", BURSTLET_RESOURCE_GROUP: "rg", BURSTLET_LOCATION: "westeurope" };

  it("defaults to ACI's standard group maxima, two minutes before NotReady and the kubelet's 10 s pull backoff", () => {
    const c = parseConfig([], REQUIRED);
    assert.deepEqual(c.groupMaxima, { cpu: 4, memoryGB: 16 });
    assert.equal(c.notReadyAfterSeconds, 120);
    assert.equal(c.imagePullBackoffSeconds, 10);
  });

  it("takes a region's larger maxima and shorter windows, naming a bad value's setting", () => {
    const c = parseConfig(["--max-group-cpu=31", "--not-ready-after-seconds=5"], { ...REQUIRED, BURSTLET_MAX_GROUP_MEMORY_GB: "240", BURSTLET_IMAGE_PULL_BACKOFF_SECONDS: "1" });
    assert.deepEqual([c.groupMaxima, c.notReadyAfterSeconds, c.imagePullBackoffSeconds], [{ cpu: 31, memoryGB: 240 }, 5, 1]);
    assert.throws(() => parseConfig(["--max-group-cpu=lots"], REQUIRED), /--max-group-cpu \(BURSTLET_MAX_GROUP_CPU\) must be a number above 0, got "lots"/);
  });
});

describe("parseConfig: leader election", () => {
  it("elects a leader by default, with a takeover bound of 12 s (lease 10 s + retry 2 s) and a renew deadline of 7 s", () => {
    const { leaderElection } = parseConfig([], REQUIRED_ENV);
    assert.deepEqual(leaderElection, { enabled: true, namespace: undefined, leaseDurationSeconds: 10, renewDeadlineSeconds: 7, retryPeriodSeconds: 2 });
    assert.ok(leaderElection.leaseDurationSeconds + leaderElection.retryPeriodSeconds <= 15);
  });

  it("turns off, takes a namespace and durations by flag or variable", () => {
    const config = parseConfig(["--leader-elect=false", "--leader-elect-namespace=ops", "--leader-elect-lease-duration-seconds=20"], { ...REQUIRED_ENV, BURSTLET_LEADER_ELECT_RENEW_DEADLINE_SECONDS: "12.5", BURSTLET_LEADER_ELECT_RETRY_PERIOD_SECONDS: "3" });
    assert.deepEqual(config.leaderElection, { enabled: false, namespace: "ops", leaseDurationSeconds: 20, renewDeadlineSeconds: 12.5, retryPeriodSeconds: 3 });
  });

  it("refuses durations that would let two leaders overlap or a leader give up untried, and a namespace that is no name", () => {
    assert.match(problemsOf(["--leader-elect=yes"]), /--leader-elect \(BURSTLET_LEADER_ELECT\) must be true or false, got "yes"/);
    assert.match(problemsOf(["--leader-elect-renew-deadline-seconds=10"]), /--leader-elect-renew-deadline-seconds .* must be below --leader-elect-lease-duration-seconds .*\(10 ≥ 10\)/);
    assert.match(problemsOf(["--leader-elect-retry-period-seconds=6"]), /must exceed 1.2 × --leader-elect-retry-period-seconds/);
    assert.match(problemsOf(["--leader-elect-lease-duration-seconds=7.5"]), /--leader-elect-lease-duration-seconds .* must be an integer/);
    assert.match(problemsOf(["--leader-elect-namespace=Ops_1"]), /--leader-elect-namespace .* must be a namespace name/);
    assert.match(problemsOf([`--node-name=${"a".repeat(250)}`]), /at most 244 characters with leader election on \(the Lease is named burstlet-<node>\)/);
    assert.equal(parseConfig(["--leader-elect=false", `--node-name=${"a".repeat(250)}`], REQUIRED_ENV).nodeName.length, 250);
  });
});
