/**
 * What an emulated container "does", derived from its image and command. Pure and deterministic.
 *
 * The convention:
 *
 * | image / command                                    | behaviour                                            |
 * |----------------------------------------------------|------------------------------------------------------|
 * | image contains `doesnotexist` or `invalid`         | rejected at create: 400 `InaccessibleImage`          |
 * | image contains `unpullable`                        | accepted, pull fails later: provisioning `Failed`    |
 * | no command, or an unknown program                  | runs until stopped or deleted                        |
 * | `["sleep", "N"]`                                   | runs N seconds (scaled by the time scale), exits 0   |
 * | `["echo", "a", "b"]`                               | logs `a b`, exits 0                                  |
 * | `["true"]` / `["false"]`                           | exits 0 / exits 1                                    |
 * | `["sh" or "bash" or "/bin/sh", "-c", script]`      | runs the script's statements in order (below)        |
 *
 * Script statements are separated by `;`, `&&` or new lines: `echo ...` writes a log line,
 * `sleep N` waits, `exit N` ends with code N, `true` does nothing, `false` ends with code 1,
 * `sleep infinity` or any other program runs forever. A script that runs out of statements exits 0.
 *
 * CPU: a program that spins (`yes`, `dd`, `md5sum`/`sha1sum`/`sha256sum`, `stress`, `stress-ng`, or
 * a `while`/`until` loop with no `sleep` in the script) keeps the container busy at its CPU limit
 * (see `monitor/usage.ts`); anything else that runs forever is idle.
 */

export type Step =
  | { readonly kind: "log"; readonly line: string }
  | { readonly kind: "sleep"; readonly seconds: number }
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "forever"; readonly busy?: boolean };

/** The steps a container runs through; the last step is always `exit` or `forever`. */
export type Program = readonly Step[];

/** Whether the service can reach the image when the group is created. */
export function isImageAccessible(image: string): boolean {
  const lower = image.toLowerCase();
  return !lower.includes("doesnotexist") && !lower.includes("invalid");
}

/** Whether pulling the image fails after the group was accepted (e.g. a private registry refusing it). */
export function pullFails(image: string): boolean {
  return image.toLowerCase().includes("unpullable");
}

const SHELLS = new Set(["sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env sh"]);
const SPINNERS = new Set(["yes", "dd", "md5sum", "sha1sum", "sha256sum", "stress", "stress-ng"]);
const LOOPS = new Set(["while", "until"]);

/** Whether the program ends running forever at full speed (it burns its CPU limit). */
export function isBusy(program: Program): boolean {
  const last = program[program.length - 1];
  return last?.kind === "forever" && last.busy === true;
}

/** The program a container with this command runs. */
export function programFor(command: readonly string[] | undefined): Program {
  if (!command || command.length === 0) return [{ kind: "forever" }];
  const [head, ...rest] = command as [string, ...string[]];
  if (SHELLS.has(head) && rest[0] === "-c") return scriptProgram(rest.slice(1).join(" "));
  return finish(statement([head, ...rest]));
}

/** Parses a shell script into steps (see the module comment for what is understood). */
export function scriptProgram(script: string): Program {
  const steps: Step[] = [];
  const statements = splitStatements(script);
  for (const [i, raw] of statements.entries()) {
    const words = shellWords(raw);
    if (words.length === 0) continue;
    // A loop runs forever; it spins unless something in it sleeps.
    const spins = LOOPS.has(words[0]) && !statements.slice(i).some((s) => shellWords(s)[0] === "sleep" || shellWords(s)[1] === "sleep");
    const produced = spins ? [{ kind: "forever", busy: true } as const] : statement(words);
    steps.push(...produced);
    const last = produced[produced.length - 1];
    if (last && (last.kind === "exit" || last.kind === "forever")) return steps;
  }
  return finish(steps);
}

function statement(words: readonly string[]): Step[] {
  const [cmd, ...args] = words as [string, ...string[]];
  switch (cmd) {
    case "echo":
      return [{ kind: "log", line: args.join(" ") }];
    case "sleep": {
      if (args[0] === "infinity") return [{ kind: "forever" }];
      const seconds = Number.parseFloat(args[0] ?? "");
      return Number.isFinite(seconds) && seconds >= 0 ? [{ kind: "sleep", seconds }] : [{ kind: "exit", code: 1 }];
    }
    case "exit": {
      const code = Number.parseInt(args[0] ?? "0", 10);
      return [{ kind: "exit", code: Number.isFinite(code) ? code & 0xff : 2 }];
    }
    case "true":
    case ":":
      return [];
    case "false":
      return [{ kind: "exit", code: 1 }];
    default:
      return [SPINNERS.has(cmd.split("/").pop()!) ? { kind: "forever", busy: true } : { kind: "forever" }];
  }
}

function finish(steps: Step[]): Step[] {
  const last = steps[steps.length - 1];
  if (!last || (last.kind !== "exit" && last.kind !== "forever")) steps.push({ kind: "exit", code: 0 });
  return steps;
}

function splitStatements(script: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i];
    if (quote) {
      if (ch === quote) quote = null;
      current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      current += ch;
    } else if (ch === ";" || ch === "\n") {
      out.push(current);
      current = "";
    } else if (ch === "&" && script[i + 1] === "&") {
      out.push(current);
      current = "";
      i++;
    } else {
      current += ch;
    }
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function shellWords(statement: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(statement); m; m = re.exec(statement)) words.push(m[1] ?? m[2] ?? m[3] ?? "");
  return words;
}

/** A small seeded PRNG (mulberry32): the same seed gives the same jitter, ids and failures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
