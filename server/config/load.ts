/**
 * Reading the config: `loadConfig(file)` for the server and CLI, `configFromObject(obj)`
 * for tests, `defaultConfig()` for "no file". Every problem becomes one line of a
 * ConfigError: `palaver.toml: [muc].history_length: expected a whole number ≥ 0, found "abc"`.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { configSchema, type ConfigInput } from './schema.js';
import type { Config } from './types.js';

export type { ConfigInput } from './schema.js';

/** A config that cannot be used. `message` is for the admin: one line per problem, no stack needed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    /** The file as the user named it, or "config" for an object. */
    readonly file: string,
    /** One line each, already prefixed with the file name. */
    readonly problems: string[],
  ) {
    super(problems.join('\n'));
  }
}

/**
 * Reads, parses and validates a TOML config file; `null` gives the embedded defaults
 * (relative paths against the working directory). Throws ConfigError.
 */
export function loadConfig(file: string | null): Config {
  if (file === null) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [`${file}: cannot read the config file: ${readError(error)}`]);
  }
  let data: unknown;
  try {
    data = parseToml(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(file, [`${file}:${error.line}:${error.column}: invalid TOML: ${reason}`]);
    }
    throw error;
  }
  return validate(data, path.dirname(path.resolve(file)), file, path.resolve(file));
}

/** The configuration with no file: serves `localhost`, data in ./data under the working directory. */
export function defaultConfig(): Config {
  return validate({}, process.cwd(), 'defaults', null);
}

/**
 * Builds a Config from a plain object shaped like the TOML file, with the same validation
 * and defaults (throws ConfigError). Relative paths resolve against `baseDir`.
 *
 *     configFromObject({ server: { auth: 'insecure' }, listen: { c2s: '127.0.0.1:0' } }, dir)
 */
export function configFromObject(input: ConfigInput, baseDir: string = process.cwd()): Config {
  return validate(input, path.resolve(baseDir), 'config', null);
}

function validate(data: unknown, baseDir: string, label: string, source: string | null): Config {
  const result = configSchema(baseDir).safeParse(data, { reportInput: true });
  if (!result.success) throw new ConfigError(label, result.error.issues.flatMap((issue) => formatIssue(issue, data, label)));
  return { ...result.data, source };
}

// --- Messages ----------------------------------------------------------------------------

type Path = readonly PropertyKey[];

/** Tables inside tables, written [auth.jwt] in TOML and so in messages. */
const NESTED_TABLES = new Set(['auth.jwt', 'server.contact']);

/** ["muc", "history_length"] → "[muc].history_length"; ["channels", 0, "name"] → "[[channels]][0].name". */
export function keyPath(at: Path): string {
  if (at.length === 0) return '';
  const table = at.length > 2 && NESTED_TABLES.has(`${String(at[0])}.${String(at[1])}`) ? 2 : 1;
  const head = at.slice(0, table).map(String).join('.');
  const rest = at.slice(table);
  let out = head === 'channels' ? '[[channels]]' : `[${head}]`;
  for (const part of rest) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

function formatIssue(issue: z.core.$ZodIssue, data: unknown, label: string): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const at = [...issue.path, key];
      const isSection = issue.path.length === 0 && isTable(valueAt(data, at));
      const where = issue.path.length === 0 ? (isSection ? `[${key}]` : key) : `${keyPath(issue.path)}.${key}`;
      const known = knownKeys(issue.path);
      const guess = closest(key, known);
      const hint = guess ? `; did you mean ${issue.path.length === 0 && isSection ? `[${guess}]` : guess}?` : '';
      return `${label}: ${where}: unknown ${isSection ? 'section' : 'key'}${hint}`;
    });
  }
  const where = keyPath(issue.path);
  return [`${label}: ${where ? `${where}: ` : ''}${issue.message}`];
}

function isTable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function valueAt(data: unknown, at: Path): unknown {
  let value = data;
  for (const part of at) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

const CHANNEL_KEYS = ['name', 'title', 'welcome', 'description'];
let defaultsForKeys: Config | undefined;

/** The keys a table at this path may hold (for "did you mean"). */
function knownKeys(at: Path): string[] {
  defaultsForKeys ??= validate({}, '/', 'defaults', null);
  if (at.length === 0) return Object.keys(defaultsForKeys).filter((key) => key !== 'source');
  if (at[0] === 'channels') return CHANNEL_KEYS;
  const table = (defaultsForKeys as unknown as Record<string, unknown>)[String(at[0])];
  return at.length === 1 && isTable(table) ? Object.keys(table as object) : [];
}

/** The known key nearest to a misspelt one, if near enough (transpositions count as one edit). */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(d[i - 1]![j]! + 1, row[j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}
