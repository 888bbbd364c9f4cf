/**
 * The room archive store, on every backend (storage/archive.ts): what a room keeps, replays
 * on join, pages through, finds, retracts and forgets. One suite, run against each backend
 * (PostgreSQL on a throwaway database of the machine's server).
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { xml, type Element } from '../../server/xml/element.js';
import { NS } from '../../server/xml/namespaces.js';
import { StanzaError } from '../../server/xml/errors.js';
import { roomArchive } from '../../server/storage/sqlite/migrations/005-room-archive.js';
import { ArchiveIdNotFound, type ArchiveFilter, type ArchiveStore, type PageRequest } from '../../server/storage/archive.js';
import { SqliteArchiveStore } from '../../server/storage/sqlite/archive.js';
import { MemoryArchiveStore } from '../../server/storage/memory/archive.js';
import { ArchiveHistory } from '../../server/muc/archive/index.js';
import { ArchiveRetention } from '../../server/mam/retention.js';
import { tombstone } from '../../server/muc/tombstone.js';
import { createArchiveTestDatabase, refuseArchiveWrites, type ArchiveTestDatabase } from '../helpers/postgres-archive.js';
import { openPostgresArchive, type PostgresArchiveStore } from '../../server/storage/postgres/archive.js';

const ROOM = 'lobby@conference.localhost';
const OTHER = 'other@conference.localhost';
const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;

let db: BetterSqlite3.Database;
let clock: number;
let archive: ArchiveStore;

/** A SQLite database holding the archive's migration alone, so the store is tested whatever else the schema list holds. */
function archiveDatabase(): BetterSqlite3.Database {
  const database = new BetterSqlite3(':memory:');
  database.exec(roomArchive.up as string);
  return database;
}

let postgres: ArchiveTestDatabase;
beforeAll(async () => {
  postgres = await createArchiveTestDatabase();
});
afterAll(async () => {
  await postgres?.close();
});

const BACKENDS: { name: string; open: () => ArchiveStore | Promise<ArchiveStore> }[] = [
  { name: 'sqlite', open: () => new SqliteArchiveStore(db = archiveDatabase()) },
  { name: 'memory', open: () => new MemoryArchiveStore() },
  { name: 'postgres', open: () => postgres.open() },
];

/** What a moderator's retraction does to the stored message (muc/archive/index.ts does the same). */
function retract(room: string, id: string, by: string, reason?: string): void {
  archive.retract(room, id, (original) => tombstone(original, { by, stamp: new Date(clock).toISOString(), reason }));
}

function groupchat(room: string, nick: string, id: string, body: string, extra: Element[] = []): Element {
  return xml('message', { from: `${room}/${nick}`, to: `someone@localhost/res`, type: 'groupchat', id: `client-${id}` },
    xml('body', {}, body),
    xml('stanza-id', { xmlns: NS.sid, id, by: room }),
    xml('occupant-id', { xmlns: NS.occupantId, id: `occ-${nick}` }),
    ...extra);
}

/** Appends messages m1..mN, one a minute from T0, alternating alice and bob. */
function seed(n: number, room = ROOM, text = (i: number) => `message number ${i}`): void {
  for (let i = 1; i <= n; i++) {
    const nick = i % 2 === 1 ? 'alice' : 'bob';
    const id = room === ROOM ? `m${i}` : `${room}-m${i}`;
    archive.append(room, { id, stanza: groupchat(room, nick, id, text(i)), nick, occupantId: `occ-${nick}`, timestamp: T0 + i * MINUTE });
  }
}

async function ids(filter: ArchiveFilter = {}, page: PageRequest = { max: 100 }): Promise<string[]> {
  return (await archive.query(ROOM, filter, page)).messages.map((m) => m.id);
}

