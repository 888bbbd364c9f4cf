/**
 * What the mirror coordinator (mirror-sync.ts) needs of each mirrored store: how to load
 * the rows of some keys (or of all) in one query per table, and how to replace one key's
 * entry in memory. A key is the unit a node re-reads when a notification names it: one
 * account, one user's roster, one room with its affiliations…
 */
import type pg from 'pg';
import type { Write } from './write-queue.js';

/** The text columns that identify a key, in the order the change trigger sends them. */
export type KeyParts = readonly string[];

export interface MirroredKind<Entry> {
  /** The first word of the notification payload, e.g. "account". */
  readonly kind: string;
  /** The entries of the given keys (absent ones missing from the map), or of every key; mapped by encodeParts. */
  load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, Entry>>;
  /** Makes the mirror hold `entry` for the key (undefined: nothing). */
  replace(parts: KeyParts, entry: Entry | undefined): void;
  /** Every key the mirror holds now. */
  keys(): KeyParts[];
}

export type Queryable = Pick<pg.Pool, 'query'> | pg.ClientBase;

/** How a store hands a change to the coordinator: mirror keys first, then the SQL. */
export interface MirrorWriter {
  /** Throws StorageBusyError when no more changes can be queued; called before the mirror changes. */
  admit(): void;
  write(keys: readonly string[], write: Write): void;
  atomic<T>(change: () => T): T;
  /** Reads these keys again from the database into the mirror (unless this node has writes of them queued). */
  reread(keys: readonly string[]): Promise<void>;
  /** Resolves once every change queued so far is committed. */
  committed(): Promise<void>;
}

export function encodeParts(parts: KeyParts): string {
  return JSON.stringify(parts);
}

export function mirrorKey(kind: string, parts: KeyParts): string {
  return `${kind}:${encodeParts(parts)}`;
}

/**
 * A WHERE clause restricting `columns` to the given keys (none: no restriction), with its
 * parameters: one text array per column, matched row-wise through unnest.
 */
export function keyFilter(columns: readonly string[], keys: readonly KeyParts[] | undefined): { where: string; params: string[][] } {
  if (keys === undefined) return { where: '', params: [] };
  const arrays = columns.map((_, index) => keys.map((parts) => parts[index] ?? ''));
  const unnest = columns.map((_, index) => `$${index + 1}::text[]`).join(', ');
  return { where: ` WHERE (${columns.join(', ')}) IN (SELECT * FROM unnest(${unnest}))`, params: arrays };
}

/** Groups rows into entries by key: `add` folds each row into its key's entry. */
export function groupByKey<Row, Entry>(rows: readonly Row[], partsOf: (row: Row) => KeyParts, entries: Map<string, Entry>, add: (entry: Entry | undefined, row: Row) => Entry): Map<string, Entry> {
  for (const row of rows) {
    const key = encodeParts(partsOf(row));
    entries.set(key, add(entries.get(key), row));
  }
  return entries;
}

/** bigint columns arrive as strings (they may exceed 2^53); Palaver's fit in a double. */
export function toNumber(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * The write queue is full: PostgreSQL has been unreachable for a long time. The change is
 * refused before anything changed, as a full disk refuses a SQLite write.
 */
export class StorageBusyError extends Error {}
