import { strict as assert } from "node:assert";
import type { V1Lease, V1Node, V1NodeStatus } from "@kubernetes/client-node";
import { LEASE_NAMESPACE } from "../../../kubelet/src/constants";
import { silentLogger } from "../../../kubelet/src/log";
import type { NodeApi } from "../../../kubelet/src/node/node-api";
import { NodeController, retryDelayMs } from "../../../kubelet/src/node/node-controller";
import type { Capacity, Health } from "../../../kubelet/src/node/node-model";
import { ManualClock, settle } from "../../fixtures/manual-clock";

const NODE = "burstlet-unit";
const T0 = 1_700_000_000_000;
const HEALTHY: Health = { healthy: true, reason: "KubeletReady", message: "Azure Container Instances is reachable" };
const UNREACHABLE: Health = { healthy: false, reason: "ArmUnreachable", message: "Azure Resource Manager has not answered for 120 s" };
const CAPACITY: Capacity = { cpu: 100, memoryGiB: 400, pods: 200 };

const apiError = (code: number): Error => Object.assign(new Error(`HTTP ${code}`), { code });

let versions = 0;

/** One object, kept as the API server keeps it: a uid on create, a new resourceVersion on every write. */
class Slot<T extends V1Node | V1Lease> {
  value: T | undefined;

  read(name: string): T {
    if (!this.value || this.value.metadata?.name !== name) throw apiError(404);
    return structuredClone(this.value);
  }
  create(o: T): T {
    if (this.value) throw apiError(409);
    return this.write(o, `uid-${++versions}`);
  }
  /** Replaces the object; with `guarded`, only from the resourceVersion it has now. */
  replace(o: T, guarded: boolean): T {
    if (!this.value) throw apiError(404);
    if (guarded && o.metadata?.resourceVersion !== this.value.metadata?.resourceVersion) throw apiError(409);
    return this.write(o, this.value.metadata?.uid);
  }
  private write(o: T, uid: string | undefined): T {
    this.value = structuredClone({ ...o, metadata: { ...o.metadata, uid, resourceVersion: String(++versions) } });
    return structuredClone(this.value);
  }
}

/** An API server holding one Node and one Lease, recording when each call was made (ms after T0). */
class FakeApiServer implements NodeApi {
  readonly nodes = new Slot<V1Node>();
  readonly leases = new Slot<V1Lease>();
  readonly calls: Array<{ call: keyof NodeApi; at: number }> = [];
  /** Calls that fail, each entry failing one call in order. */
  readonly failures: Partial<Record<keyof NodeApi, number[]>> = {};

  constructor(private readonly clock: ManualClock) {}

  get node(): V1Node | undefined {
    return this.nodes.value;
  }
  get lease(): V1Lease | undefined {
    return this.leases.value;
  }

  /** Times (ms after T0) of the calls made to `call`. */
  at(call: keyof NodeApi): number[] {
    return this.calls.filter((c) => c.call === call).map((c) => c.at);
  }

  /** The Ready condition the node's status holds. */
  ready(): { status?: string; reason?: string; heartbeat?: number } {
    const c = this.node?.status?.conditions?.find((x) => x.type === "Ready");
    return { status: c?.status, reason: c?.reason, heartbeat: c?.lastHeartbeatTime && new Date(c.lastHeartbeatTime).getTime() - T0 };
  }

  /** Makes the next `times` calls to `call` fail with `code`. */
  fail(call: keyof NodeApi, code: number, times = 1): void {
    this.failures[call] = [...(this.failures[call] ?? []), ...Array<number>(times).fill(code)];
  }

  /** Records a call and answers it (or fails it, as told). */
  private answer<T>(call: keyof NodeApi, fn: () => T): Promise<T> {
    this.calls.push({ call, at: this.clock.now() - T0 });
    const code = this.failures[call]?.shift();
    return code === undefined ? Promise.resolve().then(fn) : Promise.reject(apiError(code));
  }

  readNode = (name: string): Promise<V1Node> => this.answer("readNode", () => this.nodes.read(name));
  createNode = (node: V1Node): Promise<V1Node> => this.answer("createNode", () => this.nodes.create({ ...node, status: {} }));
  replaceNode = (node: V1Node): Promise<V1Node> => this.answer("replaceNode", () => this.nodes.replace({ ...node, status: this.node?.status }, true));
  patchNodeStatus = (name: string, status: V1NodeStatus): Promise<V1Node> => this.answer("patchNodeStatus", () => this.nodes.replace({ ...this.nodes.read(name), status }, false));
  readLease = (name: string): Promise<V1Lease> => this.answer("readLease", () => this.leases.read(name));
  createLease = (lease: V1Lease): Promise<V1Lease> => this.answer("createLease", () => this.leases.create(lease));
  replaceLease = (lease: V1Lease): Promise<V1Lease> => this.answer("replaceLease", () => this.leases.replace(lease, true));
}