describe.each(BACKENDS)('the $name archive store', ({ open }) => {
  beforeEach(async () => {
    clock = T0;
    archive = await open();
  });

  describe('a room keeps its messages', () => {
    it('replays the last messages on join, oldest first, with their stanza-id', async () => {
      seed(5);
      const recent = archive.recent(ROOM, 3);
      expect(recent.map((m) => m.id)).toEqual(['m3', 'm4', 'm5']);
      expect(recent[0]!.timestamp).toBe(T0 + 3 * MINUTE);
      expect(recent[0]!.stanza.getChildText('body')).toBe('message number 3');
      expect(recent[0]!.stanza.getChild('stanza-id', NS.sid)?.attrs.id).toBe('m3');
      expect(archive.recent(ROOM, 0)).toEqual([]);
      expect(archive.recent(ROOM, 50)).toHaveLength(5);
    });

    it('keeps rooms apart', async () => {
      seed(3);
      seed(2, OTHER);
      expect(archive.recent(OTHER, 10).map((m) => m.id)).toEqual([`${OTHER}-m1`, `${OTHER}-m2`]);
      expect(await ids()).toEqual(['m1', 'm2', 'm3']);
      await expect(archive.query(ROOM, { afterId: `${OTHER}-m1` }, { max: 10 })).rejects.toThrow(ArchiveIdNotFound);
    });

    it('stores no "to" and no muc#user payload a client slipped in', async () => {
      const stanza = groupchat(ROOM, 'mallory', 'x1', 'hi', [xml('x', { xmlns: NS.mucUser }, xml('item', { jid: 'spoofed@localhost' }))]);
      new ArchiveHistory(archive, () => clock).append(ROOM, { id: 'x1', stanza, nick: 'mallory', occupantId: 'o', timestamp: T0 });
      const [stored] = archive.recent(ROOM, 1);
      expect(stored!.stanza.attrs.to).toBeUndefined();
      expect(stored!.stanza.getChild('x', NS.mucUser)).toBeUndefined();
      expect(stanza.attrs.to).toBeDefined(); // the caller's live stanza is untouched
    });

    it('keeps the first message when an id is appended twice', async () => {
      archive.append(ROOM, { id: 'dup', stanza: groupchat(ROOM, 'a', 'dup', 'first'), nick: 'a', occupantId: 'o', timestamp: T0 });
      archive.append(ROOM, { id: 'dup', stanza: groupchat(ROOM, 'a', 'dup', 'second'), nick: 'a', occupantId: 'o', timestamp: T0 });
      expect(archive.recent(ROOM, 10).map((m) => m.stanza.getChildText('body'))).toEqual(['first']);
      expect((await archive.query(ROOM, { search: 'second' }, { max: 10 })).count).toBe(0);
    });
  });

  describe('paging through an archive', () => {
    beforeEach(() => seed(10));

    it('pages forward with after, reporting the page position, the total and completeness', async () => {
      const first = await archive.query(ROOM, {}, { max: 4 });
      expect(first.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expect(first).toMatchObject({ count: 10, firstIndex: 0, complete: false });
      const second = await archive.query(ROOM, {}, { max: 4, after: 'm4' });
      expect(second.messages.map((m) => m.id)).toEqual(['m5', 'm6', 'm7', 'm8']);
      expect(second).toMatchObject({ count: 10, firstIndex: 4, complete: false });
      const third = await archive.query(ROOM, {}, { max: 4, after: 'm8' });
      expect(third.messages.map((m) => m.id)).toEqual(['m9', 'm10']);
      expect(third).toMatchObject({ firstIndex: 8, complete: true });
    });

    it('an empty <before/> gives the last page, and before pages backwards, each page oldest first', async () => {
      const last = await archive.query(ROOM, {}, { max: 3, before: '' });
      expect(last.messages.map((m) => m.id)).toEqual(['m8', 'm9', 'm10']);
      expect(last).toMatchObject({ firstIndex: 7, complete: false });
      const earlier = await archive.query(ROOM, {}, { max: 3, before: 'm8' });
      expect(earlier.messages.map((m) => m.id)).toEqual(['m5', 'm6', 'm7']);
      const earliest = await archive.query(ROOM, {}, { max: 5, before: 'm3' });
      expect(earliest.messages.map((m) => m.id)).toEqual(['m1', 'm2']);
      expect(earliest).toMatchObject({ firstIndex: 0, complete: true });
    });

    it('jumps to an index', async () => {
      const page = await archive.query(ROOM, {}, { max: 2, index: 5 });
      expect(page.messages.map((m) => m.id)).toEqual(['m6', 'm7']);
      expect(page.firstIndex).toBe(5);
    });

    it('max 0 counts without returning messages', async () => {
      const page = await archive.query(ROOM, {}, { max: 0 });
      expect(page.messages).toEqual([]);
      expect(page.count).toBe(10);
      expect(page.firstIndex).toBeUndefined();
    });

    it('unknown after and before ids are errors, not empty pages', async () => {
      await expect(archive.query(ROOM, {}, { max: 5, after: 'nope' })).rejects.toThrow(ArchiveIdNotFound);
      await expect(archive.query(ROOM, {}, { max: 5, before: 'nope' })).rejects.toThrow(ArchiveIdNotFound);
      await expect(archive.query(ROOM, { ids: ['m1', 'nope'] }, { max: 5 })).rejects.toThrow(ArchiveIdNotFound);
    });

    it('an empty room is a complete, empty result', async () => {
      expect(await archive.query(OTHER, {}, { max: 5 })).toEqual({ messages: [], complete: true, count: 0, firstIndex: undefined });
      expect((await archive.query(OTHER, {}, { max: 5, before: '' })).messages).toEqual([]);
    });
  });

  describe('filters', () => {
    beforeEach(() => seed(10));

    it('start and end are inclusive times', async () => {
      expect(await ids({ start: T0 + 3 * MINUTE, end: T0 + 5 * MINUTE })).toEqual(['m3', 'm4', 'm5']);
      expect(await ids({ start: T0 + 9 * MINUTE + 1 })).toEqual(['m10']);
      const page = await archive.query(ROOM, { start: T0 + 3 * MINUTE }, { max: 2, after: 'm4' });
      expect(page.messages.map((m) => m.id)).toEqual(['m5', 'm6']);
      expect(page).toMatchObject({ count: 8, firstIndex: 2 });
    });

    it('with a nick finds what that occupant said', async () => {
      expect(await ids({ nick: 'bob' })).toEqual(['m2', 'm4', 'm6', 'm8', 'm10']);
      expect(await ids({ nick: 'carol' })).toEqual([]);
    });

    it('after-id, before-id and ids narrow the result set itself', async () => {
      expect(await ids({ afterId: 'm3', beforeId: 'm7' })).toEqual(['m4', 'm5', 'm6']);
      const page = await archive.query(ROOM, { afterId: 'm3', beforeId: 'm7' }, { max: 10 });
      expect(page).toMatchObject({ count: 3, firstIndex: 0, complete: true });
      expect(await ids({ ids: ['m9', 'm2'] })).toEqual(['m2', 'm9']);
    });

    it('filters combine', async () => {
      expect(await ids({ nick: 'alice', start: T0 + 4 * MINUTE, afterId: 'm5' })).toEqual(['m7', 'm9']);
    });
  });

  describe('full-text search', () => {
    const texts = [
      'We deploy the new release on Friday',
      'Le café est prêt',
      'Deployment went fine, no rollback',
      'she said "quote" and left',
      'NEAR the end OR the beginning',
      'nothing to see here',
    ];
    beforeEach(() => seed(texts.length, ROOM, (i) => texts[i - 1]!));
    const search = (q: string) => ids({ search: q });

    it('finds words, ignoring case and accents, and word beginnings', async () => {
      expect(await search('friday')).toEqual(['m1']);
      expect(await search('cafe')).toEqual(['m2']);
      expect(await search('deploy')).toEqual(['m1', 'm3']);
      expect(await search('deploy friday')).toEqual(['m1']);
    });

    it('a quoted run is a phrase', async () => {
      expect(await search('"new release"')).toEqual(['m1']);
      expect(await search('"release new"')).toEqual([]);
    });

    it('FTS5 syntax in a search is only text', async () => {
      expect(await search('"')).toEqual([]);
      expect(await search('*')).toEqual([]);
      expect(await search('NEAR(')).toEqual(['m5']);
      expect(await search('NEAR(deploy friday)')).toEqual([]); // all four words, as words
      expect(await search('deploy OR café')).toEqual([]); // "or" is a word here
      expect(await search('end OR')).toEqual(['m5']);
      expect(await search('NOT deploy')).toEqual([]);
      expect(await search('text:deploy')).toEqual([]);
      expect(await search('^deploy')).toEqual(['m1', 'm3']);
      expect(await search('quote"')).toEqual(['m4']);
      expect(await search('"unterminated phrase')).toEqual([]);
      expect(await search('"quote')).toEqual(['m4']);
      expect(await search('(((')).toEqual([]);
      expect(await search('\u0000deploy\u0007')).toEqual(['m1', 'm3']);
    });

    it('a very long search is cut, not refused', async () => {
      expect(await search('deploy '.repeat(10_000))).toEqual(['m1', 'm3']);
      expect(await search('x'.repeat(100_000))).toEqual([]);
    });

    it('search pages and counts like any filter', async () => {
      const page = await archive.query(ROOM, { search: 'the' }, { max: 1, before: '' });
      expect(page.count).toBe(2);
      expect(page.messages.map((m) => m.id)).toEqual(['m5']);
      expect(page).toMatchObject({ firstIndex: 1, complete: false });
    });

    it('searches one room only', async () => {
      seed(1, OTHER, () => 'deploy elsewhere');
      expect(await search('deploy')).toEqual(['m1', 'm3']);
    });
  });

  describe('retraction by a moderator', () => {
    beforeEach(() => seed(3, ROOM, (i) => `secret number ${i}`));

    it('leaves a tombstone with the same id, stanza-id and occupant-id, without the body', async () => {
      clock = T0 + 99 * MINUTE;
      retract(ROOM, 'm2', `${ROOM}/mod`, 'spam');
      const [, tomb] = archive.recent(ROOM, 3);
      expect(tomb!.id).toBe('m2');
      const stanza = tomb!.stanza;
      expect(stanza.getChild('body')).toBeUndefined();
      expect(stanza.toString()).not.toContain('secret');
      expect(stanza.attrs.from).toBe(`${ROOM}/bob`);
      expect(stanza.getChild('stanza-id', NS.sid)?.attrs.id).toBe('m2');
      expect(stanza.getChild('occupant-id', NS.occupantId)?.attrs.id).toBe('occ-bob');
      const retracted = stanza.getChild('retracted', 'urn:xmpp:message-retract:1')!;
      expect(retracted.attrs).toMatchObject({ by: `${ROOM}/mod`, stamp: new Date(clock).toISOString() });
      expect(retracted.getChild('moderated', 'urn:xmpp:message-moderate:1')?.attrs.by).toBe(`${ROOM}/mod`);
      expect(retracted.getChildText('reason')).toBe('spam');
      const legacy = stanza.getChild('moderated', 'urn:xmpp:message-moderate:0')!;
      expect(legacy.getChild('retracted', 'urn:xmpp:message-retract:0')?.attrs.stamp).toBe(new Date(clock).toISOString());
    });

    it('takes the message out of search, and keeps it in paging', async () => {
      retract(ROOM, 'm2', `${ROOM}/mod`);
      expect(await ids({ search: 'secret' })).toEqual(['m1', 'm3']);
      expect(await ids()).toEqual(['m1', 'm2', 'm3']);
      expect((await archive.get(ROOM, 'm2'))?.retracted).toBe(true);
    });

    it('is idempotent and ignores unknown ids', async () => {
      retract(ROOM, 'm1', 'first-mod');
      retract(ROOM, 'm1', 'second-mod');
      retract(ROOM, 'nope', 'mod');
      expect((await archive.get(ROOM, 'm1'))!.stanza.getChild('retracted', 'urn:xmpp:message-retract:1')?.attrs.by).toBe('first-mod');
    });
  });

  describe('retention', () => {
    const log = { info: () => {}, error: () => {} } as never;

    it('deletes messages older than the configured age, in batches, with their search entries', async () => {
      seed(25, ROOM, (i) => `word${i} common`);
      clock = T0 + 30 * MINUTE;
      const retention = new ArchiveRetention(archive, { maxAge: 10 * MINUTE, now: () => clock, log, batchSize: 4 });
      expect(await retention.sweep()).toBe(19); // m1..m19 are older than 20 minutes past T0
      expect(await ids()).toEqual(['m20', 'm21', 'm22', 'm23', 'm24', 'm25']);
      expect((await archive.query(ROOM, { search: 'common' }, { max: 100 })).count).toBe(6);
      expect(await retention.sweep()).toBe(0);
      clock += 60 * MINUTE;
      expect(await retention.sweep()).toBe(6);
      expect(await archive.edges(ROOM)).toBeUndefined();
    });

    it('stops between batches once stopped', async () => {
      seed(20);
      clock = T0 + 100 * MINUTE;
      const retention = new ArchiveRetention(archive, { maxAge: MINUTE, now: () => clock, log, batchSize: 5 });
      const sweeping = retention.sweep();
      retention.stop();
      expect(await sweeping).toBe(5);
    });
  });

  describe('archive edges and rooms that go away', () => {
    it('reports the first and last message, and forgets a destroyed room', async () => {
      seed(4);
      seed(2, OTHER);
      expect(await archive.edges(ROOM)).toEqual({ start: { id: 'm1', timestamp: T0 + MINUTE }, end: { id: 'm4', timestamp: T0 + 4 * MINUTE } });
      archive.deleteRoom(ROOM);
      expect(await archive.edges(ROOM)).toBeUndefined();
      expect(archive.recent(OTHER, 10)).toHaveLength(2);
    });

    it('deleteRoomsExcept forgets every room of the domain but those kept, and no other domain', async () => {
      seed(2);
      seed(2, OTHER);
      archive.append('x@elsewhere.example', { id: 'e1', stanza: groupchat('x@elsewhere.example', 'a', 'e1', 'hi'), nick: 'a', occupantId: 'o', timestamp: T0 });
      expect(await archive.deleteRoomsExcept('conference.localhost', [ROOM])).toBe(2);
      expect(archive.recent(ROOM, 10)).toHaveLength(2);
      expect(archive.recent(OTHER, 10)).toHaveLength(0);
      expect(archive.recent('x@elsewhere.example', 10)).toHaveLength(1);
    });
  });
});

describe('the SQLite archive store', () => {
  beforeEach(() => {
    clock = T0;
    archive = new SqliteArchiveStore(db = archiveDatabase());
  });

  it('drops expired messages from the search index with them', async () => {
    seed(25, ROOM, (i) => `word${i} common`);
    clock = T0 + 30 * MINUTE;
    const log = { info: () => {}, error: () => {} } as never;
    await new ArchiveRetention(archive, { maxAge: 10 * MINUTE, now: () => clock, log, batchSize: 4 }).sweep();
    const indexed = db.prepare('SELECT count(*) AS n FROM room_archive_fts WHERE room_archive_fts MATCH ?').get('common') as { n: number };
    expect(indexed.n).toBe(6);
  });
});

describe('SQLite appends with a commit delay are committed together, shortly after', () => {
  const batched = (onFailure?: (error: unknown, messages: number, delivered: boolean) => void) =>
    new SqliteArchiveStore(db, onFailure, { commitDelayMs: 25, fsync: false });
  beforeEach(() => {
    clock = T0;
    db = archiveDatabase();
    archive = batched();
  });

  const storedRows = () => (db.prepare('SELECT count(*) AS n FROM room_archive').get() as { n: number }).n;

  it('writes queued messages within a few tens of milliseconds, and at once past a thousand', async () => {
    seed(3);
    expect(storedRows()).toBe(0);
    await expect.poll(storedRows, { timeout: 1000, interval: 5 }).toBe(3);
    seed(1000, OTHER);
    expect(storedRows()).toBe(1003);
  });

  it('lets every read see what was appended in the same turn', async () => {
    seed(2);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['m1', 'm2']);
    seed(3);
    expect(await ids({ search: 'number' })).toEqual(['m1', 'm2', 'm3']);
    archive.append(ROOM, { id: 'late', stanza: groupchat(ROOM, 'alice', 'late', 'late one'), nick: 'alice', occupantId: 'occ-alice', timestamp: T0 });
    expect((await archive.get(ROOM, 'late'))?.nick).toBe('alice');
    archive.append(ROOM, { id: 'gone', stanza: groupchat(ROOM, 'bob', 'gone', 'retract me'), nick: 'bob', occupantId: 'occ-bob', timestamp: T0 });
    retract(ROOM, 'gone', `${ROOM}/mod`);
    expect((await archive.get(ROOM, 'gone'))?.retracted).toBe(true);
    expect((await archive.edges(ROOM))?.end.id).toBe('gone');
  });

  it('stores the stanza as it was appended, whatever the caller does to it afterwards', async () => {
    const stanza = groupchat(ROOM, 'alice', 'x1', 'original');
    archive.append(ROOM, { id: 'x1', stanza, nick: 'alice', occupantId: 'occ-alice', timestamp: T0 });
    stanza.getChild('body')!.children = ['changed'];
    expect((await archive.get(ROOM, 'x1'))?.stanza.getChildText('body')).toBe('original');
  });

  it('reports a commit that fails with the number of delivered messages lost, and keeps working', async () => {
    const failures: [number, boolean][] = [];
    archive = batched((_error, messages, delivered) => failures.push([messages, delivered]));
    seed(2);
    db.exec(`CREATE TEMP TRIGGER disk_full BEFORE INSERT ON room_archive BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    expect(() => archive.flush()).not.toThrow();
    expect(failures).toEqual([[2, true]]);
    expect(storedRows()).toBe(0);
    db.exec('DROP TRIGGER disk_full');
    seed(1);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['m1']);
  });
});

describe('SQLite appends without a commit delay (the default) are stored before append returns', () => {
  beforeEach(() => {
    clock = T0;
    archive = new SqliteArchiveStore(db = archiveDatabase());
  });
  const storedRows = () => (db.prepare('SELECT count(*) AS n FROM room_archive').get() as { n: number }).n;

  it('commits each message at once, outside any read', async () => {
    seed(3);
    expect(storedRows()).toBe(3);
  });

  it('refuses a message it cannot store with a wait error for its sender, reports it, and keeps working', async () => {
    const failures: [number, boolean][] = [];
    archive = new SqliteArchiveStore(db, (_error, messages, delivered) => failures.push([messages, delivered]));
    db.exec(`CREATE TEMP TRIGGER disk_full BEFORE INSERT ON room_archive BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    let refusal: unknown;
    try {
      seed(1);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(StanzaError);
    expect(refusal).toMatchObject({ type: 'wait', condition: 'internal-server-error' });
    expect(failures).toEqual([[1, false]]);
    db.exec('DROP TRIGGER disk_full');
    seed(2);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['m1', 'm2']);
  });
});

describe('a SQLite archive keeps a bounded number of messages', () => {
  beforeEach(() => {
    clock = T0;
  });

  it('keeps the newest [muc].archive_max_messages per room, dropping the oldest first, room by room', async () => {
    archive = new SqliteArchiveStore(db = archiveDatabase(), undefined, { maxMessagesPerRoom: 3 });
    seed(5);
    seed(2, OTHER);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['m3', 'm4', 'm5']);
    expect((await archive.query(ROOM, {}, { max: 10 })).count).toBe(3);
    expect(archive.recent(OTHER, 10)).toHaveLength(2);
    // What was dropped is gone from search too.
    expect((await archive.query(ROOM, { search: 'number 1' }, { max: 10 })).messages).toEqual([]);
  });

  it('in memory (temporary rooms), a full database makes way for new messages by dropping the oldest of any room', async () => {
    const lost: number[] = [];
    archive = fillSmallArchive(true, lost);
    expect(lost).toEqual([]);
    const kept = archive.recent(ROOM, 1000).map((m) => m.id);
    expect(kept.at(-1)).toBe('b400');
    expect(kept.length).toBeLessThan(400);
  });

  it('on disk, a full database refuses the new message to its sender (reported), never drops older messages', async () => {
    const lost: number[] = [];
    const refusals: unknown[] = [];
    archive = fillSmallArchive(false, lost, refusals);
    expect(lost.length).toBeGreaterThan(0);
    expect(refusals).toHaveLength(lost.length);
    expect(refusals[0]).toMatchObject({ type: 'wait', condition: 'resource-constraint' });
    expect(archive.recent(ROOM, 1000).map((m) => m.id)[0]).toBe('b1');
  });
});

