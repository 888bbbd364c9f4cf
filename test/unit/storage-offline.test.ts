/**
 * Offline messages and the accounts' one-to-one archive (Storage.offline, Storage.accountArchive),
 * run against every backend: the cap, the order and removal on take, what survives a reopen,
 * and what an account's deletion takes with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { xml } from '../../server/xml/element.js';
import type { Storage } from '../../server/storage/types.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';
import { openPostgresStorage, type PostgresStorage } from '../../server/storage/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { emptyPostgresTables, errorCollector } from './storage-postgres-fixture.js';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const T0 = Date.UTC(2024, 0, 1);

const dirs: string[] = [];
const opened: Storage[] = [];
const postgresErrors = errorCollector();
let database: TestDatabase | undefined;

interface Backend {
  /** A fresh, empty storage. */
  open(): Promise<Storage>;
  /** The same data opened again (after the first was closed); null when nothing outlives a close. */
  reopen(): Promise<Storage> | null;
}

function sqliteBackend(): Backend {
  let dir = '';
  const open = (): Storage => {
    const s = openSqliteStorage(dir);
    opened.push(s);
    return s;
  };
  return {
    open: async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-offline-'));
      dirs.push(dir);
      return open();
    },
    reopen: async () => open(),
  };
}

function memoryBackend(): Backend {
  return {
    open: async () => {
      const s = createMemoryStorage();
      opened.push(s);
      return s;
    },
    reopen: () => null,
  };
}

function postgresBackend(): Backend {
  const open = async (): Promise<Storage> => {
    const s = await openPostgresStorage(database!.url, { log: postgresErrors.log });
    opened.push(s);
    return s;
  };
  return {
    open: async () => {
      database ??= await createTestDatabase();
      await emptyPostgresTables(database.url);
      return open();
    },
    reopen: open,
  };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  expect(postgresErrors.take()).toEqual([]);
});

afterAll(async () => {
  await database?.drop();
});

const chat = (from: string, to: string, body: string) =>
  xml('message', { from: `${from}/phone`, to, type: 'chat', id: `m-${body}` }, xml('body', {}, body));

const offline = (n: number) => ({ id: `o${n}`, stanza: chat(ALICE, BOB, `hello ${n}`).toString(), timestamp: T0 + n });

/** Writes behind (PostgreSQL): what a second node or a restart reads is committed first. */
async function settle(s: Storage): Promise<void> {
  if ('settled' in s) await (s as PostgresStorage).settled();
  await s.accountArchive.flush();
}

