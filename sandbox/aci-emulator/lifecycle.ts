/**
 * The simulated life of one container group: provisioning (`Pending` → `Creating` → `Succeeded` or
 * `Failed`), image pulls, containers `Waiting` → `Running` → `Terminated`, the restart policy,
 * events with counts and timestamps, and log lines. Timers only; no I/O.
 *
 * Durations are nominal seconds multiplied by the time scale (0.01 makes a 3 s pull take 30 ms);
 * timestamps are wall-clock. Jitter comes from the emulator's seeded random source.
 */
import { programFor, pullFails, type Program } from "./behaviour";
import { restartPolicyOf, type RestartPolicy, type WireGroupProperties } from "./wire";

/** Nominal durations in seconds (before the time scale). */
export interface LifecycleTiming {
  /** Accepted → `Creating`. @default 1 */
  readonly pendingSeconds: number;
  /** Image pull. @default 3 */
  readonly pullSeconds: number;
  /** Back-off before the restart policy first restarts a container (doubles per restart, at most 300). @default 2 */
  readonly restartBackoffSeconds: number;
  /** Delete accepted → gone. @default 1 */
  readonly deleteSeconds: number;
  /** Relative jitter applied to the durations above. @default 0.2 */
  readonly jitter: number;
}

export const DEFAULT_TIMING: LifecycleTiming = { pendingSeconds: 1, pullSeconds: 3, restartBackoffSeconds: 2, deleteSeconds: 1, jitter: 0.2 };

export interface LifecycleEnv {
  readonly timeScale: number;
  readonly timing: LifecycleTiming;
  readonly random: () => number;
  /** Extra real milliseconds before provisioning proceeds (the slow-provisioning fault). */
  readonly extraProvisioningMs: () => number;
  /** Caps each container's log to this many lines. */
  readonly maxLogLines: number;
  /** Hears each container that ended on its own (not killed), as it ends. @default nothing */
  readonly onExit?: (container: string, exitCode: number) => void;
}

export interface ContainerStateView {
  state: "Waiting" | "Running" | "Terminated";
  startTime?: string;
  exitCode?: number;
  finishTime?: string;
  detailStatus: string;
}

export interface EventView {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: "Normal" | "Warning";
}

export interface LogLine {
  readonly at: number;
  readonly line: string;
}

/** Outcome of provisioning, reported once per provisioning round (create, start, restart). */
export type ProvisioningOutcome = { readonly status: "Succeeded" } | { readonly status: "Failed"; readonly code: string; readonly message: string };

class EventLog {
  readonly items: EventView[] = [];
  add(name: string, message: string, type: "Normal" | "Warning" = "Normal"): void {
    const now = new Date().toISOString();
    const existing = this.items.find((e) => e.name === name && e.message === message);
    if (existing) {
      existing.count += 1;
      existing.lastTimestamp = now;
    } else {
      this.items.push({ count: 1, firstTimestamp: now, lastTimestamp: now, name, message, type });
    }
  }
}

/** One container (or init container) of a group. */
export class ContainerRuntime {
  readonly events = new EventLog();
  readonly logs: LogLine[] = [];
  restartCount = 0;
  current: ContainerStateView | undefined;
  previous: ContainerStateView | undefined;
  /** A restart by the restart policy is scheduled. */
  restartPending = false;
  /** When the container ran (epoch ms), oldest first; `to` is absent while it runs. Usage metrics read it. */
  readonly runs: Array<{ from: number; to?: number }> = [];

  constructor(
    readonly name: string,
    readonly image: string,
    readonly program: Program,
    readonly init: boolean,
  ) {}

  /** Marks the current run (if any) as ended now. */
  endRun(): void {
    const last = this.runs[this.runs.length - 1];
    if (last && last.to === undefined) last.to = Date.now();
    if (this.runs.length > 20) this.runs.splice(0, this.runs.length - 20);
  }

  log(line: string, max: number): void {
    this.logs.push({ at: Date.now(), line });
    if (this.logs.length > max) this.logs.splice(0, this.logs.length - max);
  }
}

