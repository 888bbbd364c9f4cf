/**
 * Calls, server side: XEP-0215 services whose TURN credentials a real coturn (Debian's
 * turnserver on loopback, use-auth-secret) accepts for an Allocate, and the call policy for
 * XEP-0353 messages and Jingle iqs between real @xmpp/client clients.
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import { turnAllocate } from '../helpers/turn-client.js';
import { errorCondition, guest, iq, join, roomJid, signIn, startMucServer, xml, type Stanza, type User } from './muc-helpers.js';
import { errorFor, EXTDISCO, goOnline, iqOutcome, JINGLE, JMI, propose, proposal, services } from './calls-helpers.js';

const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const SECRET = 'coturn-shared-secret-for-tests';
const INVITATIONS_PER_MINUTE = 3;

let coturn: Coturn;
let server: TestServer;
/** How far ahead of the wall clock the server's clock runs (credential expiry is the server's to count). */
let clockAhead = 0;
const users: User[] = [];

beforeAll(async () => {
  coturn = await startCoturn(SECRET);
  server = await startMucServer({
    calls: {
      stun_uri: `stun:127.0.0.1:${coturn.port}`,
      turn_uri: `turn:127.0.0.1:${coturn.port}?transport=udp`,
      turn_secret: SECRET,
      credential_lifetime: '1h',
      invitations_per_minute: INVITATIONS_PER_MINUTE,
    },
    muc: { anonymous_can_create_rooms: true },
  }, { now: () => Date.now() + clockAhead });
}, 30_000);

afterEach(async () => {
  clockAhead = 0;
  await Promise.all(users.splice(0).map((user) => user.client.stop().catch(() => {})));
});

afterAll(async () => {
  await server?.stop();
  await coturn?.stop();
});

async function online(user: User): Promise<User> {
  users.push(user);
  return goOnline(user);
}

const newGuest = async (): Promise<User> => online(await guest(server));
const newAccountHolder = async (name: string): Promise<User> => online(await signIn(server, name));

