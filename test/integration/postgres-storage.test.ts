/**
 * A server on `[storage] backend = "postgres"` with real clients: an account made with the
 * `palaver adduser` command (while the server runs) signs in over TCP with @xmpp/client;
 * a roster and a persistent room with a guest's ban survive a restart.
 * Needs a build (npx tsc -p tsconfig.json) and the machine's PostgreSQL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient, xml } from '../helpers/clients.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, configure, errorCondition, guest, hasStatus, join, presenceFrom, stopAll, type User, Inbox } from './muc-helpers.js';
import { palaver, writeCliConfig } from './palaver-cli.js';

const ROSTER = 'jabber:iq:roster';
const PASSWORD = 'pg password 1';
let database: TestDatabase;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-pg-server-'));
});
afterAll(async () => {
  await database?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startOnPostgres(dataDir: string): Promise<TestServer> {
  return startTestServer({ storage: { backend: 'postgres', url: database.url } }, { dataDir });
}

async function account(server: TestServer, name: string): Promise<User> {
  const client = await connectClient({ port: server.c2sPort, username: name, password: PASSWORD });
  const jid = client.jid!.toString();
  return { client, inbox: new Inbox(client), jid, bare: jid.split('/')[0]! };
}

describe('a server on PostgreSQL', () => {
  it('signs in an account the CLI created while it ran; keeps the roster and a room\'s guest ban across a restart', async () => {
    const first = await startOnPostgres(fs.mkdtempSync(path.join(dir, 'node1-')));
    const config = writeCliConfig(dir, path.join(dir, 'cli-data'), { backend: 'postgres', url: database.url });
    const created = palaver(['adduser', '--config', config, 'alice@localhost'], `${PASSWORD}\n`);
    expect(created.stderr).toBe('');
    expect(created.status).toBe(0);
    // The CLI used no SQLite file: nothing was created in its data_dir.
    expect(fs.existsSync(path.join(dir, 'cli-data', 'palaver.sqlite'))).toBe(false);

    let alice: User | undefined;
    for (let attempt = 0; !alice; attempt++) {
      // The notification reaches the running server within milliseconds; allow for a slow machine.
      try {
        alice = await account(first, 'alice');
      } catch (error) {
        if (attempt > 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await alice.client.iqCaller.set(xml('query', { xmlns: ROSTER }, xml('item', { jid: 'bob@localhost', name: 'Bob' }, xml('group', {}, 'Friends'))));
    await join(alice, 'kept', 'Alice');
    await configure(alice, 'kept', { 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_roomname': 'Kept room' });
    const troll = await guest(first);
    await join(troll, 'kept', 'Troll');
    await admin(alice, 'kept', { jid: troll.bare, affiliation: 'outcast', reason: 'spam' });
    await troll.inbox.next(presenceFrom('kept', 'Troll', 'unavailable'));
    await stopAll(alice, troll);
    await first.stop();

    // Another node (another data_dir: nothing on its disk) on the same database.
    const second = await startOnPostgres(fs.mkdtempSync(path.join(dir, 'node2-')));
    try {
      const again = await account(second, 'alice');
      const roster = await again.client.iqCaller.get(xml('query', { xmlns: ROSTER }));
      const items = roster.getChildren('item');
      expect(items.map((item: any) => item.attrs)).toEqual([expect.objectContaining({ jid: 'bob@localhost', name: 'Bob' })]);
      expect(items[0].getChildText('group')).toBe('Friends');
      // The guest comes back with a new JID from the same address: the keyed address hash still matches.
      const returning = await guest(second);
      expect(returning.bare).not.toBe(troll.bare);
      expect(errorCondition(await join(returning, 'kept', 'Troll'))).toBe('forbidden');
      expect(hasStatus(await join(again, 'kept', 'Alice'), 110)).toBe(true);
      const wrong = connectClient({ port: second.c2sPort, username: 'alice', password: 'not it' });
      await expect(wrong).rejects.toThrow(/not-authorized/);
      await stopAll(again, returning);
    } finally {
      await second.stop();
    }
  });
});