export class GroupRuntime {
  provisioningState: "Pending" | "Creating" | "Succeeded" | "Failed" | "Deleting" = "Pending";
  stopped = false;
  readonly groupEvents = new EventLog();
  readonly containers: ContainerRuntime[];
  readonly initContainers: ContainerRuntime[];
  private readonly restartPolicy: RestartPolicy;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Bumped on every new round (start, restart, stop, delete) so stale timers do nothing. */
  private generation = 0;
  private initFailed = false;

  /** Called when the current provisioning round ends. */
  private onProvisioned: (outcome: ProvisioningOutcome) => void = () => undefined;

  constructor(
    private readonly env: LifecycleEnv,
    props: WireGroupProperties,
  ) {
    this.restartPolicy = restartPolicyOf(props);
    this.containers = props.containers.map((c) => new ContainerRuntime(c.name, c.properties.image, programFor(c.properties.command), false));
    this.initContainers = (props.initContainers ?? []).map((c) => new ContainerRuntime(c.name, c.properties.image ?? "", programFor(c.properties.command), true));
  }

  /** The group's `instanceView.state`, as the service reports it. */
  get state(): "Pending" | "Running" | "Succeeded" | "Failed" | "Stopped" {
    if (this.stopped) return "Stopped";
    if (this.provisioningState === "Pending" || this.provisioningState === "Creating") return "Pending";
    // A failed pull leaves the group Pending (as in the spec's ContainerGroupsGet_Failed example);
    // a failed init container fails the group.
    if (this.provisioningState === "Failed") return this.initFailed ? "Failed" : "Pending";
    if (this.containers.some((c) => c.current?.state === "Running" || c.restartPending)) return "Running";
    if (this.containers.every((c) => c.current?.state === "Terminated")) {
      return this.containers.every((c) => c.current?.exitCode === 0) ? "Succeeded" : "Failed";
    }
    return "Running";
  }

  /** Starts a provisioning round (create, start after stop, restart); `onProvisioned` hears how it ended. */
  provision(onProvisioned: (outcome: ProvisioningOutcome) => void = () => undefined): void {
    const gen = ++this.generation;
    this.onProvisioned = onProvisioned;
    this.stopped = false;
    this.initFailed = false;
    this.provisioningState = "Pending";
    const delay = this.scaled(this.env.timing.pendingSeconds) + this.env.extraProvisioningMs();
    this.after(delay, gen, () => this.beginCreating(gen));
  }

  /**
   * A Spot eviction: every container is killed (exit code 137, `detail`), the group gets a Warning
   * `event`, and ACI provisions it again by itself; each container counts a restart.
   */
  evict(detail: string, event: string): void {
    this.generation++;
    this.cancelTimers();
    this.kill(detail);
    for (const c of [...this.initContainers, ...this.containers]) {
      c.previous = c.current;
      c.restartCount += 1;
    }
    this.groupEvents.add(event, "The Spot container group was evicted: Azure reclaimed its capacity. It is restarted automatically.", "Warning");
    this.provision();
  }

  /** Kills running containers and provisions again (the restart operation). */
  restart(): void {
    this.kill();
    this.provision();
  }

  /** Kills the containers; the group reports `Stopped` until started again. */
  stop(): void {
    this.generation++;
    this.cancelTimers();
    this.kill();
    this.stopped = true;
  }

  /** Kills the containers and calls `onGone` once the (scaled) delete time has passed. */
  beginDelete(onGone: () => void): void {
    const gen = ++this.generation;
    this.cancelTimers();
    this.kill();
    this.provisioningState = "Deleting";
    this.after(this.scaled(this.env.timing.deleteSeconds), gen, onGone);
  }

  /** Cancels every timer (the emulator is closing or the group is gone). */
  dispose(): void {
    this.generation++;
    this.cancelTimers();
  }

  private beginCreating(gen: number): void {
    this.provisioningState = "Creating";
    const all = [...this.initContainers, ...this.containers];
    for (const c of all) {
      if (c.current?.state !== "Terminated") c.previous = c.current ?? c.previous;
      c.current = { state: "Waiting", startTime: new Date().toISOString(), detailStatus: "" };
      c.restartPending = false;
      c.events.add("Pulling", `pulling image "${c.image}"`);
    }
    let pending = all.length;
    let failedImage: string | undefined;
    for (const c of all) {
      this.after(this.scaled(this.env.timing.pullSeconds), gen, () => {
        if (pullFails(c.image)) {
          failedImage ??= c.image;
          c.events.add("Failed", `Failed to pull image "${c.image}": rpc error: code = Unknown desc = failed to resolve reference "${c.image}"`, "Warning");
        } else {
          c.events.add("Pulled", `Successfully pulled image "${c.image}"`);
        }
        if (--pending === 0) {
          if (failedImage !== undefined) this.fail("InaccessibleImage", `The image '${failedImage}' in container group is not accessible. Please check the image and registry credential.`);
          else this.runInit(0, gen);
        }
      });
    }
  }

