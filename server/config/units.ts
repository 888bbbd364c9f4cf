/**
 * Sizes and durations as the config file writes them: `"10MiB"`, `"24h"`, `"7d"`.
 * Both parsers take a string and return a whole number (bytes, milliseconds), or throw a
 * UnitError whose message says what is wrong with the text. Negative values, missing or
 * unknown units and non-finite results are errors.
 */
export class UnitError extends Error {
  override name = 'UnitError';
  /** The specific problem ("unknown size unit …"), or null when the text is simply not a size/duration. */
  readonly reason: string | null;
  constructor(input: string, kind: 'size' | 'duration', reason: string | null) {
    const example = kind === 'size' ? '"10MiB" or "512KB"' : '"30s", "10m", "24h" or "7d"';
    super(reason === null
      ? `${JSON.stringify(input)} is not a ${kind}; write a number and a unit, e.g. ${example}`
      : `${JSON.stringify(input)} is not a valid ${kind}: ${reason}`);
    this.reason = reason;
  }
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: 1024 ** 2,
  gb: 1e9,
  gib: 1024 ** 3,
  tb: 1e12,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const NUMBER_AND_UNIT = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;

/**
 * `"10MiB"` → 10485760. Units B, KB/KiB, MB/MiB, GB/GiB, TB/TiB (case-insensitive; KB is
 * 1000 bytes, KiB 1024); a plain whole number is bytes; decimals are allowed with a unit
 * (`"1.5MiB"`) and rounded to the nearest byte.
 */
export function parseSize(input: string): number {
  const [digits, unitText] = split(input, 'size');
  if (unitText === '') {
    if (digits.includes('.')) throw new UnitError(input, 'size', 'a fraction of a byte needs a unit, e.g. "1.5MiB"');
    return checkResult(input, Number(digits), 'size');
  }
  const factor = SIZE_UNITS[unitText.toLowerCase()];
  if (factor === undefined) {
    const letter = unitText.toUpperCase();
    const hint = /^[KMGT]$/.test(letter) ? `; did you mean ${letter}iB (1024-based) or ${letter}B (1000-based)?` : '';
    throw new UnitError(input, 'size', `unknown unit "${unitText}"${hint || '; use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB'}`);
  }
  return checkResult(input, Math.round(Number(digits) * factor), 'size');
}

/**
 * `"24h"` → 86400000. Units ms, s, m (minutes), h, d, w; decimals are allowed (`"1.5h"`)
 * and rounded to the nearest millisecond. A unit is required: `"30"` is an error.
 */
export function parseDuration(input: string): number {
  const [digits, unitText] = split(input, 'duration');
  if (unitText === '') throw new UnitError(input, 'duration', `missing unit, e.g. "${digits}s"; units are ms, s, m, h, d, w`);
  const factor = DURATION_UNITS[unitText];
  if (factor === undefined) {
    throw new UnitError(input, 'duration', `unknown unit "${unitText}"; use ms, s, m (minutes), h, d or w`);
  }
  return checkResult(input, Math.round(Number(digits) * factor), 'duration');
}

/** 10485760 → "10MiB", 1500 → "1500B": the shortest exact binary form, for messages and logs. */
export function formatSize(bytes: number): string {
  for (const [unit, factor] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return `${bytes}B`;
}

/** 86400000 → "1d", 90000 → "90s": the largest unit that divides exactly. */
export function formatDuration(ms: number): string {
  for (const [unit, factor] of [['w', 604_800_000], ['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= factor && ms % factor === 0) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * For people rather than config files: 604800000 → "1 week", 2592000000 → "30 days",
 * 90000 → "90 seconds": the largest unit that divides it exactly, so nothing is rounded.
 */
export function plainDuration(ms: number): string {
  const units = [['week', 604_800_000], ['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000], ['second', 1000], ['millisecond', 1]] as const;
  const [unit, factor] = units.find(([, size]) => ms % size === 0) ?? ['millisecond', 1];
  const count = ms / factor;
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** Splits "1.5 MiB" into ["1.5", "MiB"]; throws UnitError for anything else. */
function split(input: unknown, kind: 'size' | 'duration'): [string, string] {
  if (typeof input !== 'string') throw new UnitError(String(input), kind, `expected a string, found ${typeof input}`);
  const text = input.trim();
  if (/^-\s*\d/.test(text)) throw new UnitError(input, kind, `a ${kind} cannot be negative`);
  const match = NUMBER_AND_UNIT.exec(text);
  if (!match) throw new UnitError(input, kind, null);
  return [match[1] as string, match[2] as string];
}

function checkResult(input: string, value: number, kind: 'size' | 'duration'): number {
  if (!Number.isSafeInteger(value)) throw new UnitError(input, kind, 'too large');
  return value;
}
