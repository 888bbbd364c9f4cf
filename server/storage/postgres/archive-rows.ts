/**
 * Writing archived messages to PostgreSQL's room_archive, shared by the store's batched
 * appends (archive.ts) and the copy from SQLite (copy-archive.ts).
 */
import type pg from 'pg';
import type { SerializedArchiveEntry } from '../archive.js';

/** Anything that runs a query: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** The rooms' archive, or the accounts' one-to-one archive (same columns). */
export type ArchiveTable = 'room_archive' | 'account_archive';

/** One message as it is written. */
export interface ArchiveRow extends SerializedArchiveEntry {
  /** What to_tsvector indexes (archive-search.ts indexedText); ignored when retracted. */
  words: string;
  retracted: boolean;
}

/**
 * One statement for any number of rows (an array per column, so its text and plan never
 * change with the batch size). unnest yields the rows in array order, and the identity
 * column numbers them as they come: `seq` keeps the order of `rows`.
 */
const insertInto = (table: ArchiveTable): string => `
  INSERT INTO ${table} (room, id, timestamp, nick, occupant_id, stanza, retracted, search)
  SELECT room, id, timestamp, nick, occupant_id, stanza, retracted,
         CASE WHEN retracted THEN NULL ELSE to_tsvector('simple', words) END
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[])
      AS row (room, id, timestamp, nick, occupant_id, stanza, retracted, words)
  ON CONFLICT (room, id) DO NOTHING
  RETURNING room, id`;

/** Inserts the rows in order; a repeated (room, id) keeps the first. Returns the rows that went in. */
export async function insertArchiveRows(db: Queryable, rows: readonly ArchiveRow[], table: ArchiveTable = 'room_archive'): Promise<{ room: string; id: string }[]> {
  if (rows.length === 0) return [];
  const result = await db.query<{ room: string; id: string }>(insertInto(table), [
    rows.map((row) => row.room), rows.map((row) => row.id), rows.map((row) => row.timestamp),
    rows.map((row) => row.nick), rows.map((row) => row.occupantId), rows.map((row) => row.stanza),
    rows.map((row) => row.retracted), rows.map((row) => row.words),
  ]);
  return result.rows;
}

/** Everything at or before the newest message beyond the cap, in each of these rooms (nothing while under it). */
const trimOf = (table: ArchiveTable): string => `
  DELETE FROM ${table} a
   USING unnest($1::text[]) AS r (room),
         LATERAL (SELECT seq FROM ${table} b WHERE b.room = r.room ORDER BY seq DESC OFFSET $2 LIMIT 1) AS edge
   WHERE a.room = r.room AND a.seq <= edge.seq`;

/** Keeps the newest `cap` messages of each room. */
export async function trimRooms(db: Queryable, rooms: readonly string[], cap: number, table: ArchiveTable = 'room_archive'): Promise<void> {
  await db.query(trimOf(table), [rooms, cap]);
}