  private runInit(index: number, gen: number): void {
    const init = this.initContainers[index];
    if (!init) {
      for (const c of this.containers) this.startContainer(c, gen);
      this.provisioningState = "Succeeded";
      this.onProvisioned({ status: "Succeeded" });
      return;
    }
    this.startContainer(init, gen, (code) => {
      if (code === 0) this.runInit(index + 1, gen);
      else {
        this.initFailed = true;
        this.fail("ContainerGroupInitContainerFailed", `The init container '${init.name}' exited with code ${code}.`);
      }
    });
  }

  private fail(code: string, message: string): void {
    this.provisioningState = "Failed";
    this.groupEvents.add(code === "InaccessibleImage" ? "FailedPull" : "FailedInit", message, "Warning");
    this.onProvisioned({ status: "Failed", code, message });
  }

  private startContainer(c: ContainerRuntime, gen: number, onExit?: (code: number) => void): void {
    c.current = { state: "Running", startTime: new Date().toISOString(), detailStatus: "" };
    c.runs.push({ from: Date.now() });
    c.restartPending = false;
    c.events.add("Started", "Started container");
    this.runSteps(c, 0, gen, onExit);
  }

  private runSteps(c: ContainerRuntime, from: number, gen: number, onExit?: (code: number) => void): void {
    for (let i = from; i < c.program.length; i++) {
      const step = c.program[i];
      switch (step.kind) {
        case "log":
          c.log(step.line, this.env.maxLogLines);
          break;
        case "sleep":
          this.after(this.scaled(step.seconds, 0), gen, () => this.runSteps(c, i + 1, gen, onExit));
          return;
        case "exit":
          this.terminate(c, step.code, gen, onExit);
          return;
        case "forever":
          return;
      }
    }
  }

  private terminate(c: ContainerRuntime, exitCode: number, gen: number, onExit?: (code: number) => void): void {
    const started = c.current?.startTime;
    c.endRun();
    c.current = { state: "Terminated", ...(started ? { startTime: started } : {}), exitCode, finishTime: new Date().toISOString(), detailStatus: exitCode === 0 ? "Completed" : "Error" };
    this.env.onExit?.(c.name, exitCode);
    if (onExit) {
      onExit(exitCode);
      return;
    }
    const restart = this.restartPolicy === "Always" || (this.restartPolicy === "OnFailure" && exitCode !== 0);
    if (!restart) return;
    c.restartPending = true;
    // Crash-loop back-off doubling per restart up to 5 minutes, as Kubernetes does; ACI does not
    // document its own back-off.
    const backoff = Math.min(this.env.timing.restartBackoffSeconds * 2 ** Math.min(c.restartCount, 8), 300);
    this.after(this.scaled(backoff), gen, () => {
      c.previous = c.current;
      c.restartCount += 1;
      this.startContainer(c, gen);
    });
  }

  private kill(detail = "Killed"): void {
    for (const c of [...this.initContainers, ...this.containers]) {
      c.restartPending = false;
      if (c.current?.state !== "Running" && c.current?.state !== "Waiting") continue;
      c.events.add("Killing", "Killing container");
      c.endRun();
      c.previous = c.current;
      c.current = { state: "Terminated", ...(c.current.startTime ? { startTime: c.current.startTime } : {}), exitCode: 137, finishTime: new Date().toISOString(), detailStatus: detail };
    }
  }

  private scaled(seconds: number, jitter = this.env.timing.jitter): number {
    const factor = 1 + (this.env.random() * 2 - 1) * jitter;
    return Math.max(0, seconds * 1000 * this.env.timeScale * factor);
  }

  private after(ms: number, gen: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (gen === this.generation) fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private cancelTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