describe('XEP-0215 external services', () => {
  it('a guest in a room gets STUN and TURN with coturn REST credentials that coturn accepts, and that a wrong secret would not make', async () => {
    const caller = await newGuest();
    await join(caller, 'turnroom', 'caller');
    const info = await iq(caller, 'get', 'anon.localhost', xml('query', { xmlns: DISCO_INFO }));
    expect(info.getChild('query').getChildren('feature').map((feature: Stanza) => feature.attrs.var)).toContain(EXTDISCO);

    const list = await services(caller, 'anon.localhost');
    expect(list.map((service) => `${service.attrs.type}/${service.attrs.transport}`)).toEqual(['stun/udp', 'stun/tcp', 'turn/udp']);
    const stun = list[0];
    expect(stun.attrs).toEqual({ type: 'stun', host: '127.0.0.1', port: String(coturn.port), transport: 'udp' });
    const turn = list[2];
    expect(turn.attrs).toMatchObject({ host: '127.0.0.1', port: String(coturn.port), restricted: '1' });
    const [expiry, user] = turn.attrs.username.split(':');
    expect(Number(expiry) * 1000).toBeGreaterThan(Date.now() + 3_500_000);
    expect(Number(expiry) * 1000).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(new Date(turn.attrs.expires).getTime()).toBe(Number(expiry) * 1000);
    // An opaque id: nothing of the guest's JID reaches coturn.
    expect(caller.jid).not.toContain(user);
    expect(turn.attrs.password).toBe(createHmac('sha1', SECRET).update(turn.attrs.username).digest('base64'));

    const allocated = await turnAllocate(coturn.port, turn.attrs.username, turn.attrs.password);
    expect(allocated).toMatchObject({ ok: true, relayed: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });

    const forged = createHmac('sha1', 'not the secret').update(turn.attrs.username).digest('base64');
    expect(await turnAllocate(coturn.port, turn.attrs.username, forged)).toMatchObject({ ok: false, code: 401 });
    const expired = `${Math.floor(Date.now() / 1000) - 60}:${user}`;
    expect(await turnAllocate(coturn.port, expired, createHmac('sha1', SECRET).update(expired).digest('base64'))).toMatchObject({ ok: false, code: 401 });
  });

  it('answers a credentials request for one service with the credential the session already has; unknown services are item-not-found', async () => {
    const caller = await newGuest();
    await join(caller, 'turnroom', 'caller');
    const [first] = (await services(caller, 'anon.localhost')).filter((service) => service.attrs.type === 'turn');
    const result = await iq(caller, 'get', 'anon.localhost', xml('credentials', { xmlns: EXTDISCO }, xml('service', { type: 'turn', host: '127.0.0.1' })));
    const service = result.getChild('credentials', EXTDISCO).getChild('service');
    expect(service.attrs).toEqual(first.attrs);
    expect((await turnAllocate(coturn.port, service.attrs.username, service.attrs.password)).ok).toBe(true);
    expect(await iqOutcome(caller, 'get', 'anon.localhost', xml('credentials', { xmlns: EXTDISCO }, xml('service', { type: 'turn', host: 'elsewhere.example' })))).toBe('item-not-found');
    const typed = await iq(caller, 'get', 'anon.localhost', xml('services', { xmlns: EXTDISCO, type: 'stun' }));
    expect(typed.getChild('services').getChildren('service').map((s: Stanza) => s.attrs.type)).toEqual(['stun', 'stun']);
  });

  it('a guest gets TURN only while it is in a room, and one credential for its whole session', async () => {
    const caller = await newGuest();
    const turnCredentials = xml('credentials', { xmlns: EXTDISCO }, xml('service', { type: 'turn', host: '127.0.0.1' }));
    const offered = async (): Promise<string[]> => (await services(caller, 'anon.localhost')).map((service) => service.attrs.type);
    expect(await offered()).toEqual(['stun', 'stun']);
    expect(await iqOutcome(caller, 'get', 'anon.localhost', turnCredentials)).toBe('forbidden');

    await join(caller, 'turnroom', 'caller');
    const turnOf = async (): Promise<Stanza> => (await services(caller, 'anon.localhost')).find((service) => service.attrs.type === 'turn');
    const first = await turnOf();
    // Asked again and again, the session keeps its user name: coturn's user-quota counts all its relays.
    clockAhead = 20 * 60_000;
    expect((await turnOf()).attrs).toEqual(first.attrs);
    // Past half its lifetime it gets a new one, for the same opaque user.
    clockAhead = 31 * 60_000;
    const renewed = await turnOf();
    expect(renewed.attrs.username).not.toBe(first.attrs.username);
    expect(renewed.attrs.username.split(':')[1]).toBe(first.attrs.username.split(':')[1]);
    expect(new Date(renewed.attrs.expires).getTime()).toBeGreaterThan(new Date(first.attrs.expires).getTime());
    expect((await turnOf()).attrs).toEqual(renewed.attrs);

    await caller.client.send(xml('presence', { to: `${roomJid('turnroom')}/caller`, type: 'unavailable' }));
    await caller.inbox.next((stanza) => stanza.is('presence') && stanza.attrs.type === 'unavailable' && stanza.attrs.from === `${roomJid('turnroom')}/caller`);
    expect(await offered()).toEqual(['stun', 'stun']);
    expect(await iqOutcome(caller, 'get', 'anon.localhost', turnCredentials)).toBe('forbidden');

    const other = await newGuest();
    await join(other, 'turnroom', 'other');
    const theirs = (await services(other, 'anon.localhost')).find((service) => service.attrs.type === 'turn');
    expect(theirs.attrs.username).not.toBe(first.attrs.username);
  });

  it('serves account holders on the account domain, and each domain only its own users', async () => {
    const holder = await newAccountHolder('romeo');
    const turn = (await services(holder, 'localhost')).find((service) => service.attrs.type === 'turn');
    expect(turn.attrs.username).not.toContain('romeo');
    clockAhead = 10 * 60_000;
    expect((await turnAllocate(coturn.port, turn.attrs.username, turn.attrs.password)).ok).toBe(true);
    expect(await iqOutcome(holder, 'get', 'anon.localhost', xml('services', { xmlns: EXTDISCO }))).toBe('forbidden');
    // In no room: account holders get TURN all the same, and the same credential when they ask again.
    expect((await services(holder, 'localhost')).find((service) => service.attrs.type === 'turn').attrs).toEqual(turn.attrs);
  });

  it('without [calls] no service is announced or answered', async () => {
    const plain = await startMucServer({});
    try {
      const user = await guest(plain);
      users.push(user);
      const info = await iq(user, 'get', 'anon.localhost', xml('query', { xmlns: DISCO_INFO }));
      expect(info.getChild('query').getChildren('feature').map((feature: Stanza) => feature.attrs.var)).not.toContain(EXTDISCO);
      expect(await iqOutcome(user, 'get', 'anon.localhost', xml('services', { xmlns: EXTDISCO }))).toBe('service-unavailable');
    } finally {
      await Promise.all(users.splice(0).map((user) => user.client.stop().catch(() => {})));
      await plain.stop();
    }
  });
});

