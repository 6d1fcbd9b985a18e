/** ISO 8601 durations of hours, minutes and seconds, as Azure Monitor writes time grains (`PT1M`). */

/** `PT1M` → 60000; undefined for anything else (days, months, `FULL`). */
export function durationMs(iso: string | undefined): number | undefined {
  const m = iso ? /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/i.exec(iso) : null;
  if (!m || (!m[1] && !m[2] && !m[3])) return undefined;
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
}

/** 60 → `PT1M`, 5 → `PT5S`, 3600 → `PT1H`. */
export function isoDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `PT${seconds / 3600}H`;
  if (seconds > 0 && seconds % 60 === 0) return `PT${seconds / 60}M`;
  return `PT${seconds}S`;
}
