/**
 * Rooms against people who were shown the door: a banned guest signing in again (a new
 * anonymous JID from the same address) and trying every other way in, a guest creating rooms
 * past the cap by signing in again, and a crash that must not hand a temporary room's
 * messages to whoever names the room next. After each attack, the innocent still talk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { servedThroughout } from '../helpers/raw-xmpp.js';
import { lobbyConfig, startServerProcess } from '../helpers/server-process.js';
import type { TestServer } from '../helpers/server.js';
import {
  admin, archivedBodies, errorCondition, groupchatFrom, guest, hasStatus, iq, join, presenceFrom, roomJid, say,
  settle, signIn, startMucServer, stopAll, xml, type Stanza, type User,
} from '../integration/muc-helpers.js';

const NS_MAM = 'urn:xmpp:mam:2';

/** The innocent in a room: a message each way between two account holders still gets through. */
async function stillTalking(a: User, b: User, room: string, text: string): Promise<void> {
  await say(a, room, `${text} (a)`);
  await b.inbox.next((s) => s.is('message') && s.getChildText('body') === `${text} (a)`);
  await say(b, room, `${text} (b)`);
  await a.inbox.next((s) => s.is('message') && s.getChildText('body') === `${text} (b)`);
}

function iqCondition(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(() => undefined, (error: { condition?: string }) => error.condition);
}

describe('a banned guest who signs in again', () => {
  let server: TestServer;
  let alice: User;
  let bob: User;
  let evader: User;
  let round = 0;

  beforeAll(async () => {
    server = await startMucServer();
    alice = await signIn(server, 'alice');
    await join(alice, 'fort', 'Alice');
    bob = await signIn(server, 'bob');
    await join(bob, 'fort', 'Bob');
    await say(alice, 'fort', 'the plans');
    const troll = await guest(server);
    await join(troll, 'fort', 'Troll');
    await admin(alice, 'fort', { jid: troll.bare, affiliation: 'outcast', reason: 'trolling' });
    await troll.inbox.next(presenceFrom('fort', 'Troll', 'unavailable'));
    await troll.client.stop();
    evader = await guest(server);
    expect(evader.bare).not.toBe(troll.bare);
  });
  const bystander = servedThroughout(() => server.c2sPort);
  afterEach(async () => {
    await stillTalking(alice, bob, 'fort', `after attack ${++round}`);
    expect(bystander.client().status).toBe('online');
  });
  afterAll(async () => {
    await stopAll(alice, bob, evader);
    await server?.stop();
  });

  it('is refused at the door, and the occupants never see them arrive', async () => {
    expect(errorCondition(await join(evader, 'fort', 'Innocent'))).toBe('forbidden');
    await settle(bob);
    expect(bob.inbox.has(presenceFrom('fort', 'Innocent'))).toBe(false);
  });

  it("cannot read the room's archive: query, metadata and form are all forbidden", async () => {
    await expect(archivedBodies(evader, 'fort')).rejects.toMatchObject({ condition: 'forbidden' });
    expect(await iqCondition(iq(evader, 'get', roomJid('fort'), xml('metadata', { xmlns: NS_MAM })))).toBe('forbidden');
    expect(await iqCondition(iq(evader, 'get', roomJid('fort'), xml('query', { xmlns: NS_MAM })))).toBe('forbidden');
    // The refusal is the ban's: a stranger who is not banned reads this open room's archive.
    const carol = await signIn(server, 'carol');
    expect(await archivedBodies(carol, 'fort')).toContain('the plans');
    await stopAll(carol);
  });

  it('cannot message an occupant privately nor send them an iq through the room', async () => {
    await evader.client.send(xml('message', { to: `${roomJid('fort')}/Bob`, type: 'chat' }, xml('body', {}, 'psst, Bob')));
    expect(errorCondition(await evader.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('not-acceptable');
    expect(await iqCondition(iq(evader, 'get', `${roomJid('fort')}/Bob`, xml('query', { xmlns: 'jabber:iq:version' })))).toBe('not-acceptable');
    await settle(bob);
    expect(bob.inbox.has((s: Stanza) => s.getChildText?.('body') === 'psst, Bob')).toBe(false);
    expect(bob.inbox.has((s: Stanza) => s.is('iq') && s.getChild('query', 'jabber:iq:version') !== undefined)).toBe(false);
  });

  it("learns nothing of who is inside: no occupants in disco#items, and the landing page's nick check says nothing", async () => {
    const items = await iq(evader, 'get', roomJid('fort'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }));
    expect(items.getChild('query').getChildren('item')).toHaveLength(0);
    expect(await iqCondition(iq(evader, 'get', `${roomJid('fort')}/Bob`, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))).toBe('not-acceptable');
    const check = (headers: Record<string, string> = {}) =>
      fetch(`${server.httpUrl}/api/rooms/fort/nick-available?nick=Bob`, { headers }).then((response) => response.json());
    // From the banned address: as for a closed room. From elsewhere (through the trusted proxy): the truth.
    expect(await check()).toEqual({ available: true });
    expect(await check({ 'X-Forwarded-For': '203.0.113.7' })).toEqual({ available: false, reason: 'taken' });
  });
});

describe('a guest creating rooms past the cap by signing in again', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startMucServer({ muc: { max_rooms_per_user: 2 } });
  });
  const bystander = servedThroughout(() => server.c2sPort);
  afterAll(() => server?.stop());

  it('is held to [muc].max_rooms_per_user for their address, whichever sign-in asks', async () => {
    const first = await guest(server);
    expect(hasStatus(await join(first, 'mine-1', 'A'), 201)).toBe(true);
    expect(hasStatus(await join(first, 'mine-2', 'A'), 201)).toBe(true);
    expect(errorCondition(await join(first, 'mine-3', 'A'))).toBe('not-allowed');
    const second = await guest(server);
    const third = await guest(server);
    expect(errorCondition(await join(second, 'mine-3', 'B'))).toBe('not-allowed');
    expect(errorCondition(await join(third, 'mine-4', 'C'))).toBe('not-allowed');
    // Joining rooms that exist is not creating them.
    expect(hasStatus(await join(second, 'mine-1', 'B'), 110)).toBe(true);
    // An account holder at the same address creates rooms of their own.
    const alice = await signIn(server, 'alice');
    expect(hasStatus(await join(alice, 'alices', 'Alice'), 201)).toBe(true);
    // A room that ends (its last occupant left) no longer counts.
    await first.client.send(xml('presence', { to: `${roomJid('mine-2')}/A`, type: 'unavailable' }));
    await first.inbox.next(presenceFrom('mine-2', 'A', 'unavailable'));
    expect(hasStatus(await join(third, 'mine-4', 'C'), 201)).toBe(true);
    expect(bystander.client().status).toBe('online');
    await stopAll(first, second, third, alice);
  });
});

