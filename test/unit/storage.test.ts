/** The Storage contract, run against every backend. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AccountExistsError, type ScramCredentials, type ScramHash, type Storage } from '../../server/storage/types.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { createMemoryStorage } from '../../server/storage/memory/index.js';
import { openPostgresStorage } from '../../server/storage/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { emptyPostgresTables, errorCollector } from './storage-postgres-fixture.js';
import { PepNodeStore } from '../../server/modules/pep/node-store.js';
import { DEFAULT_NODE_CONFIG } from '../../server/modules/pep/node-config.js';

const dirs: string[] = [];
const opened: Storage[] = [];
const postgresErrors = errorCollector();
let database: TestDatabase | undefined;

function sqlite(): Storage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-storage-'));
  dirs.push(dir);
  const s = openSqliteStorage(dir);
  opened.push(s);
  return s;
}

function memory(): Storage {
  const s = createMemoryStorage();
  opened.push(s);
  return s;
}

/** One throwaway database for the suite, emptied before each test. */
async function postgres(): Promise<Storage> {
  database ??= await createTestDatabase();
  await emptyPostgresTables(database.url);
  const s = await openPostgresStorage(database.url, { log: postgresErrors.log });
  opened.push(s);
  return s;
}

afterEach(async () => {
  // Closing PostgreSQL commits its queue: a write the database refused is logged, and fails the test.
  await Promise.all(opened.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  expect(postgresErrors.take()).toEqual([]);
});

afterAll(async () => {
  await database?.drop();
});

function creds(hash: ScramHash, seed: number): ScramCredentials {
  const len = hash === 'SHA-1' ? 20 : hash === 'SHA-256' ? 32 : 64;
  return {
    hash,
    salt: Buffer.alloc(16, seed),
    iterations: 4096 + seed,
    storedKey: Buffer.alloc(len, seed + 1),
    serverKey: Buffer.alloc(len, seed + 2),
  };
}

const allCreds = (seed: number) => [creds('SHA-1', seed), creds('SHA-256', seed), creds('SHA-512', seed)];

describe.each([
  ['sqlite', sqlite],
  ['memory', memory],
  ['postgres', postgres],
] as const)('%s storage', (_name, open) => {
  describe('accounts', () => {
    it('creates an account and reads back each credential set', async () => {
      const s = await open();
      expect(s.accounts.exists('alice', 'example.org')).toBe(false);
      s.accounts.create('alice', 'example.org', allCreds(1));
      expect(s.accounts.exists('alice', 'example.org')).toBe(true);
      expect(s.accounts.exists('alice', 'other.org')).toBe(false);
      expect(s.accounts.exists('bob', 'example.org')).toBe(false);
      for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
        expect(s.accounts.getCredentials('alice', 'example.org', hash)).toEqual(creds(hash, 1));
      }
      expect(s.accounts.getCredentials('alice', 'other.org', 'SHA-1')).toBeUndefined();
    });

    it('returns Buffers', async () => {
      const s = await open();
      s.accounts.create('alice', 'example.org', [creds('SHA-256', 1)]);
      const c = s.accounts.getCredentials('alice', 'example.org', 'SHA-256')!;
      expect(Buffer.isBuffer(c.salt)).toBe(true);
      expect(Buffer.isBuffer(c.storedKey)).toBe(true);
      expect(Buffer.isBuffer(c.serverKey)).toBe(true);
    });

    it('lacks the credentials of a hash it was not given', async () => {
      const s = await open();
      s.accounts.create('alice', 'example.org', [creds('SHA-256', 1)]);
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-1')).toBeUndefined();
    });

    it('refuses to create an existing account, leaving it untouched', async () => {
      const s = await open();
      s.accounts.create('alice', 'example.org', allCreds(1));
      expect(() => s.accounts.create('alice', 'example.org', allCreds(2))).toThrow(AccountExistsError);
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-1')).toEqual(creds('SHA-1', 1));
    });

    it('rejects two credential sets for one hash', async () => {
      const s = await open();
      expect(() => s.accounts.create('alice', 'example.org', [creds('SHA-1', 1), creds('SHA-1', 2)])).toThrow(TypeError);
      expect(s.accounts.exists('alice', 'example.org')).toBe(false);
    });

    it('replaces all credentials', async () => {
      const s = await open();
      expect(s.accounts.setCredentials('alice', 'example.org', allCreds(2))).toBe(false);
      expect(s.accounts.exists('alice', 'example.org')).toBe(false);
      s.accounts.create('alice', 'example.org', allCreds(1));
      expect(s.accounts.setCredentials('alice', 'example.org', [creds('SHA-256', 5)])).toBe(true);
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-256')).toEqual(creds('SHA-256', 5));
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-1')).toBeUndefined();
    });

    it('lists the usernames of one host, sorted', async () => {
      const s = await open();
      s.accounts.create('carol', 'example.org', allCreds(1));
      s.accounts.create('alice', 'example.org', allCreds(1));
      s.accounts.create('bob', 'other.org', allCreds(1));
      expect(s.accounts.list('example.org')).toEqual(['alice', 'carol']);
      expect(s.accounts.list('other.org')).toEqual(['bob']);
      expect(s.accounts.list('nowhere.org')).toEqual([]);
    });

    it('deleting an account removes its roster, pending requests and user data, and nobody else\'s', async () => {
      const s = await open();
      s.accounts.create('alice', 'example.org', allCreds(1));
      s.accounts.create('bob', 'example.org', allCreds(1));
      for (const user of ['alice@example.org', 'bob@example.org']) {
        s.rosters.putItem(user, { jid: 'carol@example.org', subscription: 'both', groups: ['Friends'] });
        s.rosters.addPendingIn(user, 'dave@example.org', '<presence type="subscribe"/>');
        s.userData.set(user, 'vcard-temp', '<vCard xmlns="vcard-temp"/>');
      }
      expect(s.accounts.delete('alice', 'example.org')).toBe(true);
      expect(s.accounts.exists('alice', 'example.org')).toBe(false);
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-1')).toBeUndefined();
      expect(s.rosters.get('alice@example.org').items).toEqual([]);
      expect(s.rosters.pendingIn('alice@example.org')).toEqual([]);
      expect(s.userData.get('alice@example.org', 'vcard-temp')).toBeUndefined();
      expect(s.accounts.list('example.org')).toEqual(['bob']);
      expect(s.rosters.get('bob@example.org').items).toHaveLength(1);
      expect(s.rosters.pendingIn('bob@example.org')).toHaveLength(1);
      expect(s.userData.get('bob@example.org', 'vcard-temp')).toBe('<vCard xmlns="vcard-temp"/>');
      expect(s.accounts.delete('alice', 'example.org')).toBe(false);
    });

    it('a deleted account can be created again', async () => {
      const s = await open();
      s.accounts.create('alice', 'example.org', allCreds(1));
      s.accounts.delete('alice', 'example.org');
      s.accounts.create('alice', 'example.org', allCreds(3));
      expect(s.accounts.getCredentials('alice', 'example.org', 'SHA-512')).toEqual(creds('SHA-512', 3));
    });
  });

  describe('rosters', () => {
    const u = 'alice@example.org';

    it('an unknown user has an empty roster at version 0', async () => {
      const s = await open();
      expect(s.rosters.get(u)).toEqual({ version: 0, items: [] });
      expect(s.rosters.getItem(u, 'bob@example.org')).toBeUndefined();
      expect(s.rosters.pendingIn(u)).toEqual([]);
    });

    it('stores items with every field and returns them sorted by JID', async () => {
      const s = await open();
      s.rosters.putItem(u, { jid: 'zed@example.org', subscription: 'none', groups: [] });
      s.rosters.putItem(u, {
        jid: 'bob@example.org', name: 'Bob', subscription: 'to', ask: true, approved: true,
        groups: ['Work', 'Friends'],
      });
      const roster = s.rosters.get(u);
      expect(roster.items).toEqual([
        { jid: 'bob@example.org', name: 'Bob', subscription: 'to', ask: true, approved: true, groups: ['Work', 'Friends'] },
        { jid: 'zed@example.org', subscription: 'none', groups: [] },
      ]);
      expect(s.rosters.getItem(u, 'zed@example.org')).toEqual({ jid: 'zed@example.org', subscription: 'none', groups: [] });
    });

    it('false flags and a missing name read back as absent', async () => {
      const s = await open();
      s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'from', ask: false, approved: false, groups: [] });
      const item = s.rosters.getItem(u, 'bob@example.org')!;
      expect(item).toEqual({ jid: 'bob@example.org', subscription: 'from', groups: [] });
      expect('name' in item || 'ask' in item || 'approved' in item).toBe(false);
    });

    it('keeps an empty-string name and unicode groups', async () => {
      const s = await open();
      s.rosters.putItem(u, { jid: 'bob@example.org', name: '', subscription: 'both', groups: ['Ünïcødé 👋', '"quoted"'] });
      expect(s.rosters.getItem(u, 'bob@example.org')).toEqual(
        { jid: 'bob@example.org', name: '', subscription: 'both', groups: ['Ünïcødé 👋', '"quoted"'] });
    });

    it('putItem replaces an existing item', async () => {
      const s = await open();
      s.rosters.putItem(u, { jid: 'bob@example.org', name: 'Bob', subscription: 'none', ask: true, groups: ['A'] });
      s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'both', groups: ['B'] });
      expect(s.rosters.get(u).items).toEqual([{ jid: 'bob@example.org', subscription: 'both', groups: ['B'] }]);
    });

    it('returned items are copies', async () => {
      const s = await open();
      const item = { jid: 'bob@example.org', subscription: 'none' as const, groups: ['A'] };
      s.rosters.putItem(u, item);
      item.groups.push('mutated');
      s.rosters.getItem(u, 'bob@example.org')!.groups.push('mutated too');
      s.rosters.get(u).items[0]!.groups.push('and again');
      expect(s.rosters.getItem(u, 'bob@example.org')!.groups).toEqual(['A']);
    });

    it('every change increases the version; a no-op removal does not', async () => {
      const s = await open();
      const v1 = s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'none', groups: [] });
      expect(v1).toBeGreaterThan(0);
      expect(s.rosters.get(u).version).toBe(v1);
      const v2 = s.rosters.putItem(u, { jid: 'carol@example.org', subscription: 'none', groups: [] });
      expect(v2).toBeGreaterThan(v1);
      const v3 = s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'to', groups: [] });
      expect(v3).toBeGreaterThan(v2);
      const v4 = s.rosters.removeItem(u, 'bob@example.org');
      expect(v4).toBeGreaterThan(v3);
      expect(s.rosters.get(u)).toEqual({ version: v4, items: [{ jid: 'carol@example.org', subscription: 'none', groups: [] }] });
      expect(s.rosters.removeItem(u, 'bob@example.org')).toBe(v4);
      expect(s.rosters.removeItem('nobody@example.org', 'bob@example.org')).toBe(0);
    });

    it('versions are per user', async () => {
      const s = await open();
      const va = s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'none', groups: [] });
      s.rosters.putItem('bob@example.org', { jid: 'alice@example.org', subscription: 'none', groups: [] });
      s.rosters.putItem('bob@example.org', { jid: 'carol@example.org', subscription: 'none', groups: [] });
      expect(s.rosters.get(u).version).toBe(va);
      expect(s.rosters.get(u).items).toHaveLength(1);
    });

    it('a recreated user never gets a version it had before', async () => {
      const s = await open();
      const seen = new Set<number>();
      for (let i = 0; i < 3; i++) seen.add(s.rosters.putItem(u, { jid: `c${i}@example.org`, subscription: 'none', groups: [] }));
      s.rosters.deleteUser(u);
      expect(s.rosters.get(u)).toEqual({ version: 0, items: [] });
      for (let i = 0; i < 3; i++) {
        const v = s.rosters.putItem(u, { jid: `c${i}@example.org`, subscription: 'none', groups: [] });
        expect(seen.has(v)).toBe(false);
        expect(v).toBeGreaterThan(Math.max(...seen));
      }
    });

    it('keeps pending inbound requests in arrival order; a repeat updates the stanza in place', async () => {
      const s = await open();
      s.rosters.addPendingIn(u, 'zed@example.org', '<presence type="subscribe" id="1"/>');
      s.rosters.addPendingIn(u, 'bob@example.org', '<presence type="subscribe" id="2"/>');
      s.rosters.addPendingIn(u, 'zed@example.org', '<presence type="subscribe" id="3"/>');
      expect(s.rosters.pendingIn(u)).toEqual([
        { from: 'zed@example.org', stanza: '<presence type="subscribe" id="3"/>' },
        { from: 'bob@example.org', stanza: '<presence type="subscribe" id="2"/>' },
      ]);
      s.rosters.removePendingIn(u, 'zed@example.org');
      s.rosters.removePendingIn(u, 'nobody@example.org');
      s.rosters.removePendingIn('nobody@example.org', 'bob@example.org');
      expect(s.rosters.pendingIn(u)).toEqual([{ from: 'bob@example.org', stanza: '<presence type="subscribe" id="2"/>' }]);
      expect(s.rosters.pendingIn('bob@example.org')).toEqual([]);
    });

    it('pending requests do not change the roster version', async () => {
      const s = await open();
      const v = s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'none', groups: [] });
      s.rosters.addPendingIn(u, 'carol@example.org', '<presence/>');
      s.rosters.removePendingIn(u, 'carol@example.org');
      expect(s.rosters.get(u).version).toBe(v);
    });

    it('deleteUser removes items and pending requests of that user only', async () => {
      const s = await open();
      s.rosters.putItem(u, { jid: 'bob@example.org', subscription: 'both', groups: [] });
      s.rosters.addPendingIn(u, 'carol@example.org', '<presence/>');
      s.rosters.putItem('bob@example.org', { jid: u, subscription: 'both', groups: [] });
      s.rosters.deleteUser(u);
      expect(s.rosters.get(u).items).toEqual([]);
      expect(s.rosters.pendingIn(u)).toEqual([]);
      expect(s.rosters.getItem('bob@example.org', u)).toEqual({ jid: u, subscription: 'both', groups: [] });
      s.rosters.deleteUser('nobody@example.org');
    });
  });

  describe('user data', () => {
    const u = 'alice@example.org';

    it('sets, replaces, reads and deletes documents', async () => {
      const s = await open();
      expect(s.userData.get(u, 'vcard-temp')).toBeUndefined();
      s.userData.set(u, 'vcard-temp', '<vCard xmlns="vcard-temp"><FN>Alice</FN></vCard>');
      s.userData.set(u, 'jabber:iq:private storage:bookmarks', '<storage xmlns="storage:bookmarks"/>');
      expect(s.userData.get(u, 'vcard-temp')).toBe('<vCard xmlns="vcard-temp"><FN>Alice</FN></vCard>');
      s.userData.set(u, 'vcard-temp', '<vCard xmlns="vcard-temp"/>');
      expect(s.userData.get(u, 'vcard-temp')).toBe('<vCard xmlns="vcard-temp"/>');
      expect(s.userData.get('bob@example.org', 'vcard-temp')).toBeUndefined();
      s.userData.set(u, 'vcard-temp', null);
      expect(s.userData.get(u, 'vcard-temp')).toBeUndefined();
      expect(s.userData.get(u, 'jabber:iq:private storage:bookmarks')).toBe('<storage xmlns="storage:bookmarks"/>');
      s.userData.set(u, 'never-set', null);
    });

    it('keeps an empty document distinct from none', async () => {
      const s = await open();
      s.userData.set(u, 'k', '');
      expect(s.userData.get(u, 'k')).toBe('');
    });

    it('deleteUser removes every document of that user only', async () => {
      const s = await open();
      s.userData.set(u, 'a', '<a/>');
      s.userData.set(u, 'b', '<b/>');
      s.userData.set('bob@example.org', 'a', '<bob/>');
      s.userData.deleteUser(u);
      expect(s.userData.get(u, 'a')).toBeUndefined();
      expect(s.userData.get(u, 'b')).toBeUndefined();
      expect(s.userData.get('bob@example.org', 'a')).toBe('<bob/>');
    });

    it('keeps PEP nodes (config and items) under pep:<node>, with the list of a user\'s nodes', async () => {
      const s = await open();
      const nodes = new PepNodeStore(s.userData);
      const config = { ...DEFAULT_NODE_CONFIG, accessModel: 'whitelist' as const, maxItems: 1000 };
      nodes.put(u, 'urn:xmpp:bookmarks:1', { config, items: [{ id: 'room@muc.example.org', payload: '<conference xmlns="urn:xmpp:bookmarks:1"/>' }] });
      nodes.put(u, '__proto__', { config: DEFAULT_NODE_CONFIG, items: [] });
      expect(nodes.names(u).sort()).toEqual(['__proto__', 'urn:xmpp:bookmarks:1']);
      expect(nodes.get(u, 'urn:xmpp:bookmarks:1')).toEqual({ config, items: [{ id: 'room@muc.example.org', payload: '<conference xmlns="urn:xmpp:bookmarks:1"/>' }] });
      expect(s.userData.get(u, 'pep:urn:xmpp:bookmarks:1')).toBeDefined();
      nodes.delete(u, 'urn:xmpp:bookmarks:1');
      nodes.delete(u, '__proto__');
      expect(nodes.names(u)).toEqual([]);
      expect(nodes.get(u, 'urn:xmpp:bookmarks:1')).toBeUndefined();
      expect(s.userData.get(u, 'pep')).toBeUndefined();
    });
  });

  describe('rooms', () => {
    const host = 'conference.example.org';
    const room = (name: string, config = '{}') => ({
      name, config, subject: '', subjectNick: null, secret: Buffer.alloc(32, 7), creator: 'alice@example.org', createdAt: 1000,
    });
    const affiliation = (jid: string, kind: 'owner' | 'outcast', addressHash: Buffer | null = null) => ({
      jid, affiliation: kind, nick: null, reason: kind === 'outcast' ? 'spam' : null, addressHash,
    });

    it('keeps rooms per host, in name order, and updates config and subject only', async () => {
      const s = await open();
      s.rooms.saveRoom(host, room('lobby'));
      s.rooms.saveRoom(host, room('attic'));
      s.rooms.saveRoom('other.example.org', room('elsewhere'));
      expect(s.rooms.rooms(host).map((r) => r.name)).toEqual(['attic', 'lobby']);
      s.rooms.saveRoom(host, { ...room('lobby', '{"public":true}'), subject: 'Hi', subjectNick: 'al', secret: Buffer.alloc(32, 9), creator: null, createdAt: 5 });
      const [, lobby] = s.rooms.rooms(host);
      expect(lobby).toMatchObject({ config: '{"public":true}', subject: 'Hi', subjectNick: 'al', creator: 'alice@example.org', createdAt: 1000 });
      expect(lobby!.secret).toEqual(Buffer.alloc(32, 7));
    });

    it('keeps affiliations and bans with their address hash, and forgets them with the room', async () => {
      const s = await open();
      s.rooms.saveRoom(host, room('lobby'));
      s.rooms.setAffiliation(host, 'lobby', affiliation('zed@example.org', 'owner'));
      s.rooms.setAffiliation(host, 'lobby', affiliation('troll@anon.example.org', 'outcast', Buffer.alloc(32, 1)));
      expect(s.rooms.affiliations(host, 'lobby').map((a) => a.jid)).toEqual(['troll@anon.example.org', 'zed@example.org']);
      expect(s.rooms.affiliations(host, 'lobby')[0]).toMatchObject({ affiliation: 'outcast', reason: 'spam', addressHash: Buffer.alloc(32, 1) });
      s.rooms.setAffiliation(host, 'lobby', affiliation('zed@example.org', 'outcast'));
      expect(s.rooms.affiliations(host, 'lobby')[1]!.affiliation).toBe('outcast');
      s.rooms.removeAffiliation(host, 'lobby', 'zed@example.org');
      expect(s.rooms.affiliations(host, 'lobby')).toHaveLength(1);
      expect(s.rooms.deleteRoom(host, 'lobby')).toBe(true);
      expect(s.rooms.deleteRoom(host, 'lobby')).toBe(false);
      s.rooms.saveRoom(host, room('lobby'));
      expect(s.rooms.affiliations(host, 'lobby')).toEqual([]);
    });

    it('creates one secret per host and keeps it', async () => {
      const s = await open();
      const secret = s.rooms.secret(host);
      expect(secret).toHaveLength(32);
      expect(s.rooms.secret(host)).toEqual(secret);
      expect(s.rooms.secret('other.example.org')).not.toEqual(secret);
    });
  });

  describe('upload records', () => {
    const record = (id: string, uploader: string, size: number, createdAt: number, expiresAt: number) => ({
      id, secretHash: Buffer.alloc(32, 3), uploader, fileName: `${id}.txt`, size, contentType: 'text/plain',
      createdAt, expiresAt, completedAt: null,
    });

    it('adds, completes once and deletes a record', async () => {
      const s = await open();
      s.uploads.add(record('a', 'alice@example.org', 10, 100, 200));
      expect(s.uploads.has('a')).toBe(true);
      expect(s.uploads.get('a')).toMatchObject({ fileName: 'a.txt', size: 10, completedAt: null });
      expect(s.uploads.complete('a', 150, 1000)).toBe(true);
      expect(s.uploads.complete('a', 160, 2000)).toBe(false);
      expect(s.uploads.get('a')).toMatchObject({ completedAt: 150, expiresAt: 1000 });
      expect(s.uploads.complete('nope', 1, 2)).toBe(false);
      expect(s.uploads.delete('a')).toBe(true);
      expect(s.uploads.delete('a')).toBe(false);
      expect(s.uploads.get('a')).toBeUndefined();
    });

    it('counts live bytes per uploader and in all, and finds what expired, soonest first', async () => {
      const s = await open();
      s.uploads.add(record('old', 'alice@example.org', 5, 100, 300));
      s.uploads.add(record('new', 'alice@example.org', 7, 200, 500));
      s.uploads.add(record('bob', 'bob@example.org', 11, 250, 400));
      expect(s.uploads.bytesBy('alice@example.org', 0, 250)).toBe(12);
      expect(s.uploads.bytesBy('alice@example.org', 150, 250)).toBe(7);
      expect(s.uploads.bytesBy('alice@example.org', 0, 300)).toBe(7);
      expect(s.uploads.oldestBy('alice@example.org', 0, 250)).toBe(100);
      expect(s.uploads.oldestBy('carol@example.org', 0, 250)).toBeUndefined();
      expect(s.uploads.bytesStored(350)).toBe(18);
      expect(s.uploads.expired(450, 10).map((r) => r.id)).toEqual(['old', 'bob']);
      expect(s.uploads.expired(450, 1).map((r) => r.id)).toEqual(['old']);
    });

  });

  describe('invitations', () => {
    const hash = (seed: number) => Buffer.alloc(32, seed);

    it('creates, finds and takes an invitation once', async () => {
      const s = await open();
      await s.invitations.create(hash(1), 1_000);
      expect(await s.invitations.find(hash(1))).toEqual({ tokenHash: hash(1), expiresAt: 1_000, used: false });
      expect(await s.invitations.find(hash(2))).toBeUndefined();
      const takes = await Promise.all([s.invitations.take(hash(1), 500), s.invitations.take(hash(1), 500)]);
      expect(takes.sort()).toEqual([false, true]);
      expect(await s.invitations.find(hash(1))).toMatchObject({ used: true });
      await s.invitations.release(hash(1));
      expect(await s.invitations.take(hash(1), 500)).toBe(true);
      expect(await s.invitations.take(hash(2), 500)).toBe(false);
    });

    it('refuses an expired invitation and forgets the expired ones', async () => {
      const s = await open();
      await s.invitations.create(hash(1), 1_000);
      await s.invitations.create(hash(2), 3_000);
      expect(await s.invitations.take(hash(1), 1_000)).toBe(false);
      expect(await s.invitations.deleteExpired(2_000)).toBe(1);
      expect(await s.invitations.find(hash(1))).toBeUndefined();
      expect(await s.invitations.find(hash(2))).toMatchObject({ used: false });
    });
  });
});
