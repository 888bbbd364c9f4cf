/**
 * `palaver migrate --to-postgres`, the room archive's part: a SQLite archive copied into
 * PostgreSQL answers every query as it did (on the machine's PostgreSQL).
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import { NS } from '../../server/xml/namespaces.js';
import { roomArchive } from '../../server/storage/sqlite/migrations/005-room-archive.js';
import { SqliteArchiveStore } from '../../server/storage/sqlite/archive.js';
import { copyArchiveFromSqlite } from '../../server/storage/postgres/copy-archive.js';
import { openPostgresArchive } from '../../server/storage/postgres/archive.js';
import type { ArchiveFilter, ArchivePage, ArchiveStore, PageRequest } from '../../server/storage/archive.js';
import { tombstone } from '../../server/muc/tombstone.js';
import { createArchiveTestDatabase, type ArchiveTestDatabase } from '../helpers/postgres-archive.js';

const ROOM = 'lobby@conference.localhost';
const OTHER = 'other@conference.localhost';
const T0 = Date.UTC(2024, 0, 1);
const WORDS = ['deploy', 'café', 'release', 'friday', 'rollback', 'Überweisung'];

let database: ArchiveTestDatabase;
beforeAll(async () => {
  database = await createArchiveTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

/** More messages than one chunk of the copy, in two rooms interleaved, some retracted. */
function sqliteArchive(): { db: BetterSqlite3.Database; store: SqliteArchiveStore } {
  const db = new BetterSqlite3(':memory:');
  db.exec(roomArchive.up as string);
  const store = new SqliteArchiveStore(db);
  for (let i = 1; i <= 1300; i++) {
    const room = i % 3 === 0 ? OTHER : ROOM;
    const nick = i % 2 === 0 ? 'alice' : 'bob';
    const id = `m${i}`;
    const body = `${WORDS[i % WORDS.length]} number ${i}`;
    store.append(room, {
      id, nick, occupantId: `occ-${nick}`, timestamp: T0 + i * 1000,
      stanza: xml('message', { from: `${room}/${nick}`, type: 'groupchat' }, xml('body', {}, body), xml('stanza-id', { xmlns: NS.sid, id, by: room })),
    });
  }
  for (const id of ['m10', 'm11', 'm1298']) {
    store.retract(ROOM, id, (original) => tombstone(original, { by: `${ROOM}/mod`, stamp: new Date(T0).toISOString() }));
  }
  return { db, store };
}

const QUERIES: [string, ArchiveFilter, PageRequest][] = [
  [ROOM, {}, { max: 50 }],
  [ROOM, {}, { max: 30, before: '' }],
  [ROOM, {}, { max: 25, after: 'm500' }],
  [ROOM, {}, { max: 10, index: 700 }],
  [OTHER, { nick: 'alice' }, { max: 100 }],
  [ROOM, { search: 'cafe' }, { max: 500 }],
  [ROOM, { search: 'uberweis' }, { max: 5, before: 'm1000' }],
  [ROOM, { search: 'number 13' }, { max: 100 }],
  [OTHER, { search: '"deploy number"' }, { max: 20 }],
  [ROOM, { start: T0 + 100_000, end: T0 + 200_000, afterId: 'm121' }, { max: 100 }],
];

function summary(page: ArchivePage): unknown {
  return { ...page, messages: page.messages.map((message) => [message.id, message.timestamp, message.stanza.toString()]) };
}

async function answers(store: ArchiveStore): Promise<unknown[]> {
  return Promise.all(QUERIES.map(async ([room, filter, page]) => summary(await store.query(room, filter, page))));
}

describe('copying the SQLite archive into PostgreSQL', () => {
  it('copies every message in order, tombstones included, and every query answers the same', async () => {
    const { db, store: sqlite } = sqliteArchive();
    await database.open();
    const client = await database.pool.connect();
    let copied: number;
    try {
      await client.query('BEGIN');
      copied = await copyArchiveFromSqlite(db, client);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(copied).toBe(1300);

    const postgres = await openPostgresArchive(database.pool, { recentPerRoom: 100 });
    const expected = await answers(sqlite);
    expect(await answers(postgres)).toEqual(expected);
    // The queries found something: a comparison of empty answers would prove nothing.
    expected.forEach((answer, i) => expect((answer as ArchivePage).count, JSON.stringify(QUERIES[i])).toBeGreaterThan(0));
    const recent = (store: ArchiveStore, room: string) => store.recent(room, 100).map((message) => message.text);
    expect(recent(postgres, ROOM)).toEqual(recent(sqlite, ROOM));
    expect(recent(postgres, OTHER)).toEqual(recent(sqlite, OTHER));
    expect(await postgres.get(ROOM, 'm11')).toMatchObject({ retracted: true, nick: 'bob' });
    expect(await postgres.edges(OTHER)).toEqual(await sqlite.edges(OTHER));
  });

  it('copied twice, keeps each message once (ids are unique per room)', async () => {
    const { db } = sqliteArchive();
    await database.open();
    const client = await database.pool.connect();
    try {
      expect(await copyArchiveFromSqlite(db, client)).toBe(1300);
      expect(await copyArchiveFromSqlite(db, client)).toBe(0);
    } finally {
      client.release();
    }
  });
});