describe("a temporary room's messages and a crash", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  function tempDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-hostile-'));
    dirs.push(dir);
    return dir;
  }
  function archivedRows(dataDir: string, text: string): number {
    const db = new BetterSqlite3(path.join(dataDir, 'palaver.sqlite'));
    try {
      return (db.prepare('SELECT count(*) AS n FROM room_archive WHERE stanza LIKE ?').get(`%${text}%`) as { n: number }).n;
    } finally {
      db.close();
    }
  }

  it('after kill -9 and a restart, whoever re-creates the room finds nothing of it in history or MAM', async () => {
    const dir = tempDir();
    const before = await startServerProcess(dir, lobbyConfig('warn'));
    let first: User | undefined;
    try {
      first = await guest(before);
      await join(first, 'ephemeral', 'First');
      await say(first, 'ephemeral', 'said before the crash');
      await first.inbox.next(groupchatFrom('ephemeral', 'First', 'said before the crash'));
      // It was archived (in memory): the room's own MAM has it while the process lives.
      expect(await archivedBodies(first, 'ephemeral')).toEqual(['said before the crash']);
      await join(first, 'lobby', 'First');
      await say(first, 'lobby', 'kept in the lobby');
      expect(await archivedBodies(first, 'lobby')).toEqual(['kept in the lobby']);
      // The guest is still in the room when the process dies: nothing gets to end it cleanly.
      first.client.reconnect.stop();
    } finally {
      await before.kill();
    }
    expect(archivedRows(path.join(dir, 'data'), 'said before the crash')).toBe(0);
    expect(archivedRows(path.join(dir, 'data'), 'kept in the lobby')).toBe(1);

    const after = await startServerProcess(dir, lobbyConfig('warn'));
    try {
      const next = await guest(after);
      expect(hasStatus(await join(next, 'ephemeral', 'Next'), 201)).toBe(true);
      await settle(next);
      expect(next.inbox.has((s: Stanza) => s.is('message') && s.getChild('body') !== undefined)).toBe(false);
      expect(await archivedBodies(next, 'ephemeral')).toEqual([]);
      // The persistent channel, the innocent here, kept what was said in it.
      await join(next, 'lobby', 'Next');
      expect(next.inbox.has(groupchatFrom('lobby', 'First', 'kept in the lobby'))).toBe(true);
      expect(await archivedBodies(next, 'lobby')).toEqual(['kept in the lobby']);
      await stopAll(next);
    } finally {
      expect(await after.stop()).toBe(0);
    }
  });

  it('messages an older release left on disk for rooms that are not persistent are deleted at start', async () => {
    const first = await startMucServer({ channels: [{ name: 'lobby' }] });
    await first.stop();
    const db = new BetterSqlite3(path.join(first.dataDir, 'palaver.sqlite'));
    const insert = db.prepare(`INSERT INTO room_archive (room, id, timestamp, nick, occupant_id, stanza) VALUES (?, ?, ?, 'old', 'o', ?)`);
    insert.run(roomJid('leftover'), 'l1', Date.now(), '<message type="groupchat"><body>left behind</body></message>');
    insert.run(roomJid('lobby'), 'k1', Date.now(), '<message type="groupchat"><body>lobby history</body></message>');
    db.close();

    const second = await startMucServer({ channels: [{ name: 'lobby' }] }, { dataDir: first.dataDir });
    try {
      const visitor = await guest(second);
      await join(visitor, 'leftover', 'Visitor');
      expect(await archivedBodies(visitor, 'leftover')).toEqual([]);
      await join(visitor, 'lobby', 'Visitor');
      expect(await archivedBodies(visitor, 'lobby')).toEqual(['lobby history']);
      await stopAll(visitor);
    } finally {
      await second.stop();
    }
    expect(archivedRows(first.dataDir, 'left behind')).toBe(0);
  });
});
