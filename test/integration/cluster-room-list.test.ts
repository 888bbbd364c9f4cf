import { beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  configure, errorCondition, iq, join, MUC, presenceFrom, roomJid, settle, xml, type Stanza, type User,
} from './muc-helpers.js';
import { roomClusterSuite } from './cluster-room-suite.js';

/**
 * What every node answers about all rooms, over two in-process nodes sharing Redis and one
 * PostgreSQL database: the public room list (disco#items of the service), a room's head count
 * (disco#info), /api/statistics, and the rooms a user may create ([muc].max_rooms_per_user),
 * whichever node serves the rooms and whichever node is asked.
 */
const NS_DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const MAX_ROOMS = 2;

const suite = roomClusterSuite(['list-a', 'list-b'], {
  server: { auth: 'insecure' },
  muc: { max_rooms_per_user: MAX_ROOMS },
  api: { statistics: true },
});
const { account, guestOn, servers } = suite;
let a: TestServer;
let b: TestServer;
beforeAll(() => { [a, b] = suite.nodes as [TestServer, TestServer]; });

/** disco#items of the MUC service as this user's node answers it: room JID → name. */
async function roomList(user: User): Promise<Map<string, string>> {
  const result: Stanza = await iq(user, 'get', MUC, xml('query', { xmlns: NS_DISCO_ITEMS }));
  const items: Stanza[] = result.getChild('query', NS_DISCO_ITEMS)?.getChildren('item') ?? [];
  return new Map(items.map((item) => [item.attrs.jid as string, item.attrs.name as string]));
}

/** muc#roominfo_occupants of the room's disco#info. */
async function headCount(user: User, room: string): Promise<number> {
  const result: Stanza = await iq(user, 'get', roomJid(room), xml('query', { xmlns: NS_DISCO_INFO }));
  const fields: Stanza[] = result.getChild('query', NS_DISCO_INFO)?.getChild('x', 'jabber:x:data')?.getChildren('field') ?? [];
  return Number(fields.find((field) => field.attrs.var === 'muc#roominfo_occupants')?.getChildText('value'));
}

interface Statistics {
  rooms: number;
  occupants: number;
  public_rooms: { room: string; title: string; occupants: number }[];
}

async function statistics(node: TestServer): Promise<Statistics> {
  const response = await fetch(`${node.httpUrl}/api/statistics`);
  expect(response.status).toBe(200);
  return await response.json() as Statistics;
}

function publicRoom(stats: Statistics, room: string): { occupants: number; title: string } | undefined {
  return stats.public_rooms.find((entry) => entry.room === roomJid(room));
}

describe('what every node says about all rooms', () => {
  it('the public room list, a room\'s head count and the statistics are the same on every node', async () => {
    const alice = await account(a, 'alice');
    await join(alice, 'town-square', 'Alice');
    await configure(alice, 'town-square', { 'muc#roomconfig_roomname': 'Town square' });
    const hidden = await account(a, 'hugo');
    await join(hidden, 'back-room', 'Hugo');
    await configure(hidden, 'back-room', { 'muc#roomconfig_publicroom': '0' });
    expect(servers('town-square')).toEqual([a]);

    const bob = await account(b, 'bob');
    const carol = await guestOn(b);
    await join(bob, 'town-square', 'Bob');
    await join(carol, 'town-square', 'Carol');
    await settle(alice);

    // Asked on the node that does not serve the room: it is listed, with everyone counted.
    await expect.poll(() => roomList(bob), { timeout: 5_000 }).toEqual(new Map([[roomJid('town-square'), 'Town square']]));
    expect(await roomList(alice)).toEqual(new Map([[roomJid('town-square'), 'Town square']]));
    expect(await headCount(bob, 'town-square')).toBe(3);
    for (const node of [a, b]) {
      await expect.poll(async () => publicRoom(await statistics(node), 'town-square')?.occupants, { timeout: 5_000 }).toBe(3);
      const stats = await statistics(node);
      expect(stats.rooms).toBe(2);
      expect(stats.occupants).toBe(4);
      expect(publicRoom(stats, 'back-room')).toBeUndefined();
    }

    // Someone leaves on the serving node: both nodes count one fewer.
    await alice.client.send(xml('presence', { to: `${roomJid('town-square')}/Alice`, type: 'unavailable' }));
    await bob.inbox.next(presenceFrom('town-square', 'Alice', 'unavailable'));
    for (const node of [a, b]) {
      await expect.poll(async () => publicRoom(await statistics(node), 'town-square')?.occupants, { timeout: 5_000 }).toBe(2);
    }
    expect(await headCount(carol, 'town-square')).toBe(2);

    // A temporary room that empties is gone from every node's list.
    await hidden.client.send(xml('presence', { to: `${roomJid('back-room')}/Hugo`, type: 'unavailable' }));
    for (const node of [a, b]) await expect.poll(async () => (await statistics(node)).rooms, { timeout: 5_000 }).toBe(1);
  });

  it('a kept room nobody serves is listed, empty, on every node', async () => {
    const owner = await account(b, 'kept-owner');
    await join(owner, 'archive-room', 'Owner');
    await configure(owner, 'archive-room', { 'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_roomname': 'Archive' });
    await owner.client.send(xml('presence', { to: `${roomJid('archive-room')}/Owner`, type: 'unavailable' }));
    await owner.inbox.next(presenceFrom('archive-room', 'Owner', 'unavailable'));
    const asker = await account(a, 'asker');
    await expect.poll(async () => (await roomList(asker)).get(roomJid('archive-room')), { timeout: 5_000 }).toBe('Archive');
    await expect.poll(async () => publicRoom(await statistics(a), 'archive-room')?.occupants, { timeout: 5_000 }).toBe(0);
  });

  it('the rooms an account may create are counted over every node', async () => {
    const onA = await account(a, 'maker', 'a');
    const onB = await account(b, 'maker', 'b');
    await join(onA, 'maker-1', 'Maker');
    await join(onB, 'maker-2', 'Maker');
    expect(servers('maker-1')).toEqual([a]);
    expect(servers('maker-2')).toEqual([b]);
    // A third, through either node: refused, though each node made only one of them.
    for (const user of [onA, onB]) {
      const refused = await join(user, `maker-3-${user === onA ? 'a' : 'b'}`, 'Maker');
      expect(refused.attrs.type).toBe('error');
      expect(errorCondition(refused)).toBe('not-allowed');
    }
    // One of them ends: room for one more.
    await onB.client.send(xml('presence', { to: `${roomJid('maker-2')}/Maker`, type: 'unavailable' }));
    await onB.inbox.next(presenceFrom('maker-2', 'Maker', 'unavailable'));
    await expect.poll(async () => (await join(onB, 'maker-4', 'Maker')).attrs.type ?? 'available', { timeout: 5_000 }).toBe('available');
  });

  it('a guest\'s rooms are counted by network over every node, new sign-ins included', async () => {
    // Every guest of this test comes from 127.0.0.1: one network.
    const first = await guestOn(a);
    await join(first, 'guest-made-1', 'G1');
    const second = await guestOn(b);
    await join(second, 'guest-made-2', 'G2');
    expect(servers('guest-made-2')).toEqual([b]);
    for (const node of [a, b]) {
      const another = await guestOn(node);
      const refused = await join(another, `guest-made-3-${node === a ? 'a' : 'b'}`, 'G3');
      expect(errorCondition(refused)).toBe('not-allowed');
    }
  });
});