describe("NodeController", () => {
  let clock: ManualClock;
  let api: FakeApiServer;
  let controller: AbortController;
  let running: Promise<void>;
  let health: () => Promise<Health>;

  /** Starts a controller whose health checks answer what `health` answers at the time. */
  async function start(initial: Health): Promise<NodeController> {
    let current = initial;
    health = () => Promise.resolve(current);
    const node = new NodeController({
      api,
      clock,
      nodeName: NODE,
      address: "10.0.0.1",
      kubeletPort: 10250,
      health: () => health(),
      capacity: () => Promise.resolve(CAPACITY),
      log: silentLogger,
      leaseRenewMs: 10_000,
      statusIntervalMs: 60_000,
      healthIntervalMs: 10_000,
    });
    running = node.run(controller.signal);
    await clock.advance(0);
    await node.registered;
    setHealth = (h) => (current = h);
    return node;
  }
  let setHealth: (h: Health) => void;

  beforeEach(() => {
    clock = new ManualClock(T0);
    api = new FakeApiServer(clock);
    controller = new AbortController();
  });
  afterEach(async () => {
    controller.abort();
    await running;
  });

  it("keeps a change of health pending while status writes fail, and writes it on the next attempt", async () => {
    const node = await start(UNREACHABLE);
    assert.deepEqual(api.at("patchNodeStatus"), [0]);
    assert.equal(api.ready().status, "False");

    setHealth(HEALTHY);
    api.fail("patchNodeStatus", 503, 3);
    await clock.advance(10_000);
    assert.deepEqual(api.at("patchNodeStatus"), [0, 10_000], "the change is written at the check that saw it");
    assert.equal(api.ready().status, "False");
    assert.equal(node.currentHealth().healthy, false, "what node status says, not what was meant to be written");

    await clock.advance(3_500);
    const retries = [10_000 + retryDelayMs(1), 10_000 + retryDelayMs(1) + retryDelayMs(2), 10_000 + retryDelayMs(1) + retryDelayMs(2) + retryDelayMs(3)];
    assert.deepEqual(retries, [10_500, 11_500, 13_500]);
    assert.deepEqual(api.at("patchNodeStatus"), [0, 10_000, ...retries]);
    assert.deepEqual(api.ready(), { status: "True", reason: "KubeletReady", heartbeat: 13_500 });
    assert.equal(node.currentHealth().healthy, true);

    // Written: nothing more until the status interval has passed since.
    await clock.advance(60_000);
    assert.deepEqual(api.at("patchNodeStatus"), [0, 10_000, ...retries, 73_500]);
  });

  it("renews the lease every leaseRenewMs, with the renewal's time, and writes unchanged status only every statusIntervalMs", async () => {
    await start(HEALTHY);
    await clock.advance(185_000);
    assert.deepEqual(api.at("createLease"), [0]);
    assert.deepEqual(api.at("replaceLease"), Array.from({ length: 18 }, (_, i) => (i + 1) * 10_000));
    assert.equal(new Date(api.lease!.spec!.renewTime!).getTime() - T0, 180_000);
    assert.equal(api.lease!.spec!.leaseDurationSeconds, 40);
    assert.equal(api.lease!.metadata!.namespace, LEASE_NAMESPACE);
    assert.deepEqual(api.at("patchNodeStatus"), [0, 60_000, 120_000, 180_000]);
    assert.deepEqual(api.ready(), { status: "True", reason: "KubeletReady", heartbeat: 180_000 });
  });

  it("writes a change at the health check that sees it, without waiting for the status interval", async () => {
    await start(HEALTHY);
    await clock.advance(25_000);
    setHealth(UNREACHABLE);
    await clock.advance(5_000);
    assert.deepEqual(api.at("patchNodeStatus"), [0, 30_000]);
    assert.deepEqual(api.ready(), { status: "False", reason: "ArmUnreachable", heartbeat: 30_000 });
  });

  it("registers a deleted Node again at the next lease renewal, with a lease it owns", async () => {
    await start(HEALTHY);
    const firstUid = api.node!.metadata!.uid;
    await clock.advance(15_000);
    // Deleting the node deletes its lease with it (the lease is owned by the node).
    api.nodes.value = undefined;
    api.leases.value = undefined;
    await clock.advance(5_000);
    assert.deepEqual(api.at("createNode"), [0, 20_000]);
    assert.notEqual(api.node!.metadata!.uid, firstUid);
    assert.deepEqual(api.lease!.metadata!.ownerReferences, [{ apiVersion: "v1", kind: "Node", name: NODE, uid: api.node!.metadata!.uid }]);
    assert.deepEqual(api.ready(), { status: "True", reason: "KubeletReady", heartbeat: 20_000 });
  });

  it("keeps renewing the lease and writing status while health checks hang, and stops when asked", async () => {
    await start(HEALTHY);
    health = () => new Promise<Health>(() => undefined);
    await clock.advance(125_000);
    assert.deepEqual(api.at("replaceLease"), Array.from({ length: 12 }, (_, i) => (i + 1) * 10_000));
    assert.deepEqual(api.at("patchNodeStatus"), [0, 60_000, 120_000]);
    controller.abort();
    const outcome = await Promise.race([running.then(() => "ended"), settle().then(() => "still running")]);
    assert.equal(outcome, "ended");
  });
});
