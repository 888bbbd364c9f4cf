/**
 * Questions about a room asked on a node that does not serve it: the call policy and XEP-0215
 * TURN credentials for a guest whose room another node serves, and the landing page's
 * nickname check answered behind a balancer by a node other than the room's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { admin, errorCondition, join, MUC, roomJid, xml, type User } from './muc-helpers.js';
import { roomClusterSuite } from './cluster-room-suite.js';
import { errorFor, EXTDISCO, goOnline, iqOutcome, JINGLE, JMI, propose, proposal, services } from './calls-helpers.js';

const GUESTS = 'anon.localhost';

const suite = roomClusterSuite(['calls-a', 'calls-b'], {
  calls: {
    stun_uri: 'stun:127.0.0.1:3478',
    turn_uri: 'turn:127.0.0.1:3478?transport=udp',
    turn_secret: 'cluster-calls-secret',
    credential_lifetime: '1h',
  },
  muc: { anonymous_can_create_rooms: true },
}, 'each');
let a: TestServer;
let b: TestServer;
beforeAll(() => { [a, b] = suite.nodes as [TestServer, TestServer]; });

const guestOn = async (node: TestServer): Promise<User> => goOnline(await suite.guestOn(node));

/** A room that node A serves, with a guest of A in it. */
async function roomServedByA(room: string, nick: string): Promise<User> {
  const host = await guestOn(a);
  await join(host, room, nick);
  expect(a.server.cluster?.serves(MUC, room)).toBe(true);
  expect(b.server.cluster?.serves(MUC, room)).toBe(false);
  return host;
}

const offered = async (user: User): Promise<string[]> => (await services(user, GUESTS)).map((service) => service.attrs.type);
const turnCredentials = xml('credentials', { xmlns: EXTDISCO }, xml('service', { type: 'turn', host: '127.0.0.1' }));
const initiate = (from: User, sid: string) => xml('jingle', { xmlns: JINGLE, action: 'session-initiate', sid, initiator: from.jid });

describe('calls when the room is served by another node', () => {
  it('a guest on B in a room served by A gets TURN credentials and calls an occupant on A, who calls back', async () => {
    const host = await roomServedByA('crossroom', 'host');
    const caller = await guestOn(b);
    expect(await offered(caller)).toEqual(['stun', 'stun']);
    await join(caller, 'crossroom', 'caller');

    expect(await offered(caller)).toEqual(['stun', 'stun', 'turn']);
    expect(await iqOutcome(caller, 'get', GUESTS, turnCredentials)).toBe('result');

    await caller.client.send(propose(host.bare, 'cross-1'));
    expect((await host.inbox.next(proposal('cross-1'))).attrs.from).toBe(caller.jid);
    host.client.iqCallee.set(JINGLE, 'jingle', () => ({}));
    expect(await iqOutcome(caller, 'set', host.jid, initiate(caller, 'cross-1'))).toBe('result');
    await host.client.send(propose(caller.jid, 'cross-2'));
    await caller.inbox.next(proposal('cross-2'));

    // Out of the room, the guest is back to STUN alone and calls nobody.
    await caller.client.send(xml('presence', { to: `${roomJid('crossroom')}/caller`, type: 'unavailable' }));
    await caller.inbox.next((stanza) => stanza.is('presence') && stanza.attrs.type === 'unavailable' && stanza.attrs.from === `${roomJid('crossroom')}/caller`);
    expect(await offered(caller)).toEqual(['stun', 'stun']);
    await caller.client.send(propose(host.bare, 'cross-3'));
    expect(errorCondition(await caller.inbox.next(errorFor('cross-3')))).toBe('forbidden');
  });

  it('two guests on B in a room served by A call each other; the call stanzas arrive in the order sent', async () => {
    await roomServedByA('bothonb', 'host');
    const [alice, bob] = [await guestOn(b), await guestOn(b)];
    await join(alice, 'bothonb', 'alice');
    await join(bob, 'bothonb', 'bob');
    for (let i = 0; i < 5; i++) await alice.client.send(propose(bob.bare, `order-${i}`));
    await bob.inbox.next(proposal('order-4'));
    const received = bob.inbox.take((stanza) => stanza.is('message') && stanza.getChild('propose', JMI) !== undefined);
    expect(received.map((stanza) => stanza.getChild('propose', JMI).attrs.id)).toEqual(['order-0', 'order-1', 'order-2', 'order-3']);
  });

  it('a guest on B in no room gets STUN only, and its calls to an occupant on A are refused', async () => {
    const host = await roomServedByA('closedroom', 'host');
    const stranger = await guestOn(b);
    expect(await offered(stranger)).toEqual(['stun', 'stun']);
    expect(await iqOutcome(stranger, 'get', GUESTS, turnCredentials)).toBe('forbidden');
    await stranger.client.send(propose(host.bare, 'stranger-1'));
    expect(errorCondition(await stranger.inbox.next(errorFor('stranger-1')))).toBe('forbidden');
    expect(await iqOutcome(stranger, 'set', host.jid, initiate(stranger, 'stranger-2'))).toBe('forbidden');
    await host.client.send(propose(stranger.bare, 'stranger-3'));
    expect(errorCondition(await host.inbox.next(errorFor('stranger-3')))).toBe('forbidden');
    expect(host.inbox.has(proposal('stranger-1'))).toBe(false);
  });
});

describe('the landing page\'s nickname check on a node that does not serve the room', () => {
  const check = async (node: TestServer, room: string, nick: string): Promise<unknown> => {
    const response = await fetch(`${node.httpUrl}/api/rooms/${encodeURIComponent(room)}/nick-available?nick=${encodeURIComponent(nick)}`);
    expect(response.status).toBe(200);
    return response.json();
  };

  it('reports a nickname taken in a room served by A, on B as on A', async () => {
    await roomServedByA('nickroom', 'Alice');
    for (const node of [a, b]) {
      expect(await check(node, 'nickroom', 'Alice')).toEqual({ available: false, reason: 'taken' });
      expect(await check(node, 'nickroom', 'ALICE')).toEqual({ available: false, reason: 'taken' });
      expect(await check(node, 'nickroom', 'Bob')).toEqual({ available: true });
      expect(await check(node, 'nowhere', 'Alice')).toEqual({ available: true });
    }
  });

  it('answers "available" on B to a network the room served by A banned (the ban is checked there on the network token)', async () => {
    const owner = await roomServedByA('bannedroom', 'Owner');
    const troll = await guestOn(b);
    await join(troll, 'bannedroom', 'troll');
    // Every test client comes from 127.0.0.1: the ban covers the network the checks come from.
    expect(await check(b, 'bannedroom', 'Owner')).toEqual({ available: false, reason: 'taken' });
    await admin(owner, 'bannedroom', { jid: troll.bare, affiliation: 'outcast' });
    for (const node of [a, b]) expect(await check(node, 'bannedroom', 'Owner')).toEqual({ available: true });
  });
});
