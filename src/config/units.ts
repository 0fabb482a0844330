/** Human units for durations ("500ms", "30s", "5m30s") and sizes ("4KiB", "1MiB"), shared by config and CLI. */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

/** What a number without a unit means: milliseconds in configuration, seconds on the command line. */
export type BareDurationUnit = 'ms' | 's';

/**
 * Parses "500ms", "30s", "1.5h", "7d" and compounds such as "5m30s" or "1h30m" into milliseconds; a bare
 * number ("1500") is in `bare` units. Returns null when the text is not a duration.
 */
export function parseDuration(text: string, bare: BareDurationUnit = 'ms'): number | null {
  const trimmed = text.trim();
  const plain = /^(\d+(?:\.\d+)?)$/.exec(trimmed);
  if (plain) return finiteMs(Number(plain[1]) * DURATION_UNITS[bare]!);
  if (!/^(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d)\s*)+$/i.test(trimmed)) return null;
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/gi)) {
    ms += Number(n) * DURATION_UNITS[unit!.toLowerCase()]!;
  }
  return finiteMs(ms);
}

function finiteMs(ms: number): number | null {
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** Parses "1048576", "4KiB", "1MiB", "1MB" into bytes; returns null when it is not a size. */
export function parseBytes(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
  if (!match) return null;
  const bytes = Number(match[1]) * BYTE_UNITS[(match[2] ?? 'b').toLowerCase()]!;
  return Number.isInteger(bytes) ? bytes : null;
}

/** 1500 -> "1.5s", 3600000 -> "1h". */
export function formatMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % (size / 10) === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
