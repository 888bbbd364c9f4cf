/**
 * `palaver migrate --to-postgres`: a SQLite data_dir filled through a running server with
 * real clients (an account, its roster, a persistent room with an owner and a guest's ban,
 * an upload) is copied into an empty PostgreSQL database, and a server on PostgreSQL with
 * the same data_dir has all of it. Needs a build (npx tsc -p tsconfig.json) and PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, addAccount, type TestServer } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/clients.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { admin, configure, errorCondition, guest, hasStatus, join, presenceFrom, stopAll, Inbox, type User } from './muc-helpers.js';
import { palaver, writeCliConfig } from './palaver-cli.js';

const ROSTER = 'jabber:iq:roster';
const UPLOAD = 'urn:xmpp:http:upload:0';
const MUC_HOST = 'conference.localhost';
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-migrate-'));
});
afterAll(async () => {
  await database?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function signIn(server: TestServer, name: string): Promise<User> {
  const client = await connectClient({ port: server.c2sPort, username: name, password: `${name} pw` });
  const jid = client.jid!.toString();
  return { client, inbox: new Inbox(client), jid, bare: jid.split('/')[0]! };
}

/** Asks for a slot as this user and PUTs `body`; returns the GET path. */
async function upload(server: TestServer, user: User, body: Buffer): Promise<string> {
  const reply = await user.client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: UPLOAD, filename: 'notes.txt', size: body.length, 'content-type': 'text/plain' })));
  const slot = reply.getChild('slot', UPLOAD);
  const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
  for (const header of slot.getChild('put').getChildren('header')) headers[header.attrs.name] = header.getText();
  const putPath = new URL(slot.getChild('put').attrs.url as string);
  const response = await fetch(server.httpUrl + putPath.pathname + putPath.search, { method: 'PUT', body, headers });
  expect(response.status).toBe(201);
  return new URL(slot.getChild('get').attrs.url as string).pathname;
}

describe('palaver migrate --to-postgres', () => {
  it('moves a SQLite data_dir into PostgreSQL, and a server there has every account, roster, room, ban, secret and upload', async () => {
    const dataDir = path.join(dir, 'data');
    const sqliteServer = await startTestServer({}, { dataDir });
    await addAccount(sqliteServer, 'alice', 'alice pw');
    const alice = await signIn(sqliteServer, 'alice');
    await alice.client.iqCaller.set(xml('query', { xmlns: ROSTER }, xml('item', { jid: 'bob@localhost', name: 'Bob' })));
    await join(alice, 'kept', 'Alice');
    await configure(alice, 'kept', { 'muc#roomconfig_persistentroom': '1' });
    const troll = await guest(sqliteServer);
    await join(troll, 'kept', 'Troll');
    await admin(alice, 'kept', { jid: troll.bare, affiliation: 'outcast', reason: 'spam' });
    await troll.inbox.next(presenceFrom('kept', 'Troll', 'unavailable'));
    const file = Buffer.from('kept across the move\n');
    const getPath = await upload(sqliteServer, alice, file);
    await stopAll(alice, troll);
    await sqliteServer.stop();

    const before = openSqliteStorage(dataDir);
    // Alice's one-to-one archive and a message waiting for her.
    const waiting = { id: 'w1', stanza: "<message from='bob@localhost/x' to='alice@localhost' type='chat'><body>later</body></message>", timestamp: Date.now() };
    before.accountArchive.append('alice@localhost', { id: 'a1', stanza: xml('message', { from: 'bob@localhost/x', type: 'chat' }, xml('body', {}, 'kept one')), nick: 'bob@localhost', occupantId: '', timestamp: Date.now() });
    before.offline.add('alice@localhost', waiting, 10);
    const expected = {
      roster: before.rosters.get('alice@localhost'),
      rooms: before.rooms.rooms(MUC_HOST),
      affiliations: before.rooms.affiliations(MUC_HOST, 'kept'),
      mucSecret: before.rooms.secret(MUC_HOST),
      uploadSecret: before.secrets.secret('upload-guest-quota'),
      tables: Object.fromEntries(['accounts', 'scram_credentials', 'roster_items', 'roster_versions', 'muc_rooms', 'muc_affiliations', 'muc_secrets', 'server_secrets', 'uploads', 'account_archive', 'offline_messages']
        .map((table) => [table, (before.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n])),
    };
    await before.close();
    expect(expected.tables.uploads).toBe(1);
    expect(expected.tables.server_secrets).toBeGreaterThan(0);

    const config = writeCliConfig(dir, dataDir, { backend: 'sqlite' });
    const migrated = palaver(['migrate', '--to-postgres', database.url, '--config', config]);
    expect(migrated.stderr).toBe('');
    expect(migrated.status).toBe(0);
    for (const [table, count] of Object.entries(expected.tables)) {
      expect(migrated.stdout).toMatch(new RegExp(`^  ${table} +${count} rows`, 'm'));
    }
    expect(migrated.stdout).toMatch(/^  upload_blobs +1 files/m);
    expect(migrated.stdout).toContain(`Upload files were copied from ${path.join(dataDir, 'uploads')}`);
    // The file is served from the database: the folder is not needed any more.
    fs.rmSync(path.join(dataDir, 'uploads'), { recursive: true });

    // A second run finds the database in use and refuses, saying why.
    const again = palaver(['migrate', '--to-postgres', database.url, '--config', config]);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/is not empty \(table accounts has rows\)/);

    const pgServer = await startTestServer({ storage: { backend: 'postgres', url: database.url } }, { dataDir });
    try {
      const { storage } = pgServer.server.context;
      expect(storage.rosters.get('alice@localhost')).toEqual(expected.roster);
      expect(storage.rooms.rooms(MUC_HOST)).toEqual(expected.rooms);
      expect(storage.rooms.affiliations(MUC_HOST, 'kept')).toEqual(expected.affiliations);
      expect(storage.rooms.secret(MUC_HOST)).toEqual(expected.mucSecret);
      expect(storage.secrets.secret('upload-guest-quota')).toEqual(expected.uploadSecret);
      const found = await storage.accountArchive.query('alice@localhost', { nick: 'bob@localhost', search: 'kept' }, { max: 10 });
      expect(found.messages.map((message) => message.id)).toEqual(['a1']);
      expect(storage.offline.take('alice@localhost')).toEqual([waiting]);

      const back = await signIn(pgServer, 'alice');
      const roster = await back.client.iqCaller.get(xml('query', { xmlns: ROSTER }));
      expect(roster.getChildren('item').map((item: any) => item.attrs.jid)).toEqual(['bob@localhost']);
      const returning = await guest(pgServer);
      expect(errorCondition(await join(returning, 'kept', 'Troll'))).toBe('forbidden');
      expect(hasStatus(await join(back, 'kept', 'Alice'), 110)).toBe(true);
      const fetched = await fetch(pgServer.httpUrl + getPath);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer())).toEqual(file);
      await stopAll(back, returning);
    } finally {
      await pgServer.stop();
    }
  });

  it('refuses a data_dir without a database, and a command line without the URL, with one clear line', () => {
    const config = writeCliConfig(dir, path.join(dir, 'nothing-here'), { backend: 'sqlite' });
    const missing = palaver(['migrate', '--to-postgres', database.url, '--config', config]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^palaver: there is no SQLite database to migrate: .*palaver\.sqlite does not exist/);
    const noUrl = palaver(['migrate', '--config', config]);
    expect(noUrl.status).toBe(2);
    expect(noUrl.stderr).toContain('needs --to-postgres URL');
  });
});