describe('the call policy', () => {
  it('a guest may call a guest it shares a room with, directly and through the room; not one it does not', async () => {
    const [alice, bob, stranger] = [await newGuest(), await newGuest(), await newGuest()];
    await join(alice, 'callroom', 'alice');
    await join(bob, 'callroom', 'bob');

    await alice.client.send(propose(bob.bare, 'call-1'));
    const delivered = await bob.inbox.next(proposal('call-1'));
    expect(delivered.attrs.from).toBe(alice.jid);
    await bob.client.send(xml('message', { to: alice.jid, type: 'chat' }, xml('proceed', { xmlns: JMI, id: 'call-1' })));
    await alice.inbox.next((stanza) => stanza.getChild('proceed', JMI)?.attrs.id === 'call-1');
    // The Jingle session that follows goes to the full JID.
    const initiate = xml('jingle', { xmlns: JINGLE, action: 'session-initiate', sid: 'call-1', initiator: alice.jid });
    bob.client.iqCallee.set(JINGLE, 'jingle', () => ({}));
    expect(await iqOutcome(alice, 'set', bob.jid, initiate)).toBe('result');

    await stranger.client.send(propose(bob.bare, 'call-2'));
    const refused = await stranger.inbox.next(errorFor('call-2'));
    expect(errorCondition(refused)).toBe('forbidden');
    // Not quoted: a client that reads a propose in an error message would ring the caller.
    expect(refused.getChild('propose', JMI)).toBeUndefined();
    await bob.client.send(propose(stranger.jid, 'call-3'));
    expect(errorCondition(await bob.inbox.next(errorFor('call-3')))).toBe('forbidden');
    expect(await iqOutcome(stranger, 'set', bob.jid, xml('jingle', { xmlns: JINGLE, action: 'session-initiate', sid: 'x', initiator: stranger.jid }))).toBe('forbidden');
    expect(bob.inbox.has(proposal('call-2'))).toBe(false);

    // Through the room: the room forwards it from the caller's room JID.
    await stranger.client.send(propose(`${roomJid('callroom')}/bob`, 'call-4'));
    expect(errorCondition(await stranger.inbox.next(errorFor('call-4')))).toBe('not-acceptable'); // not an occupant
    await alice.client.send(propose(`${roomJid('callroom')}/bob`, 'call-5'));
    expect((await bob.inbox.next(proposal('call-5'))).attrs.from).toBe(`${roomJid('callroom')}/alice`);
  });

  it('call elements in an error message, or behind another call element, obey the policy all the same', async () => {
    const [bob, stranger] = [await newGuest(), await newGuest()];
    await join(bob, 'errorroom', 'bob');
    // An error message is never answered with an error: the refused one is dropped.
    await stranger.client.send(xml('message', { to: bob.jid, type: 'error', id: 'm-err-1' },
      xml('propose', { xmlns: JMI, id: 'err-1' }, xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'audio' })),
      xml('error', { type: 'cancel' }, xml('undefined-condition', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
    await stranger.client.send(xml('message', { to: bob.jid, type: 'error', id: 'm-err-2' },
      xml('proceed', { xmlns: JMI, id: 'err-2' }),
      xml('error', { type: 'cancel' }, xml('undefined-condition', { xmlns: 'urn:ietf:params:xml:ns:xmpp-stanzas' }))));
    await stranger.client.send(xml('message', { to: bob.jid, type: 'chat', id: 'm-hidden' },
      xml('ringing', { xmlns: JMI, id: 'hidden' }), xml('propose', { xmlns: JMI, id: 'hidden' })));
    expect(errorCondition(await stranger.inbox.next(errorFor('hidden')))).toBe('forbidden');
    // Messages without call elements still pass: once this one is in, the ones before it were not delivered.
    await stranger.client.send(xml('message', { to: bob.jid, type: 'chat' }, xml('body', {}, 'marker')));
    await bob.inbox.next((stanza) => stanza.is('message') && stanza.getChildText('body') === 'marker');
    expect(bob.inbox.has((stanza) => stanza.is('message') && stanza.getChildElements().some((child: Stanza) => child.getNS() === JMI))).toBe(false);
    expect(stranger.inbox.has((stanza) => stanza.is('message') && stanza.attrs.type === 'error' && stanza.attrs.id?.startsWith('m-err-'))).toBe(false);
  });

  it('an account holder may call an account holder, not a guest it shares no room with', async () => {
    const juliet = await newAccountHolder('juliet');
    const romeo = await newAccountHolder('romeo');
    const someone = await newGuest();
    await juliet.client.send(propose(romeo.bare, 'call-6'));
    await romeo.inbox.next(proposal('call-6'));
    await juliet.client.send(propose(someone.bare, 'call-7'));
    expect(errorCondition(await juliet.inbox.next(errorFor('call-7')))).toBe('forbidden');
  });

  it("call messages are copied to the users' other resources (carbons)", async () => {
    const juliet = await newAccountHolder('juliet');
    const julietPhone = await online(await signIn(server, 'juliet', 'phone'));
    const romeo = await newAccountHolder('romeo');
    const romeoPhone = await online(await signIn(server, 'romeo', 'phone'));
    for (const device of [julietPhone, romeoPhone]) await iq(device, 'set', device.bare, xml('enable', { xmlns: 'urn:xmpp:carbons:2' }));
    await juliet.client.send(propose(romeo.jid, 'call-8'));
    await romeo.inbox.next(proposal('call-8'));
    const forwarded = (direction: string) => (stanza: Stanza): boolean =>
      stanza.getChild(direction, 'urn:xmpp:carbons:2')?.getChild('forwarded')?.getChild('message')?.getChild('propose', JMI)?.attrs.id === 'call-8';
    await julietPhone.inbox.next(forwarded('sent'));
    await romeoPhone.inbox.next(forwarded('received'));
  });

  it('call invitations are limited per user per minute', async () => {
    const [alice, bob] = [await newGuest(), await newGuest()];
    await join(alice, 'busyroom', 'alice');
    await join(bob, 'busyroom', 'bob');
    for (let i = 0; i < INVITATIONS_PER_MINUTE; i++) {
      await alice.client.send(propose(bob.bare, `flood-${i}`));
      await bob.inbox.next(proposal(`flood-${i}`));
    }
    await alice.client.send(propose(bob.bare, 'flood-over'));
    const refused = await alice.inbox.next(errorFor('flood-over'));
    expect(errorCondition(refused)).toBe('policy-violation');
    expect(refused.getChild('error').attrs.type).toBe('wait');
    // A propose is an invitation in any message type and behind any other call element.
    await alice.client.send(xml('message', { to: bob.bare, type: 'chat', id: 'm-flood-hidden' },
      xml('ringing', { xmlns: JMI, id: 'flood-hidden' }), xml('propose', { xmlns: JMI, id: 'flood-hidden' })));
    expect(errorCondition(await alice.inbox.next(errorFor('flood-hidden')))).toBe('policy-violation');
    await alice.client.send(xml('message', { to: bob.jid, type: 'error', id: 'm-flood-error' }, xml('propose', { xmlns: JMI, id: 'flood-error' })));
    // Other call messages (ringing, retract, …) are not invitations and still pass.
    await alice.client.send(xml('message', { to: bob.bare, type: 'chat' }, xml('retract', { xmlns: JMI, id: 'flood-0' })));
    await bob.inbox.next((stanza) => stanza.getChild('retract', JMI)?.attrs.id === 'flood-0');
    expect(bob.inbox.has(proposal('flood-hidden')) || bob.inbox.has(proposal('flood-error'))).toBe(false);
  });
});
