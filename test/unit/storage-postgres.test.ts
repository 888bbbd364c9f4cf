/**
 * The PostgreSQL backend beyond the shared contract (storage.test.ts): several storages on
 * one database stay coherent through notifications, a node never goes back in time on a key
 * it is writing, restarts keep everything, failures are survived. Real PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { configFromObject } from '../../server/config/load.js';
import { addUser, deleteUser } from '../../server/cli/users.js';
import { verifyPassword } from '../../server/sasl/scram-credentials.js';
import {
  openPostgresStorage, postgresMigrations, PostgresMigrationError, StorageBusyError, type PostgresStorage,
} from '../../server/storage/postgres/index.js';
import { rosterVersionClock } from '../../server/storage/postgres/rosters.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { emptyPostgresTables, errorCollector } from './storage-postgres-fixture.js';

let database: TestDatabase;
const opened: PostgresStorage[] = [];
const errors = errorCollector();

async function open(): Promise<PostgresStorage> {
  const storage = await openPostgresStorage(database.url, { log: errors.log });
  opened.push(storage);
  return storage;
}

async function sql<T extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Polls until `check` holds (a notification and a re-read take milliseconds). */
async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const creds = (seed: number) => [{
  hash: 'SHA-256' as const, salt: Buffer.alloc(16, seed), iterations: 4096, storedKey: Buffer.alloc(32, seed + 1), serverKey: Buffer.alloc(32, seed + 2),
}];
const room = (name: string) => ({
  name, config: '{"persistent":true}', subject: 'Hello', subjectNick: 'al', secret: Buffer.alloc(32, 5), creator: 'alice@example.org', createdAt: 1000,
});

beforeAll(async () => {
  database = await createTestDatabase();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
  await emptyPostgresTables(database.url);
});

afterAll(async () => {
  await database.drop();
});

