/**
 * A canonical JSON form for comparing Kubernetes objects: keys sorted, empty values dropped, and
 * times at the second precision the API server stores — so "did anything change?" is not fooled
 * by key order or by milliseconds the server would drop.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value)) ?? "";
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.\d+Z$/, "Z");
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return value.replace(/\.\d+Z$/, "Z");
  if (Array.isArray(value)) {
    // An emptied item stays as null: positions matter, so ["", "x"] and ["x"] differ.
    return value.length > 0 ? value.map((v) => normalise(v) ?? null) : undefined;
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = normalise((value as Record<string, unknown>)[key]);
      if (v !== undefined) out[key] = v;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return value === null || value === "" ? undefined : value;
}
