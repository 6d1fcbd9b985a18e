/**
 * The demo in a terminal. On a TTY a small block redraws in place (progress bar, placement,
 * container groups) with step lines scrolling above it; elsewhere (CI, pipes) plain lines are
 * printed when something changed, at most once a second. Plain ANSI escapes: no terminal library is
 * a dependency of this package, and a progress bar needs only colours and "cursor up, clear".
 * The `render*` functions are pure; `TerminalView` owns the stream.
 */
import { formatUsd } from "../components/aci-prices";
import type { BurstSnapshot, DemoSummary } from "./snapshot";
import { cpuText, memoryText, topTable } from "./usage";
import { SANDBOX_METRIC_RESOLUTION_SECONDS } from "../sandbox/control-plane/metrics-server";

export interface Style {
  readonly color: boolean;
}

const SGR = { reset: "\x1b[0m", bold: "\x1b[1m", dim: "\x1b[2m", red: "\x1b[31m", green: "\x1b[32m", yellow: "\x1b[33m", cyan: "\x1b[36m" } as const;
type Tone = Exclude<keyof typeof SGR, "reset">;

function paint(style: Style, tone: Tone, text: string): string {
  return style.color && text.length > 0 ? `${SGR[tone]}${text}${SGR.reset}` : text;
}

export function secondsText(ms: number | undefined): string {
  return ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`;
}

/** A bar of `width` cells: succeeded, running, failed, then pending. */
export function progressBar(s: BurstSnapshot, width: number, style: Style): string {
  const total = Math.max(s.items, s.phases.pending + s.phases.running + s.phases.succeeded + s.phases.failed, 1);
  const cells = (n: number): number => Math.round((n / total) * width);
  const succeeded = cells(s.phases.succeeded);
  const running = Math.min(width - succeeded, cells(s.phases.running));
  const failed = Math.min(width - succeeded - running, cells(s.phases.failed));
  const pending = width - succeeded - running - failed;
  return paint(style, "green", "█".repeat(succeeded)) + paint(style, "yellow", "▓".repeat(running)) + paint(style, "red", "█".repeat(failed)) + paint(style, "dim", "░".repeat(pending));
}

function nodeList(nodes: Readonly<Record<string, number>>, max = 4): string {
  const names = Object.keys(nodes).sort();
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}

/** Rows of `kubectl top pods` the summary shows. */
export const TOP_ROWS = 5;

/** The burst's usage in one line, as `kubectl top pods` would add it up. */
export function usageLine(s: BurstSnapshot): string {
  if (!s.usage || s.usage.rows.length === 0) return s.phases.running > 0 ? `kubectl top: no figures yet (metrics-server scrapes every ${SANDBOX_METRIC_RESOLUTION_SECONDS} s)` : "kubectl top: no burst pod running";
  return `kubectl top: ${s.usage.rows.length} pods, CPU ${cpuText(s.usage.cpuMillicores)}, memory ${memoryText(s.usage.memoryBytes)}`;
}

const podsLeft = (s: BurstSnapshot): number => s.phases.pending + s.phases.running + s.phases.succeeded + s.phases.failed;

/**
 * The live block (a few lines, each under 80 columns). During cleanup the burst's last state stays
 * on screen (`finalBurst`) and the last line counts what is left to delete.
 */
export function renderLive(s: BurstSnapshot, virtualNode: string, style: Style, finalBurst?: BurstSnapshot): string[] {
  const p = s.phases;
  const label = (text: string): string => paint(style, "bold", text.padEnd(7));
  if (s.stage === "cleanup" && finalBurst) {
    const lines = renderLive(finalBurst, virtualNode, style);
    lines[lines.length - 1] = `${label("ACI")}cleaning up: ${podsLeft(s)} pods, ${paint(style, "bold", String(s.groups.alive))} container groups left  ${paint(style, "dim", secondsText(s.elapsedMs))}`;
    return lines;
  }
  return [
    `${label("Burst")}${progressBar(s, 40, style)} ${p.succeeded}/${s.items} done  ${paint(style, "dim", secondsText(s.elapsedMs))}`,
    `${label("")}pending ${p.pending}  ${paint(style, "yellow", `running ${p.running}`)}  ${paint(style, "green", `succeeded ${p.succeeded}`)}  ${p.failed > 0 ? paint(style, "red", `failed ${p.failed}`) : "failed 0"}${s.jobComplete ? paint(style, "green", "  Job complete") : ""}`,
    `${label("Where")}${paint(style, "cyan", `virtual node ${virtualNode} (ACI): ${s.placement.virtual}`)}  ordinary nodes: ${s.placement.ordinary}  unscheduled: ${s.placement.unscheduled}`,
    `${label("")}steady service: ${s.steady.running}/${s.steady.total} running on ${nodeList(s.steady.nodes)}`,
    `${label("Usage")}${usageLine(s)}`,
    `${label("ACI")}container groups alive: ${paint(style, "bold", String(s.groups.alive))} (running ${s.groups.running}, succeeded ${s.groups.succeeded})`,
  ];
}

/** One line for logs and pipes. */
export function renderPlain(s: BurstSnapshot): string {
  const p = s.phases;
  if (s.stage === "cleanup") return `[${secondsText(s.elapsedMs).padStart(7)}] cleanup: ${podsLeft(s)} pods, ${s.groups.alive} container groups left`;
  return [
    `[${secondsText(s.elapsedMs).padStart(7)}] burst: pending ${p.pending}, running ${p.running}, succeeded ${p.succeeded}/${s.items}, failed ${p.failed}`,
    `on virtual node ${s.placement.virtual}, ordinary ${s.placement.ordinary}, unscheduled ${s.placement.unscheduled}`,
    `steady ${s.steady.running}/${s.steady.total}`,
    usageLine(s),
    `container groups ${s.groups.alive} (running ${s.groups.running})${s.jobComplete ? " | Job complete" : ""}`,
  ].join(" | ");
}

/** What the burst was billed and what it is estimated to cost, next to machines kept for the same work. */
function costRows(m: DemoSummary, row: (name: string, value: string) => string): string[] {
  const c = m.cost;
  if (!c) return [row("billed compute", "no pod carried billed compute")];
  const scale = Math.round(1 / c.timeScale);
  return [
    row("billed compute", `${Math.round(c.vcpuSeconds).toLocaleString("en-US")} vCPU-s, ${Math.round(c.gbSeconds).toLocaleString("en-US")} GB-s over ${c.billedPods} pods (burstlet's pod annotations, × ${scale}: the emulator runs ${scale} times faster)`),
    row("estimated cost", `${formatUsd(c.cost)} on ACI, against ${formatUsd(c.kept.cost)} for ${c.kept.machines} × ${c.kept.size} kept ${c.kept.hours} h to hold the burst's peak (${c.source})`),
  ];
}

