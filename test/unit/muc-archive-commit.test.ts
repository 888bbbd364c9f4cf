/**
 * A room whose archive commits over the network (PostgreSQL, storage/postgres/archive.ts)
 * reflects a message only once it is committed, in the room's order, and refuses it to its
 * sender when the commit fails (muc/ordered-delivery.ts). On the machine's PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { xml, type Element } from '../../server/xml/element.js';
import type { PostgresArchiveStore } from '../../server/storage/postgres/archive.js';
import { createArchiveTestDatabase, refuseArchiveWrites, type ArchiveTestDatabase } from '../helpers/postgres-archive.js';
import { configureStanza, errorCondition, joinStanza, roomFixture, type User } from './room-fixture.js';

let database: ArchiveTestDatabase;
let archive: PostgresArchiveStore;
let room: string;
let owner: User;
let bob: User;

beforeAll(async () => {
  database = await createArchiveTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

beforeEach(async () => {
  archive = await database.open();
  const fixture = roomFixture({ storage: { archive } });
  room = `talk@${fixture.domain}`;
  owner = fixture.user('owner');
  bob = fixture.user('bob');
  owner.send(joinStanza(room, 'owner'));
  const [answer] = owner.send(configureStanza(room, { persistentroom: '1' }));
  expect(answer?.attrs.type).toBe('result');
  bob.send(joinStanza(room, 'bob'));
});

const groupchat = (body: string) => xml('message', { to: room, type: 'groupchat', id: body }, xml('body', {}, body));
const composing = () => xml('message', { to: room, type: 'groupchat', id: 'typing' }, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' }));
const messages = (user: User) => user.received.filter((stanza) => stanza.name === 'message' && stanza.attrs.type === 'groupchat');
const ids = (user: User) => messages(user).map((stanza) => stanza.attrs.id);
const storedIds = async () => (await database.pool.query<{ body: string }>(
  "SELECT substring(stanza from '<body>([^<]*)</body>') AS body FROM room_archive WHERE room = $1 ORDER BY seq", [room])).rows.map((row) => row.body);

/** Holds every archive commit until the returned function is called (a lock on the table, from another connection). */
async function holdCommits(): Promise<() => Promise<void>> {
  const blocker = new pg.Client({ connectionString: (database.pool.options as { connectionString: string }).connectionString });
  await blocker.connect();
  await blocker.query('BEGIN');
  await blocker.query('LOCK TABLE room_archive IN EXCLUSIVE MODE');
  return async () => {
    await blocker.query('COMMIT');
    await blocker.end();
  };
}

describe('a room archiving on PostgreSQL', () => {
  it('reflects a message to nobody before it is committed, then to everyone, in the order sent', async () => {
    const release = await holdCommits();
    const before = { owner: messages(owner).length, bob: messages(bob).length };
    owner.send(groupchat('first'));
    // Not kept (a chat state), but sent after 'first': it must not overtake it.
    owner.send(composing());
    bob.send(groupchat('second'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(messages(owner)).toHaveLength(before.owner);
    expect(messages(bob)).toHaveLength(before.bob);
    expect(await storedIds()).toEqual([]);

    await release();
    await expect.poll(() => ids(bob).slice(-3), { timeout: 5000 }).toEqual(['first', 'typing', 'second']);
    expect(ids(owner).slice(-3)).toEqual(['first', 'typing', 'second']);
    expect(await storedIds()).toEqual(['first', 'second']);
  });

  it('refuses a message whose commit fails to its sender alone, and goes on with the next', async () => {
    const allowWrites = await refuseArchiveWrites(database.pool);
    try {
      owner.send(groupchat('lost'));
      const refused = () => owner.received.find((stanza: Element) => stanza.attrs.type === 'error' && stanza.attrs.id === 'lost');
      await expect.poll(refused, { timeout: 5000 }).toBeDefined();
      expect(errorCondition(refused())).toBe('internal-server-error');
      expect(refused()!.getChild('error')?.attrs.type).toBe('wait');
    } finally {
      await allowWrites();
    }
    owner.send(groupchat('kept'));
    await expect.poll(() => ids(bob).at(-1), { timeout: 5000 }).toBe('kept');
    expect(ids(bob)).not.toContain('lost');
    expect(ids(owner)).not.toContain('lost');
    expect(archive.recent(room, 10).map((message) => message.stanza.getChildText('body'))).toEqual(['kept']);
    expect(await storedIds()).toEqual(['kept']);
  });
});
