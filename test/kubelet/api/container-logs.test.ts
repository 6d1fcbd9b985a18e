import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { checkLogTarget, followFinished, parseLogRequest, streamLogs } from "../../../kubelet/src/api/container-logs";
import { HttpError } from "../../../kubelet/src/api/status";
import { filterLogs } from "../../../kubelet/src/aci/logs";
import { ThrottledError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { LogOptions, PodProvider } from "../../../kubelet/src/provider/provider";

type State = { running: { startedAt: Date } } | { terminated: { exitCode: number } } | { waiting: { reason: string } };
const pod = (state: State, uid = "u1"): V1Pod => ({
  metadata: { name: "p", namespace: "ns", uid },
  spec: { containers: [{ name: "main", image: "i" }] },
  status: { phase: "Running", containerStatuses: [{ name: "main", image: "i", imageID: "", ready: true, restartCount: 0, state }] },
});
const runningPod = pod({ running: { startedAt: new Date() } });

/** A backend whose log grows by one timestamped line per poll from `script`, as ACI's snapshots do. */
function scriptedBackend(script: ReadonlyArray<string | Error | undefined>) {
  const lines: string[] = [];
  let step = 0;
  let t = Date.UTC(2026, 0, 1);
  const provider = {
    polls: 0,
    getContainerLogs: (_pod: V1Pod, _c: string, options: LogOptions): Promise<string> => {
      provider.polls++;
      const next = script[step++];
      if (next instanceof Error) return Promise.reject(next);
      if (next !== undefined) lines.push(`${new Date((t += 1000)).toISOString()} ${next}`);
      return Promise.resolve(filterLogs(lines.map((l) => `${l}\n`).join(""), options, new Date(t)));
    },
  };
  return provider;
}

async function collect(provider: { getContainerLogs: PodProvider["getContainerLogs"] }, query: string, currentPod: () => V1Pod | undefined): Promise<string> {
  let out = "";
  await streamLogs({
    provider: provider as unknown as PodProvider,
    pod: runningPod,
    currentPod,
    container: "main",
    request: parseLogRequest(new URLSearchParams(query)),
    write: (chunk) => ((out += chunk), Promise.resolve()),
    signal: new AbortController().signal,
    log: silentLogger,
    clock: { now: () => Date.UTC(2026, 0, 1), sleep: () => Promise.resolve(), timer: () => () => undefined },
  });
  return out;
}

describe("container logs", () => {
  it("parses the kubelet's query parameters and names a malformed one", () => {
    const r = parseLogRequest(new URLSearchParams("tailLines=5&timestamps=true&follow=true&limitBytes=10&sinceTime=2026-01-01T00:00:00Z"));
    assert.deepEqual(r, { follow: true, options: { tailLines: 5, timestamps: true, sinceSeconds: undefined, sinceTime: new Date("2026-01-01T00:00:00Z"), limitBytes: 10, previous: false } });
    assert.throws(() => parseLogRequest(new URLSearchParams("tailLines=-1")), (e: HttpError) => e.code === 400 && /tailLines/.test(e.message));
    assert.throws(() => parseLogRequest(new URLSearchParams("follow=maybe")), /follow must be true or false/);
    assert.throws(() => parseLogRequest(new URLSearchParams("sinceTime=yesterday")), /sinceTime must be an RFC 3339 time/);
    assert.throws(() => parseLogRequest(new URLSearchParams("sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z")), /at most one/);
  });

  it("refuses unknown containers, previous logs and containers that have not started, as the kubelet does", () => {
    assert.throws(() => checkLogTarget(runningPod, "other", {}), /container other is not valid for pod p; choose one of: \[main\]/);
    assert.throws(() => checkLogTarget(runningPod, "main", { previous: true }), /previous terminated container "main" in pod "p" not found/);
    assert.throws(() => checkLogTarget(pod({ waiting: { reason: "ContainerCreating" } }), "main", {}), /container "main" in pod "p" is waiting to start: ContainerCreating/);
    assert.doesNotThrow(() => checkLogTarget(runningPod, "main", {}));
    assert.doesNotThrow(() => checkLogTarget(pod({ terminated: { exitCode: 0 } }), "main", {}));
  });

  it("stops following when the container ends, the pod finishes, or the pod is gone or replaced", () => {
    assert.equal(followFinished(runningPod, "u1", "main"), false);
    assert.equal(followFinished(pod({ terminated: { exitCode: 1 } }), "u1", "main"), true);
    assert.equal(followFinished({ ...runningPod, status: { ...runningPod.status, phase: "Succeeded" } }, "u1", "main"), true);
    assert.equal(followFinished(undefined, "u1", "main"), true);
    assert.equal(followFinished(pod({ running: { startedAt: new Date() } }, "u2"), "u1", "main"), true);
  });

  it("follows new lines, each once, through a throttled poll, and ends after one last poll once the container has exited", async () => {
    const backend = scriptedBackend(["one", undefined, "two", new ThrottledError("slow down"), "three"]);
    let current = runningPod;
    const out = await collect(backend, "follow=true", () => {
      if (backend.polls >= 5) current = pod({ terminated: { exitCode: 0 } });
      return current;
    });
    assert.equal(out, "one\ntwo\nthree\n");
  });

  it("follows with timestamps, a tail of zero and a byte limit", async () => {
    const stamped = await collect(scriptedBackend(["a", "b"]), "follow=true&timestamps=true", () => undefined);
    assert.match(stamped, /^2026-01-01T00:00:01\.000Z a\n2026-01-01T00:00:02\.000Z b\n$/);
    const noHistory = await collect(scriptedBackend(["old", "new"]), "follow=true&tailLines=0", () => undefined);
    assert.equal(noHistory, "new\n");
    const limited = await collect(scriptedBackend(["abcdef", "ghi"]), "follow=true&limitBytes=9", () => runningPod);
    assert.equal(limited, "abcdef\ngh");
  });

  it("stops following when the client goes away", async () => {
    const backend = scriptedBackend(["a", "b", "c", "d"]);
    const gone = new AbortController();
    let out = "";
    await streamLogs({
      provider: backend as unknown as PodProvider,
      pod: runningPod,
      currentPod: () => runningPod,
      container: "main",
      request: parseLogRequest(new URLSearchParams("follow=true")),
      write: (chunk) => {
        out += chunk;
        if (out.includes("b")) gone.abort();
        return Promise.resolve();
      },
      signal: gone.signal,
      log: silentLogger,
      clock: { now: () => Date.UTC(2026, 0, 1), sleep: () => Promise.resolve(), timer: () => () => undefined },
    });
    assert.equal(out, "a\nb\n");
    assert.equal(backend.polls, 2);
  });

  it("answers a plain request with the provider's filtered snapshot", async () => {
    const out = await collect(scriptedBackend(["x"]), "tailLines=1&timestamps=true", () => runningPod);
    assert.match(out, /^2026-01-01T00:00:01\.000Z x\n$/);
  });
});
