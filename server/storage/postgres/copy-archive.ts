/**
 * `palaver migrate --to-postgres`: the room archive (or the accounts' archive) of a SQLite data_dir into
 * PostgreSQL's room_archive (account_archive), in arrival order (so MAM paging, which walks that order, is unchanged),
 * tombstones included. The search index is built afresh from each stanza: FTS5's is
 * contentless and cannot be read back.
 */
import { parse } from 'ltx';
import type pg from 'pg';
import type { Database } from '../sqlite/database.js';
import { searchableText } from '../search.js';
import { indexedText } from './archive-search.js';
import { insertArchiveRows, type ArchiveRow, type ArchiveTable } from './archive-rows.js';

/** Rows read and written at a time: one INSERT each, memory bounded whatever the archive's size. */
const CHUNK = 1000;

interface SqliteRow { seq: number; room: string; id: string; timestamp: number; nick: string; occupant_id: string; stanza: string; retracted: number }

/** Copies every archived message; resolves with how many. Run it inside the migration's transaction. */
export async function copyArchiveFromSqlite(source: Database, target: pg.PoolClient, table: ArchiveTable = 'room_archive'): Promise<number> {
  const read = source.prepare<[number, number], SqliteRow>(
    `SELECT seq, room, id, timestamp, nick, occupant_id, stanza, retracted FROM ${table} WHERE seq > ? ORDER BY seq LIMIT ?`);
  let copied = 0;
  for (let after = 0; ;) {
    const rows = read.all(after, CHUNK);
    if (rows.length === 0) return copied;
    copied += (await insertArchiveRows(target, rows.map(toArchiveRow), table)).length;
    after = rows.at(-1)!.seq;
  }
}

function toArchiveRow(row: SqliteRow): ArchiveRow {
  const retracted = row.retracted === 1;
  return {
    room: row.room, id: row.id, timestamp: row.timestamp, nick: row.nick, occupantId: row.occupant_id,
    stanza: row.stanza, retracted, words: retracted ? '' : indexedText(searchableText(parse(row.stanza))),
  };
}