describe.each([
  ['sqlite', sqliteBackend],
  ['memory', memoryBackend],
  ['postgres', postgresBackend],
] as const)('%s storage', (_name, backend) => {
  describe('offline messages', () => {
    it('holds messages up to the cap and hands them over once, oldest first', async () => {
      const s = await backend().open();
      for (let n = 1; n <= 3; n++) expect(s.offline.add(BOB, offline(n), 3)).toBe(true);
      expect(s.offline.add(BOB, offline(4), 3)).toBe(false);
      expect(s.offline.count(BOB)).toBe(3);
      expect(s.offline.count(ALICE)).toBe(0);
      expect(s.offline.take(BOB)).toEqual([offline(1), offline(2), offline(3)]);
      expect(s.offline.take(BOB)).toEqual([]);
      expect(s.offline.count(BOB)).toBe(0);
      expect(s.offline.add(BOB, offline(5), 3)).toBe(true);
    });

    it('expires what waited too long, oldest first, within the limit', async () => {
      const s = await backend().open();
      s.offline.add(BOB, offline(1), 10);
      s.offline.add(ALICE, offline(2), 10);
      s.offline.add(BOB, offline(3), 10);
      s.offline.add(BOB, offline(9), 10);
      expect(s.offline.expire(T0 + 5, 2)).toBe(2);
      expect(s.offline.take(ALICE)).toEqual([]);
      expect(s.offline.expire(T0 + 5, 10)).toBe(1);
      expect(s.offline.take(BOB)).toEqual([offline(9)]);
    });

    it('keeps them across a reopen, and forgets them with the account', async () => {
      const b = backend();
      const s = await b.open();
      s.accounts.create('bob', 'example.org', []);
      s.offline.add(BOB, offline(1), 10);
      s.offline.add(BOB, offline(2), 10);
      await settle(s);
      const again = b.reopen();
      if (again) {
        await s.close();
        const t = await again;
        expect(t.offline.take(BOB)).toEqual([offline(1), offline(2)]);
        t.offline.add(BOB, offline(3), 10);
        t.accounts.delete('bob', 'example.org');
        expect(t.offline.count(BOB)).toBe(0);
        return;
      }
      s.accounts.delete('bob', 'example.org');
      expect(s.offline.count(BOB)).toBe(0);
    });
  });

  describe('account archive', () => {
    it('keeps each account apart, filters by peer and finds words', async () => {
      const b = backend();
      const s = await b.open();
      s.accountArchive.append(ALICE, { id: 'a1', stanza: chat(ALICE, BOB, 'deploy tonight'), nick: BOB, occupantId: '', timestamp: T0 });
      s.accountArchive.append(ALICE, { id: 'a2', stanza: chat('carol@example.org', ALICE, 'lunch?'), nick: 'carol@example.org', occupantId: '', timestamp: T0 + 1 });
      s.accountArchive.append(BOB, { id: 'b1', stanza: chat(ALICE, BOB, 'deploy tonight'), nick: ALICE, occupantId: '', timestamp: T0 });
      await settle(s);
      const all = await s.accountArchive.query(ALICE, {}, { max: 10 });
      expect(all.messages.map((m) => m.id)).toEqual(['a1', 'a2']);
      const withBob = await s.accountArchive.query(ALICE, { nick: BOB }, { max: 10 });
      expect(withBob.messages.map((m) => m.id)).toEqual(['a1']);
      const found = await s.accountArchive.query(ALICE, { search: 'deplo' }, { max: 10 });
      expect(found.messages.map((m) => m.id)).toEqual(['a1']);
      expect(found.messages[0]!.stanza.getChildText('body')).toBe('deploy tonight');
      expect((await s.accountArchive.query(BOB, {}, { max: 10 })).count).toBe(1);
      // The rooms' archive is another table.
      expect((await s.archive.query(ALICE, {}, { max: 10 })).count).toBe(0);

      s.accounts.create('alice', 'example.org', []);
      s.accounts.delete('alice', 'example.org');
      await settle(s);
      expect((await s.accountArchive.query(ALICE, {}, { max: 10 })).count).toBe(0);
      expect((await s.accountArchive.query(BOB, {}, { max: 10 })).count).toBe(1);
      const again = b.reopen();
      if (again) {
        await s.close();
        const t = await again;
        expect((await t.accountArchive.query(BOB, {}, { max: 10 })).messages.map((m) => m.id)).toEqual(['b1']);
      }
    });

    it('expires old messages', async () => {
      const s = await backend().open();
      s.accountArchive.append(ALICE, { id: 'old', stanza: chat(ALICE, BOB, 'old'), nick: BOB, occupantId: '', timestamp: T0 });
      s.accountArchive.append(ALICE, { id: 'new', stanza: chat(ALICE, BOB, 'new'), nick: BOB, occupantId: '', timestamp: T0 + 10_000 });
      expect(await s.accountArchive.expire(T0 + 5_000, 100)).toBe(1);
      expect((await s.accountArchive.query(ALICE, {}, { max: 10 })).messages.map((m) => m.id)).toEqual(['new']);
    });

    it('filters by the peer\'s full JID (occupantId) apart from its bare JID', async () => {
      const s = await backend().open();
      const entry = (id: string, peer: string) => ({ id, stanza: chat(peer, ALICE, id), nick: BOB, occupantId: peer, timestamp: T0 });
      s.accountArchive.append(ALICE, entry('phone', `${BOB}/phone`));
      s.accountArchive.append(ALICE, entry('desk', `${BOB}/desk`));
      s.accountArchive.append(ALICE, entry('bare', BOB));
      await settle(s);
      const ids = async (filter: { nick?: string; occupantId?: string }) =>
        (await s.accountArchive.query(ALICE, filter, { max: 10 })).messages.map((m) => m.id);
      expect(await ids({ nick: BOB })).toEqual(['phone', 'desk', 'bare']);
      expect(await ids({ nick: BOB, occupantId: `${BOB}/desk` })).toEqual(['desk']);
      expect(await ids({ nick: BOB, occupantId: `${BOB}/gone` })).toEqual([]);
    });
  });
});

describe.each([
  ['sqlite', async (cap: number): Promise<Storage> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-offline-'));
    dirs.push(dir);
    return openSqliteStorage(dir, { accountArchiveMaxMessages: cap });
  }],
  ['postgres', async (cap: number): Promise<Storage> => {
    database ??= await createTestDatabase();
    await emptyPostgresTables(database.url);
    return openPostgresStorage(database.url, { log: postgresErrors.log, accountArchiveMaxMessages: cap });
  }],
] as const)('%s account archive with [limits].archive_messages_per_account', (_name, openCapped) => {
  it('keeps the newest messages of each account past the cap, deleting the oldest', async () => {
    const s = await openCapped(3);
    opened.push(s);
    for (let n = 1; n <= 5; n++) {
      s.accountArchive.append(ALICE, { id: `a${n}`, stanza: chat(BOB, ALICE, `hi ${n}`), nick: BOB, occupantId: '', timestamp: T0 + n });
      await s.accountArchive.flush();
    }
    s.accountArchive.append(BOB, { id: 'b1', stanza: chat(ALICE, BOB, 'only one'), nick: ALICE, occupantId: '', timestamp: T0 });
    await settle(s);
    const kept = await s.accountArchive.query(ALICE, {}, { max: 10 });
    expect(kept.messages.map((m) => m.id)).toEqual(['a3', 'a4', 'a5']);
    expect(kept.count).toBe(3);
    // Search forgets the deleted ones too.
    expect((await s.accountArchive.query(ALICE, { search: 'hi' }, { max: 10 })).count).toBe(3);
    expect((await s.accountArchive.query(BOB, {}, { max: 10 })).messages.map((m) => m.id)).toEqual(['b1']);
  });
});

describe('postgres offline messages across nodes', () => {
  it('a message one node keeps is taken on another, once', async () => {
    database ??= await createTestDatabase();
    await emptyPostgresTables(database.url);
    const [first, second] = await Promise.all([1, 2].map(async () => {
      const s = await openPostgresStorage(database!.url, { log: postgresErrors.log });
      opened.push(s);
      return s;
    }));
    first!.offline.add(BOB, offline(1), 10);
    await first!.settled();
    await expect.poll(() => second!.offline.count(BOB), { timeout: 5_000 }).toBe(1);
    expect(second!.offline.take(BOB)).toEqual([offline(1)]);
    await second!.settled();
    await expect.poll(() => first!.offline.count(BOB), { timeout: 5_000 }).toBe(0);
  });
});