describe('PostgreSQL storage: schema', () => {
  it('records its migrations and applies them once when several nodes open together', async () => {
    const fresh = await createTestDatabase();
    try {
      const nodes = await Promise.all([1, 2, 3].map(() => openPostgresStorage(fresh.url)));
      await Promise.all(nodes.map((node) => node.close()));
      const client = new pg.Client({ connectionString: fresh.url });
      await client.connect();
      const { rows } = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
      expect(rows).toEqual(postgresMigrations.map((m) => ({ version: m.version, name: m.name })));
      await client.query("INSERT INTO schema_migrations (version, name) VALUES (99, 'from-the-future')");
      await client.end();
      await expect(openPostgresStorage(fresh.url)).rejects.toThrow(PostgresMigrationError);
    } finally {
      await fresh.drop();
    }
  });

  it('fails to open, loudly, when the server cannot be reached', async () => {
    await expect(openPostgresStorage('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 1_000 })).rejects.toThrow();
  });
});

describe('PostgreSQL storage: several nodes on one database', () => {
  it('a roster change on one node reaches the other', async () => {
    const [a, b] = [await open(), await open()];
    const version = a.rosters.putItem('alice@example.org', { jid: 'bob@example.org', name: 'Bob', subscription: 'both', groups: ['Friends'] });
    await eventually(() => b.rosters.getItem('alice@example.org', 'bob@example.org') !== undefined, 'b sees the item');
    expect(b.rosters.get('alice@example.org')).toEqual({
      version, items: [{ jid: 'bob@example.org', name: 'Bob', subscription: 'both', groups: ['Friends'] }],
    });
    // B continues from A's version.
    expect(b.rosters.putItem('alice@example.org', { jid: 'carol@example.org', subscription: 'none', groups: [] })).toBeGreaterThan(version);
    await eventually(() => a.rosters.get('alice@example.org').items.length === 2, 'a sees b\'s item');
    a.rosters.removeItem('alice@example.org', 'bob@example.org');
    await eventually(() => b.rosters.get('alice@example.org').items.length === 1, 'b sees the removal');
    expect(b.rosters.get('alice@example.org').version).toBe(a.rosters.get('alice@example.org').version);
  });

  it('an account created and deleted by the CLI reaches a running node', async () => {
    const node = await open();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-pg-cli-'));
    try {
      const passwordFile = path.join(dir, 'password');
      fs.writeFileSync(passwordFile, 'correct horse battery\n');
      const config = configFromObject({
        server: { domain: 'example.org', data_dir: dir },
        sasl: { scram_iterations: 4096 },
        storage: { backend: 'postgres', url: database.url },
      });
      const out = { write: () => true } as unknown as NodeJS.WritableStream;
      await addUser(config, 'carol@example.org', { passwordFile, out });
      await eventually(() => node.accounts.exists('carol', 'example.org'), 'the node sees the new account');
      const stored = node.accounts.getCredentials('carol', 'example.org', 'SHA-256');
      expect(stored).toBeDefined();
      expect(await verifyPassword('correct horse battery', stored!)).toBe(true);

      node.rosters.putItem('carol@example.org', { jid: 'dave@example.org', subscription: 'both', groups: [] });
      await node.settled();
      await deleteUser(config, 'carol@example.org', { out });
      await eventually(() => !node.accounts.exists('carol', 'example.org'), 'the node sees the deletion');
      await eventually(() => node.rosters.get('carol@example.org').items.length === 0, 'the roster went with the account');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a room, its affiliations and a guest ban reach the other node; so does the room\'s deletion', async () => {
    const [a, b] = [await open(), await open()];
    const host = 'conference.example.org';
    const secret = a.rooms.secret(host);
    a.rooms.saveRoom(host, room('lobby'));
    a.rooms.setAffiliation(host, 'lobby', { jid: 'alice@example.org', affiliation: 'owner', nick: 'al', reason: null, addressHash: null });
    a.rooms.setAffiliation(host, 'lobby', { jid: 'troll@guest.example.org', affiliation: 'outcast', nick: null, reason: 'spam', addressHash: Buffer.alloc(32, 9) });
    await eventually(() => b.rooms.affiliations(host, 'lobby').length === 2, 'b sees both affiliations');
    expect(b.rooms.rooms(host)).toEqual(a.rooms.rooms(host));
    expect(b.rooms.affiliations(host, 'lobby')).toEqual(a.rooms.affiliations(host, 'lobby'));
    expect(b.rooms.secret(host)).toEqual(secret);
    b.rooms.removeAffiliation(host, 'lobby', 'troll@guest.example.org');
    await eventually(() => a.rooms.affiliations(host, 'lobby').length === 1, 'a sees the ban lifted');
    a.rooms.deleteRoom(host, 'lobby');
    await eventually(() => b.rooms.rooms(host).length === 0, 'b sees the room go');
  });

  it('user data, server secrets and upload records reach the other node', async () => {
    const [a, b] = [await open(), await open()];
    a.userData.set('alice@example.org', 'vcard-temp', '<vCard xmlns="vcard-temp"/>');
    const secret = a.secrets.secret('guest-quota');
    a.uploads.add({ id: 'slot1', secretHash: Buffer.alloc(32, 1), uploader: 'alice@example.org', fileName: 'a.txt', size: 12, contentType: 'text/plain', createdAt: 10, expiresAt: 20, completedAt: null });
    a.uploads.complete('slot1', 15, 5_000_000_000_000);
    await eventually(() => b.uploads.get('slot1')?.completedAt === 15, 'b sees the completed upload');
    expect(b.uploads.get('slot1')).toEqual(a.uploads.get('slot1'));
    expect(b.userData.get('alice@example.org', 'vcard-temp')).toBe('<vCard xmlns="vcard-temp"/>');
    expect(b.secrets.secret('guest-quota')).toEqual(secret);
  });

  it('two nodes creating one secret at once end up with the same key', async () => {
    const [a, b] = [await open(), await open()];
    a.secrets.secret('raced');
    b.secrets.secret('raced');
    await Promise.all([a.settled(), b.settled()]);
    await eventually(() => a.secrets.secret('raced').equals(b.secrets.secret('raced')), 'both hold the winner');
    const [row] = await sql<{ secret: Buffer }>("SELECT secret FROM server_secrets WHERE name = 'raced'");
    expect(a.secrets.secret('raced')).toEqual(row!.secret);
  });

  it('a node with a write of a key still queued does not go back in time when another writer changes that key', async () => {
    const [a, b] = [await open(), await open()];
    const user = 'alice@example.org';
    a.rosters.putItem(user, { jid: 'bob@example.org', subscription: 'both', groups: [] });
    await eventually(() => b.rosters.get(user).items.length === 1, 'b has the roster');
    // Hold B's next roster write: lock the user's version row from outside.
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM roster_versions WHERE owner = $1 FOR UPDATE', [user]);
      b.rosters.putItem(user, { jid: 'carol@example.org', subscription: 'none', groups: [] });
      // A changes the same key (a pending request: another table, not blocked); B is notified.
      a.rosters.addPendingIn(user, 'dave@example.org', '<presence type="subscribe"/>');
      await a.settled();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Re-reading now would lose carol (not committed yet): B keeps its own change.
      expect(b.rosters.getItem(user, 'carol@example.org')).toBeDefined();
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    // Once B's write has committed, B re-reads the key and has both changes.
    await eventually(() => b.rosters.pendingIn(user).length === 1, 'b re-read the key after its write');
    expect(b.rosters.get(user).items.map((item) => item.jid)).toEqual(['bob@example.org', 'carol@example.org']);
    await eventually(() => a.rosters.get(user).items.length === 2, 'a sees carol');
  });

  it('a change made while a node\'s listener was cut off is loaded when it reconnects', async () => {
    const node = await open();
    await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()");
    // Written while no listener of that node is connected: its notification is lost to it.
    const other = await open();
    other.userData.set('alice@example.org', 'k', '<missed/>');
    await other.settled();
    await eventually(() => node.userData.get('alice@example.org', 'k') === '<missed/>', 'the reload brought the missed change', 10_000);
    errors.take(); // the lost connection is logged, as it should be
  });

  it('keeps writes queued while its connections are cut, and commits them after', async () => {
    const node = await open();
    const other = await open();
    await sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'palaver' AND pid <> pg_backend_pid()");
    node.accounts.create('erin', 'example.org', creds(1));
    await node.settled();
    await eventually(() => other.accounts.exists('erin', 'example.org'), 'the other node sees the account', 10_000);
    expect((await sql('SELECT username FROM accounts'))).toEqual([{ username: 'erin' }]);
    errors.take();
  });

  it('a write PostgreSQL refuses is dropped alone, and the mirror goes back to what the database holds', async () => {
    const node = await open();
    // A row the node never heard of (triggers off for this session, as a restore would do).
    await sql(`SET session_replication_role = replica;
      INSERT INTO uploads (id, secret_hash, uploader, file_name, size, content_type, created_at, expires_at, completed_at)
      VALUES ('taken', '\\x00', 'someone@example.org', 'theirs.txt', 1, 'text/plain', 1, 2, NULL)`);
    node.uploads.add({ id: 'taken', secretHash: Buffer.alloc(32, 1), uploader: 'alice@example.org', fileName: 'mine.txt', size: 5, contentType: 'text/plain', createdAt: 10, expiresAt: 20, completedAt: null });
    node.uploads.add({ id: 'fine', secretHash: Buffer.alloc(32, 1), uploader: 'alice@example.org', fileName: 'ok.txt', size: 5, contentType: 'text/plain', createdAt: 10, expiresAt: 20, completedAt: null });
    await node.settled();
    expect(node.uploads.get('taken')?.fileName).toBe('theirs.txt');
    expect(node.uploads.get('fine')?.fileName).toBe('ok.txt');
    expect(errors.take().some((line) => line.includes('refused'))).toBe(true);
  });
});

describe('PostgreSQL storage: a database that does not keep up', () => {
  it('refuses a change, before touching the mirror, once its queue is full', async () => {
    const node = await openPostgresStorage(database.url, { log: errors.log, maxQueuedWrites: 2 });
    opened.push(node);
    const blocker = new pg.Client({ connectionString: database.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE user_data IN ACCESS EXCLUSIVE MODE');
      node.userData.set('alice@example.org', 'a', '<a/>');
      node.userData.set('alice@example.org', 'b', '<b/>');
      expect(() => node.userData.set('alice@example.org', 'c', '<c/>')).toThrow(StorageBusyError);
      expect(node.userData.get('alice@example.org', 'c')).toBeUndefined();
      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }
    await node.settled();
    node.userData.set('alice@example.org', 'c', '<c/>');
    await node.settled();
    expect(await sql('SELECT key FROM user_data ORDER BY key')).toEqual([{ key: 'a' }, { key: 'b' }, { key: 'c' }]);
  });
});

describe('PostgreSQL storage: restart', () => {
  it('a node opened later holds everything', async () => {
    const first = await open();
    first.accounts.create('alice', 'example.org', creds(1));
    const version = first.rosters.putItem('alice@example.org', { jid: 'bob@example.org', subscription: 'to', ask: true, groups: ['G'] });
    first.rosters.addPendingIn('alice@example.org', 'zed@example.org', '<presence id="1"/>');
    first.rosters.addPendingIn('alice@example.org', 'amy@example.org', '<presence id="2"/>');
    first.userData.set('alice@example.org', 'vcard-temp', '<vCard/>');
    first.rooms.saveRoom('conference.example.org', room('lobby'));
    first.rooms.setAffiliation('conference.example.org', 'lobby', { jid: 'troll@guest.example.org', affiliation: 'outcast', nick: null, reason: 'spam', addressHash: Buffer.alloc(32, 3) });
    const mucSecret = first.rooms.secret('conference.example.org');
    const secret = first.secrets.secret('guest-quota');
    first.uploads.add({ id: 'u1', secretHash: Buffer.alloc(32, 2), uploader: 'alice@example.org', fileName: 'x.png', size: 2048, contentType: 'image/png', createdAt: 100, expiresAt: 9_000_000_000_000, completedAt: 150 });
    const expected = {
      credentials: first.accounts.getCredentials('alice', 'example.org', 'SHA-256'),
      roster: first.rosters.get('alice@example.org'),
      pending: first.rosters.pendingIn('alice@example.org'),
      rooms: first.rooms.rooms('conference.example.org'),
      affiliations: first.rooms.affiliations('conference.example.org', 'lobby'),
      upload: first.uploads.get('u1'),
    };
    await first.close();

    const second = await open();
    expect(second.accounts.list('example.org')).toEqual(['alice']);
    expect(second.accounts.getCredentials('alice', 'example.org', 'SHA-256')).toEqual(expected.credentials);
    expect(second.rosters.get('alice@example.org')).toEqual(expected.roster);
    expect(second.rosters.get('alice@example.org').version).toBe(version);
    expect(second.rosters.pendingIn('alice@example.org')).toEqual(expected.pending);
    expect(second.userData.get('alice@example.org', 'vcard-temp')).toBe('<vCard/>');
    expect(second.rooms.rooms('conference.example.org')).toEqual(expected.rooms);
    expect(second.rooms.affiliations('conference.example.org', 'lobby')).toEqual(expected.affiliations);
    expect(second.rooms.secret('conference.example.org')).toEqual(mucSecret);
    expect(second.secrets.secret('guest-quota')).toEqual(secret);
    expect(second.uploads.get('u1')).toEqual(expected.upload);
    expect(second.uploads.bytesStored(200)).toBe(2048);
  });
});

describe('roster versions for several writers', () => {
  it('grow per user, continue from another writer\'s version, and start above the clock', () => {
    let now = 1_000;
    const next = rosterVersionClock(() => now);
    expect(next(0)).toBe(1_000);
    expect(next(1_000)).toBe(1_001);
    expect(next(0)).toBe(1_002);
    expect(next(5_000)).toBe(5_001);
    now = 10_000;
    expect(next(0)).toBe(10_000);
  });
});

afterEach(() => {
  expect(errors.take()).toEqual([]);
});