/** 400 messages of 2 kB into a database capped at 64 pages (256 KiB): it fills up. */
function fillSmallArchive(evictOldestWhenFull: boolean, lost: number[], refusals: unknown[] = []): SqliteArchiveStore {
  const small = new BetterSqlite3(':memory:');
  small.exec(roomArchive.up as string);
  small.pragma('max_page_count = 64');
  const store = new SqliteArchiveStore(small, (_error, n) => lost.push(n), { evictOldestWhenFull });
  const big = 'x'.repeat(2000);
  for (let i = 1; i <= 400; i++) {
    try {
      store.append(ROOM, { id: `b${i}`, stanza: groupchat(ROOM, 'alice', `b${i}`, `${i} ${big}`), nick: 'alice', occupantId: 'o', timestamp: T0 + i });
    } catch (refusal) {
      refusals.push(refusal);
    }
  }
  return store;
}

describe('the PostgreSQL archive store', () => {
  const storedRows = async () => Number((await postgres.pool.query<{ n: string }>('SELECT count(*) AS n FROM room_archive')).rows[0]!.n);
  const entry = (room: string, id: string, body: string) =>
    ({ id, stanza: groupchat(room, 'alice', id, body), nick: 'alice', occupantId: 'occ-alice', timestamp: T0 });
  /** A store on the table as it is (not emptied): what another process, or a restart, sees. */
  const reopen = (recentPerRoom = 1000) => openPostgresArchive(postgres.pool, { recentPerRoom });

  beforeEach(async () => {
    clock = T0;
    archive = await postgres.open();
  });

  it('resolves an append once its batch is committed, one INSERT for the appends of one turn, in order', async () => {
    const appended = Array.from({ length: 50 }, (_, i) => archive.append(ROOM, entry(ROOM, `b${i}`, `batch ${i}`)));
    expect(new Set(appended).size).toBe(1); // one batch, one commit
    await appended[0];
    // Seen from another connection: committed, not merely queued.
    expect(await storedRows()).toBe(50);
    const { rows } = await postgres.pool.query<{ id: string }>('SELECT id FROM room_archive ORDER BY seq');
    expect(rows.map((row) => row.id)).toEqual(appended.map((_, i) => `b${i}`));
  });

  it('loads the history tail of every room at open, as many as a room may ask for, tombstones included', async () => {
    seed(8);
    seed(3, OTHER);
    retract(ROOM, 'm7', `${ROOM}/mod`);
    await archive.flush();
    const restarted = await reopen(5);
    expect(restarted.recent(ROOM, 100).map((m) => m.id)).toEqual(['m4', 'm5', 'm6', 'm7', 'm8']);
    expect(restarted.recent(ROOM, 100)[3]!.stanza.getChild('body')).toBeUndefined();
    expect(restarted.recent(OTHER, 2).map((m) => m.id)).toEqual([`${OTHER}-m2`, `${OTHER}-m3`]);
    // What it appends from then on joins the tail, which stays at five.
    restarted.append(ROOM, entry(ROOM, 'm9', 'nine'));
    expect(restarted.recent(ROOM, 100).map((m) => m.id)).toEqual(['m5', 'm6', 'm7', 'm8', 'm9']);
    await restarted.flush();
  });

  it('retracts a message older than the tail from the stored row', async () => {
    seed(6);
    await archive.flush();
    const small = await reopen(2);
    small.retract(ROOM, 'm1', (original) => tombstone(original, { by: 'mod', stamp: new Date(clock).toISOString() }));
    const stored = await small.get(ROOM, 'm1');
    expect(stored).toMatchObject({ retracted: true, nick: 'alice' });
    expect(stored!.stanza.getChild('body')).toBeUndefined();
    expect((await small.query(ROOM, { search: 'number' }, { max: 10 })).count).toBe(5);
  });

  it('a repeated id older than the tail keeps the first message, and leaves the tail once committed', async () => {
    const small = await reopen(2);
    small.append(ROOM, entry(ROOM, 'a', 'first'));
    small.append(ROOM, entry(ROOM, 'b', 'second'));
    await small.append(ROOM, entry(ROOM, 'c', 'third'));
    await small.append(ROOM, entry(ROOM, 'a', 'again'));
    expect(small.recent(ROOM, 10).map((m) => m.stanza.getChildText('body'))).toEqual(['third']);
    expect((await small.get(ROOM, 'a'))?.stanza.getChildText('body')).toBe('first');
    await small.loadRecent(ROOM);
    expect(small.recent(ROOM, 10).map((m) => m.id)).toEqual(['b', 'c']);
  });

  it('keeps the newest [muc].archive_max_messages per room, the tail included', async () => {
    const capped = await postgres.open({ maxMessagesPerRoom: 3 });
    archive = capped;
    seed(5);
    seed(2, OTHER);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['m3', 'm4', 'm5']);
    expect((await archive.query(ROOM, {}, { max: 10 })).count).toBe(3);
    expect((await archive.query(ROOM, { search: 'number 1' }, { max: 10 })).messages).toEqual([]);
    expect(archive.recent(OTHER, 10)).toHaveLength(2);
  });

  it('a batch that cannot be committed is refused to every sender in it, reported, and left out of history', async () => {
    const failures: [number, boolean][] = [];
    archive = await postgres.open({ onWriteError: (_error, messages, delivered) => failures.push([messages, delivered]) });
    const allowWrites = await refuseArchiveWrites(postgres.pool);
    let outcomes: PromiseSettledResult<void>[];
    try {
      outcomes = await Promise.allSettled([1, 2].map((i) => archive.append(ROOM, entry(ROOM, `x${i}`, 'refused'))));
    } finally {
      await allowWrites();
    }
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    const refusal = (outcomes[0] as PromiseRejectedResult).reason as unknown;
    expect(refusal).toBeInstanceOf(StanzaError);
    expect(refusal).toMatchObject({ type: 'wait', condition: 'internal-server-error' });
    expect(failures).toEqual([[2, false]]);
    expect(archive.recent(ROOM, 10)).toEqual([]);
    await archive.append(ROOM, entry(ROOM, 'ok', 'stored'));
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['ok']);
    expect(await storedRows()).toBe(1);
  });

  it('with a commit delay, writes behind: append lets the message go at once, and commits it shortly after', async () => {
    const failures: [number, boolean][] = [];
    archive = await postgres.open({ commitDelayMs: 30, onWriteError: (_error, messages, delivered) => failures.push([messages, delivered]) });
    expect(archive.append(ROOM, entry(ROOM, 'w1', 'behind'))).toBeUndefined();
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['w1']);
    expect(await ids()).toEqual(['w1']); // a read waits for what is queued
    await expect.poll(storedRows, { timeout: 2000 }).toBe(1);
    const allowWrites = await refuseArchiveWrites(postgres.pool);
    try {
      archive.append(ROOM, entry(ROOM, 'w2', 'lost'));
      await (archive as PostgresArchiveStore).flush();
    } finally {
      await allowWrites();
    }
    expect(failures).toEqual([[1, true]]);
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['w1']);
  });

  it('refuses appends at once while too many wait for a database that does not answer', async () => {
    const failures: [number, boolean][] = [];
    archive = await postgres.open({ maxWaitingAppends: 3, onWriteError: (_error, messages, delivered) => failures.push([messages, delivered]) });
    const blocker = await postgres.pool.connect();
    await blocker.query('BEGIN; LOCK TABLE room_archive IN EXCLUSIVE MODE');
    let waiting: Promise<void>[];
    try {
      waiting = [1, 2, 3].map((i) => archive.append(ROOM, entry(ROOM, `h${i}`, 'held'))!);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(archive.append(ROOM, entry(ROOM, 'h4', 'one too many'))).rejects.toMatchObject({ type: 'wait', condition: 'resource-constraint' });
      expect(failures).toEqual([[1, false]]);
    } finally {
      await blocker.query('COMMIT');
      blocker.release();
    }
    await Promise.all(waiting);
    expect(await storedRows()).toBe(3);
    await archive.append(ROOM, entry(ROOM, 'h5', 'room again'));
    expect(archive.recent(ROOM, 10).map((m) => m.id)).toEqual(['h1', 'h2', 'h3', 'h5']);
  });

  it('indexes words only: tsquery syntax in a message or a search is text', async () => {
    archive.append(ROOM, entry(ROOM, 'q1', "it's a & b | !c <-> d:* 'quoted' \\ end"));
    await archive.flush();
    for (const search of ["it's", '&', 'b |', '!c', '<->', 'd:*', "'quoted'", '\\', "a' | 'b"]) {
      const found = await archive.query(ROOM, { search }, { max: 10 });
      expect(found.messages.map((m) => m.id), search).toEqual(search === '&' || search === '<->' || search === '\\' ? [] : ['q1']);
    }
  });
});