/** The closing summary, ready to print. */
export function renderSummary(m: DemoSummary, style: Style): string[] {
  const row = (name: string, value: string): string => `  ${name.padEnd(28)}${value}`;
  const ok = (good: boolean, text: string): string => paint(style, good ? "green" : "red", text);
  const logLines = m.logs.text.trimEnd().split("\n").filter((l) => l.length > 0);
  return [
    "",
    paint(style, "bold", "Summary"),
    row("items processed", ok(m.succeeded === m.items && m.failed === 0, `${m.succeeded}/${m.items} succeeded, ${m.failed} failed`)),
    row("burst pods", `${m.burstOnVirtualNode} on virtual node "${m.virtualNode}" (ACI), ${m.burstOnOrdinaryNodes} on ordinary nodes`),
    row("steady pods", `${m.steadyOnOrdinaryNodes}/${m.steadyPods} on ordinary nodes (${m.steadyNodes.join(", ")})`),
    row("first container started", `${secondsText(m.firstContainerStartedMs)} after the Job was submitted`),
    row("last container started", `${secondsText(m.lastContainerStartedMs)} after the Job was submitted`),
    row("last container finished", `${secondsText(m.lastContainerFinishedMs)} after the Job was submitted (in ACI)`),
    row("Job complete", `${secondsText(m.jobCompleteMs)} after the Job was submitted (every pod reported)`),
    ...(m.lastContainerFinishedMs === undefined ? [] : [row("noticed", `${secondsText(m.jobCompleteMs - m.lastContainerFinishedMs)} after the last container finished (burstlet reading its exit, the Job controller counting it)`)]),
    row("container groups", `${m.containerGroupsStarted} started, at most ${m.peakContainerGroups} alive at once`),
    row("container groups left", m.cleanupMs === undefined ? `${m.containerGroupsLeft} (kept with --keep)` : ok(m.containerGroupsLeft === 0, `${m.containerGroupsLeft} after deleting the Job (cleanup took ${secondsText(m.cleanupMs)})`)),
    row("kubectl top", m.usage ? `${m.usage.view.rows.length} burst pods with usage, first after ${secondsText(m.usage.firstMs)}; CPU ${cpuText(m.usage.view.cpuMillicores)}, memory ${memoryText(m.usage.view.memoryBytes)} in all` : ok(false, "no usage was read from metrics.k8s.io")),
    ...costRows(m, row),
    row("setup", `${secondsText(m.setupMs)} (control plane ${secondsText(m.controlPlaneMs)})`),
    row("demo time", `${secondsText(m.totalMs)} from start to summary`),
    "",
    m.logs.pod
      ? `Logs of ${m.logs.pod}, read through the API server (kubectl logs), which asked burstlet's kubelet API:`
      : ok(false, "No burst pod finished, so no logs were read."),
    ...logLines.map((l) => paint(style, "dim", `  | ${l}`)),
    ...(m.usage
      ? ["", `Usage of the burst pods ${secondsText(m.usage.atMs)} after the Job was submitted, from metrics.k8s.io (kubectl top pods), which metrics-server scraped from burstlet:`, ...topTable(m.usage.view, TOP_ROWS).map((l) => paint(style, "dim", `  | ${l}`))]
      : []),
  ];
}

