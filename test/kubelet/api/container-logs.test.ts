import { strict as assert } from "node:assert";
import type { V1Pod } from "@kubernetes/client-node";
import { checkLogTarget, logErrorToHttp, parseLogRequest, streamLogs } from "../../../kubelet/src/api/container-logs";
import { LogPollers, followFinished } from "../../../kubelet/src/api/log-poller";
import { HttpError } from "../../../kubelet/src/api/status";
import { LogBudgetExceededError } from "../../../kubelet/src/aci/log-budget";
import { filterLogs } from "../../../kubelet/src/aci/logs";
import { LogsGoneError, NotFoundError, ThrottledError } from "../../../kubelet/src/errors";
import { silentLogger } from "../../../kubelet/src/log";
import type { LogOptions, PodProvider } from "../../../kubelet/src/provider/provider";
import { ManualClock } from "../../fixtures/manual-clock";

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

/** Streams a request to the end, moving a manual clock a poll at a time (polls are 1 s apart). */
async function collect(provider: { getContainerLogs: PodProvider["getContainerLogs"] }, query: string, currentPod: () => V1Pod | undefined, signal = new AbortController().signal, onChunk?: (out: string) => void): Promise<string> {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const pollers = new LogPollers({ provider, currentPod, log: silentLogger, clock, pollMs: 1_000 });
  let out = "";
  let ended = false;
  const streaming = streamLogs({
    provider,
    pollers,
    pod: runningPod,
    container: "main",
    request: parseLogRequest(new URLSearchParams(query)),
    write: (chunk) => ((out += chunk), onChunk?.(out), Promise.resolve()),
    signal,
  }).finally(() => (ended = true));
  for (let i = 0; i < 100 && !ended; i++) await clock.advance(1_000);
  await streaming;
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
    // The pod is seen gone before the third poll: that poll is the last.
    const goneAfterTwo = (backend: { polls: number }) => () => (backend.polls < 2 ? runningPod : undefined);
    const a = scriptedBackend(["a", "b"]);
    const stamped = await collect(a, "follow=true&timestamps=true", goneAfterTwo(a));
    assert.match(stamped, /^2026-01-01T00:00:01\.000Z a\n2026-01-01T00:00:02\.000Z b\n$/);
    const b = scriptedBackend(["old", "new"]);
    assert.equal(await collect(b, "follow=true&tailLines=0", goneAfterTwo(b)), "new\n");
    const ended = scriptedBackend(["all", "there"]);
    assert.equal(await collect(ended, "follow=true", () => undefined), "all\n", "an ended container: one read of its whole log");
    assert.equal(ended.polls, 1);
    const limited = await collect(scriptedBackend(["abcdef", "ghi"]), "follow=true&limitBytes=9", () => runningPod);
    assert.equal(limited, "abcdef\ngh");
  });

  it("stops following when the client goes away", async () => {
    const backend = scriptedBackend(["a", "b", "c", "d"]);
    const gone = new AbortController();
    const out = await collect(backend, "follow=true", () => runningPod, gone.signal, (text) => text.includes("b") && gone.abort());
    assert.equal(out, "a\nb\n");
    assert.equal(backend.polls, 2);
  });

  it("answers a log read refused by the log share with a 429 that says when to try again", () => {
    const http = logErrorToHttp(new LogBudgetExceededError("logs g/main", 4, 2_500));
    assert.ok(http);
    assert.deepEqual([http.code, http.headers], [429, { "Retry-After": "3" }]);
    assert.match(http.message, /^too many log reads on this node: they are over their share of burstlet's Azure read budget \(4 reads\/s, --log-read-share\); try again in 3 s$/);
  });

  it("answers logs that are gone with the kubelet's 400 and the reason, and a missing group with 404", () => {
    const gone = logErrorToHttp(new LogsGoneError("the final log of container \"main\" in pod \"p\" was evicted"));
    assert.deepEqual([gone?.code, gone?.message], [400, "the final log of container \"main\" in pod \"p\" was evicted"]);
    assert.equal(logErrorToHttp(new NotFoundError("no such group"))?.code, 404);
  });

  it("answers a plain request with the provider's filtered snapshot", async () => {
    const out = await collect(scriptedBackend(["x"]), "tailLines=1&timestamps=true", () => runningPod);
    assert.match(out, /^2026-01-01T00:00:01\.000Z x\n$/);
  });
});
