/**
 * `WWW-Authenticate` challenges of registries: `Basic realm="..."` or
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:x:pull"`.
 */

export interface Challenge {
  readonly scheme: "basic" | "bearer";
  readonly params: Readonly<Record<string, string>>;
}

const PARAM = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;

export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme !== "basic" && scheme !== "bearer") return undefined;
  const params: Record<string, string> = {};
  for (const p of match[2].matchAll(PARAM)) params[p[1].toLowerCase()] = (p[2] ?? p[3] ?? "").replace(/\\(.)/g, "$1");
  return { scheme, params };
}