/** Writes progress lines, live snapshots and the summary to a stream, redrawing on a TTY. */
export class TerminalView {
  private height = 0;
  private last: BurstSnapshot | undefined;
  private lastBurst: BurstSnapshot | undefined;
  private lastPlain = "";
  private lastPlainAt = 0;
  private readonly style: Style;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly virtualNode: string,
    private readonly live: boolean = out.isTTY === true,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.style = { color: live && env.NO_COLOR === undefined };
  }

  progress = (line: string): void => {
    if (!this.live) {
      this.flushPlain();
      this.out.write(`${line}\n`);
      return;
    }
    this.out.write(`${this.clearBlock()}${paint(this.style, "dim", "•")} ${line}\n${this.drawBlock()}`);
  };

  snapshot = (s: BurstSnapshot): void => {
    this.last = s;
    if (s.stage === "burst") this.lastBurst = s;
    if (this.live) {
      this.out.write(this.clearBlock() + this.drawBlock());
      return;
    }
    if (Date.now() - this.lastPlainAt >= 1_000 || s.jobComplete) this.flushPlain();
  };

  summary(m: DemoSummary): void {
    this.finish();
    this.out.write(`${renderSummary(m, this.style).join("\n")}\n`);
  }

  /** Leaves the last block on screen and stops redrawing (the cursor comes back). */
  finish(): void {
    if (this.live && this.height > 0) this.out.write("\x1b[?25h");
    if (!this.live) this.flushPlain();
    this.height = 0;
    this.last = undefined;
    this.lastBurst = undefined;
  }

  /** Prints the latest snapshot unless the last printed line said the same (the elapsed time aside). */
  private flushPlain(): void {
    if (!this.last) return;
    const line = renderPlain(this.last);
    const sansTime = (l: string): string => l.replace(/^\[[^\]]*\]/, "");
    if (sansTime(line) === sansTime(this.lastPlain)) return;
    this.out.write(`${line}\n`);
    this.lastPlain = line;
    this.lastPlainAt = Date.now();
  }

  /** Escapes that move to the block's first line and erase it and everything below. */
  private clearBlock(): string {
    const escapes = this.height > 0 ? `\x1b[${this.height}F\x1b[0J` : "";
    this.height = 0;
    return escapes;
  }

  /** The block (with the cursor hidden while it redraws). */
  private drawBlock(): string {
    if (!this.last) return "";
    const lines = renderLive(this.last, this.virtualNode, this.style, this.lastBurst);
    this.height = lines.length;
    return `\x1b[?25l${lines.join("\n")}\n`;
  }
}
