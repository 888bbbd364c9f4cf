import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  admin, errorCondition, groupchatFrom, guest, hasStatus, iq, item, join, MUC, mucUser, NS_MUC, presenceFrom, roomJid, say, signIn,
  startMucServer, statusCodes, stopAll, xml, configure,
} from './muc-helpers.js';
import type { Stanza } from './muc-helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startMucServer();
});
afterAll(() => server?.stop());

describe('entering and leaving a room', () => {
  it('someone who joins a new room creates it, owns it, and gets 110 and 201, then an empty subject', async () => {
    const alice = await signIn(server, 'alice');
    const self = await join(alice, 'create', 'Alice', { untilSubject: false });
    expect(statusCodes(self)).toEqual(expect.arrayContaining([110, 201, 170]));
    expect(item(self)!.attrs).toMatchObject({ affiliation: 'owner', role: 'moderator', jid: alice.jid });
    expect(self.getChild('occupant-id', 'urn:xmpp:occupant-id:0')).toBeTruthy();
    const subject = await alice.inbox.next((s) => s.is('message') && s.getChild('subject'));
    expect(subject.attrs.from).toBe(roomJid('create'));
    expect(subject.getChildText('subject')).toBe('');
    await stopAll(alice);
  });

  it('a joiner sees who is there before their own presence, and the others see the joiner; only moderators see real JIDs', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'meet', 'Alice');
    const bob = await guest(server);
    const arrived: string[] = [];
    bob.client.on('stanza', (s: { is(name: string): boolean; attrs: { from?: string } }) => { if (s.is('presence')) arrived.push(s.attrs.from!); });
    const bobSelf = await join(bob, 'meet', 'Bob');
    expect(arrived).toEqual([`${roomJid('meet')}/Alice`, `${roomJid('meet')}/Bob`]);
    expect(statusCodes(bobSelf)).toContain(110);
    expect(statusCodes(bobSelf)).not.toContain(201);
    expect(item(bobSelf)!.attrs).toMatchObject({ affiliation: 'none', role: 'participant', jid: bob.jid });
    const aliceAsSeenByBob = await bob.inbox.next(presenceFrom('meet', 'Alice'));
    expect(item(aliceAsSeenByBob)!.attrs).toMatchObject({ affiliation: 'owner', role: 'moderator' });
    expect(item(aliceAsSeenByBob)!.attrs.jid).toBeUndefined();
    const bobAsSeenByAlice = await alice.inbox.next(presenceFrom('meet', 'Bob'));
    expect(item(bobAsSeenByAlice)!.attrs).toMatchObject({ role: 'participant', jid: bob.jid });
    expect(hasStatus(bobAsSeenByAlice, 110)).toBe(false);
    await stopAll(alice, bob);
  });

  it('each joiner sees the occupants as they are now: status, nick, role and affiliation changes all show', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'current', 'Alice');
    const carol = await guest(server);
    await join(carol, 'current', 'Carol');
    const listedTo = async (nick: string) => {
      const newcomer = await guest(server);
      const carolListed = newcomer.inbox.next((s: Stanza) => s.is('presence') && /\/Carol(ine)?$/.test(s.attrs.from ?? ''));
      await join(newcomer, 'current', nick);
      return { newcomer, carol: await carolListed };
    };

    const first = await listedTo('First');
    expect(first.carol.attrs.from).toBe(`${roomJid('current')}/Carol`);
    expect(first.carol.getChildText('show')).toBeNull();
    expect(item(first.carol)!.attrs).toMatchObject({ role: 'participant', affiliation: 'none' });

    await carol.client.send(xml('presence', { to: `${roomJid('current')}/Carol` }, xml('show', {}, 'away')));
    await alice.inbox.next((s: Stanza) => presenceFrom('current', 'Carol')(s) && s.getChildText('show') === 'away');
    const second = await listedTo('Second');
    expect(second.carol.getChildText('show')).toBe('away');

    await admin(alice, 'current', { jid: carol.jid.split('/')[0]!, affiliation: 'member' });
    const third = await listedTo('Third');
    expect(item(third.carol)!.attrs).toMatchObject({ role: 'participant', affiliation: 'member' });

    await admin(alice, 'current', { nick: 'Carol', role: 'visitor' });
    const fourth = await listedTo('Fourth');
    expect(item(fourth.carol)!.attrs).toMatchObject({ role: 'visitor', affiliation: 'member' });

    await carol.client.send(xml('presence', { to: `${roomJid('current')}/Caroline` }, xml('show', {}, 'away')));
    await alice.inbox.next(presenceFrom('current', 'Caroline'));
    const fifth = await listedTo('Fifth');
    expect(fifth.carol.attrs.from).toBe(`${roomJid('current')}/Caroline`);
    expect(item(fifth.carol)!.attrs.jid).toBeUndefined();
    await stopAll(alice, carol, ...[first, second, third, fourth, fifth].map((listed) => listed.newcomer));
  });

  it('a nickname in use is refused with conflict, and the error carries the MUC element', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'taken', 'Sam');
    const bob = await guest(server);
    const refused = await join(bob, 'taken', 'Sam');
    expect(refused.attrs.type).toBe('error');
    expect(errorCondition(refused)).toBe('conflict');
    expect(refused.getChild('x', NS_MUC)).toBeTruthy();
    expect(refused.getChild('error').attrs.by).toBe(roomJid('taken'));
    await stopAll(alice, bob);
  });

  it('changing nickname: everyone sees 303 with the new nick, then the new presence; the role stays', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'renames', 'Alice');
    const bob = await guest(server);
    await join(bob, 'renames', 'Bob');
    await bob.client.send(xml('presence', { to: `${roomJid('renames')}/Robert` }));
    const gone = await bob.inbox.next(presenceFrom('renames', 'Bob', 'unavailable'));
    expect(statusCodes(gone)).toEqual(expect.arrayContaining([303, 110]));
    expect(item(gone)!.attrs).toMatchObject({ nick: 'Robert', role: 'participant' });
    const back = await bob.inbox.next(presenceFrom('renames', 'Robert'));
    expect(hasStatus(back, 110)).toBe(true);
    const seen = await alice.inbox.next(presenceFrom('renames', 'Bob', 'unavailable'));
    expect(hasStatus(seen, 303)).toBe(true);
    await alice.inbox.next(presenceFrom('renames', 'Robert'));
    await say(bob, 'renames', 'new name');
    await alice.inbox.next(groupchatFrom('renames', 'Robert', 'new name'));
    await stopAll(alice, bob);
  });

  it('changing to a nickname someone uses is refused with conflict', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'clash', 'Alice');
    const bob = await guest(server);
    await join(bob, 'clash', 'Bob');
    await bob.client.send(xml('presence', { to: `${roomJid('clash')}/Alice` }));
    const refused = await bob.inbox.next((s) => s.is('presence') && s.attrs.type === 'error');
    expect(errorCondition(refused)).toBe('conflict');
    await stopAll(alice, bob);
  });

  it('a nickname the server normalises comes back with 210', async () => {
    const alice = await guest(server);
    const self = await join(alice, 'normal', 'Jose\u0301');
    expect(self.attrs.from).toBe(`${roomJid('normal')}/Jos\u00e9`);
    expect(hasStatus(self, 210)).toBe(true);
    await stopAll(alice);
  });

  it('leaving: the leaver gets unavailable with 110, the others see them go; an empty temporary room vanishes', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'brief', 'Alice');
    const bob = await guest(server);
    await join(bob, 'brief', 'Bob');
    await bob.client.send(xml('presence', { to: `${roomJid('brief')}/Bob`, type: 'unavailable' }, xml('status', {}, 'bye')));
    const own = await bob.inbox.next(presenceFrom('brief', 'Bob', 'unavailable'));
    expect(hasStatus(own, 110)).toBe(true);
    const seen = await alice.inbox.next(presenceFrom('brief', 'Bob', 'unavailable'));
    expect(seen.getChildText('status')).toBe('bye');
    expect(item(seen)!.attrs.role).toBe('none');
    await alice.client.send(xml('presence', { to: roomJid('brief'), type: 'unavailable' }));
    await alice.inbox.next(presenceFrom('brief', 'Alice', 'unavailable'));
    await expect(iq(bob, 'get', roomJid('brief'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))
      .rejects.toMatchObject({ condition: 'item-not-found' });
    await stopAll(alice, bob);
  });

  it('when a connection closes, its occupant leaves every room at once', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'closing-one', 'Alice');
    await join(alice, 'closing-two', 'Alice');
    const bob = await guest(server);
    await join(bob, 'closing-one', 'Bob');
    await join(bob, 'closing-two', 'Bob');
    await bob.client.stop();
    await alice.inbox.next(presenceFrom('closing-one', 'Bob', 'unavailable'));
    await alice.inbox.next(presenceFrom('closing-two', 'Bob', 'unavailable'));
    await stopAll(alice);
  });

  it('a second client of the same user shares the nickname; moderators see both resources', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'devices', 'Alice');
    const laptop = await signIn(server, 'carol', 'laptop');
    await join(laptop, 'devices', 'Carol');
    const phone = await signIn(server, 'carol', 'phone');
    await join(phone, 'devices', 'Carol');
    const both = await alice.inbox.next((s) => presenceFrom('devices', 'Carol')(s) && mucUser(s).getChildren('item').length === 2);
    expect(both.getChild('x', 'http://jabber.org/protocol/muc#user').getChildren('item').map((i: { attrs: { jid: string } }) => i.attrs.jid).sort())
      .toEqual([laptop.jid, phone.jid].sort());
    await say(alice, 'devices', 'to both');
    await laptop.inbox.next(groupchatFrom('devices', 'Alice', 'to both'));
    await phone.inbox.next(groupchatFrom('devices', 'Alice', 'to both'));
    await phone.client.stop();
    const remaining = await alice.inbox.next((s) => presenceFrom('devices', 'Carol')(s) && mucUser(s).getChildren('item').length === 1);
    expect(item(remaining)!.attrs.jid).toBe(laptop.jid);
    await stopAll(alice, laptop);
  });

  it('in a non-anonymous room joiners get status 100 and everyone sees real JIDs', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'open-book', 'Alice');
    await configure(alice, 'open-book', { 'muc#roomconfig_whois': 'anyone' });
    const bob = await guest(server);
    const self = await join(bob, 'open-book', 'Bob');
    expect(hasStatus(self, 100)).toBe(true);
    const aliceSeen = await bob.inbox.next(presenceFrom('open-book', 'Alice'));
    expect(item(aliceSeen)!.attrs.jid).toBe(alice.jid);
    await stopAll(alice, bob);
  });
});

describe('discovering rooms', () => {
  it('the service lists public rooms and describes each with its features', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'listed', 'Alice');
    await configure(alice, 'listed', { 'muc#roomconfig_roomname': 'A listed room', 'muc#roomconfig_roomdesc': 'About things' });
    await join(alice, 'unlisted', 'Alice');
    await configure(alice, 'unlisted', { 'muc#roomconfig_publicroom': '0' });
    const items = await iq(alice, 'get', MUC, xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }));
    const listed = items.getChild('query').getChildren('item').map((i: { attrs: Record<string, string> }) => i.attrs);
    expect(listed).toContainEqual({ jid: roomJid('listed'), name: 'A listed room' });
    expect(listed.map((i: Record<string, string>) => i.jid)).not.toContain(roomJid('unlisted'));

    const info = (await iq(alice, 'get', roomJid('listed'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))).getChild('query');
    expect(info.getChild('identity').attrs).toMatchObject({ category: 'conference', type: 'text', name: 'A listed room' });
    const features = info.getChildren('feature').map((f: { attrs: { var: string } }) => f.attrs.var);
    expect(features).toEqual(expect.arrayContaining([
      NS_MUC, 'muc_public', 'muc_temporary', 'muc_open', 'muc_unmoderated', 'muc_semianonymous', 'muc_unsecured',
      'urn:xmpp:occupant-id:0', 'http://jabber.org/protocol/muc#self-ping-optimization', 'urn:xmpp:message-moderate:1',
      'http://jabber.org/protocol/muc#stable_id', 'urn:xmpp:mam:2',
    ]));
    const form = info.getChild('x', 'jabber:x:data');
    const description = form.getChildren('field').find((f: { attrs: { var: string } }) => f.attrs.var === 'muc#roominfo_description');
    expect(description.getChildText('value')).toBe('About things');

    const service = (await iq(alice, 'get', MUC, xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }))).getChild('query');
    expect(service.getChild('identity').attrs).toMatchObject({ category: 'conference', type: 'text' });
    await expect(iq(alice, 'get', roomJid('nowhere'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))
      .rejects.toMatchObject({ condition: 'item-not-found' });
    await stopAll(alice);
  });
});

describe('who is who', () => {
  it('an occupant-id stays the same for a user across nick changes and rejoins, and differs between users and rooms', async () => {
    const alice = await signIn(server, 'alice');
    const bob = await signIn(server, 'bob');
    const idOf = (stanza: { getChild(name: string, ns: string): { attrs: { id: string } } }) =>
      stanza.getChild('occupant-id', 'urn:xmpp:occupant-id:0').attrs.id;
    const first = idOf(await join(alice, 'ids', 'Alice'));
    await join(bob, 'ids', 'Bob');
    await say(alice, 'ids', 'hello');
    const message = await bob.inbox.next(groupchatFrom('ids', 'Alice', 'hello'));
    expect(idOf(message)).toBe(first);
    await alice.client.send(xml('presence', { to: `${roomJid('ids')}/Ally` }));
    expect(idOf(await alice.inbox.next(presenceFrom('ids', 'Ally')))).toBe(first);
    await alice.client.send(xml('presence', { to: `${roomJid('ids')}/Ally`, type: 'unavailable' }));
    await alice.inbox.next(presenceFrom('ids', 'Ally', 'unavailable'));
    expect(idOf(await join(alice, 'ids', 'Alice'))).toBe(first);
    const bobId = idOf(await alice.inbox.next(presenceFrom('ids', 'Bob')));
    expect(bobId).not.toBe(first);
    expect(idOf(await join(alice, 'ids-elsewhere', 'Alice'))).not.toBe(first);
    // Claims from clients are replaced by the room's own.
    await say(alice, 'ids', 'forged', [xml('occupant-id', { xmlns: 'urn:xmpp:occupant-id:0', id: bobId })]);
    const forged = await bob.inbox.next(groupchatFrom('ids', 'Alice', 'forged'));
    expect(forged.getChildren('occupant-id', 'urn:xmpp:occupant-id:0').map((e: { attrs: { id: string } }) => e.attrs.id)).toEqual([first]);
    await stopAll(alice, bob);
  });

  it('self-ping: the room answers an occupant pinging themselves and says not-acceptable to someone not in it', async () => {
    const alice = await guest(server);
    await join(alice, 'pings', 'Alice');
    const pong = await iq(alice, 'get', `${roomJid('pings')}/Alice`, xml('ping', { xmlns: 'urn:xmpp:ping' }));
    expect(pong.attrs.type).toBe('result');
    const stranger = await guest(server);
    await expect(iq(stranger, 'get', `${roomJid('pings')}/Alice`, xml('ping', { xmlns: 'urn:xmpp:ping' })))
      .rejects.toMatchObject({ condition: 'not-acceptable' });
    await alice.client.send(xml('presence', { to: `${roomJid('pings')}/Alice`, type: 'unavailable' }));
    await alice.inbox.next(presenceFrom('pings', 'Alice', 'unavailable'));
    await expect(iq(alice, 'get', `${roomJid('pings')}/Alice`, xml('ping', { xmlns: 'urn:xmpp:ping' })))
      .rejects.toMatchObject({ condition: 'not-acceptable' });
    await stopAll(alice, stranger);
  });

  it('an iq to an occupant reaches their client from the asker’s room JID, and the answer comes back the same way', async () => {
    const alice = await guest(server);
    const bob = await guest(server);
    await join(alice, 'asking', 'Alice');
    await join(bob, 'asking', 'Bob');
    bob.client.iqCallee.get('jabber:iq:version', 'query', (context: { stanza: { attrs: { from: string } } }) => {
      expect(context.stanza.attrs.from).toBe(`${roomJid('asking')}/Alice`);
      return xml('query', { xmlns: 'jabber:iq:version' }, xml('name', {}, 'Bob’s client'));
    });
    const answer = await iq(alice, 'get', `${roomJid('asking')}/Bob`, xml('query', { xmlns: 'jabber:iq:version' }));
    expect(answer.attrs.from).toBe(`${roomJid('asking')}/Bob`);
    expect(answer.getChild('query').getChildText('name')).toBe('Bob’s client');
    await stopAll(alice, bob);
  });
});

describe('room policy', () => {
  it('nicknames that are padded with spaces, too long, or hold control or bidi-override characters are refused', async () => {
    const alice = await guest(server);
    for (const nick of [' Alice', 'Alice ', 'x'.repeat(65), 'Al\u202eice', 'Al\u0085ice']) {
      const refused = await join(alice, 'names', nick);
      expect(refused.attrs.type, JSON.stringify(nick)).toBe('error');
      expect(['jid-malformed', 'not-acceptable']).toContain(errorCondition(refused));
    }
    expect(hasStatus(await join(alice, 'names', 'Alice 🙂'), 110)).toBe(true);
    await stopAll(alice);
  });

  it('with anonymous_can_create_rooms off, guests join existing rooms but cannot create new ones', async () => {
    const strict = await startMucServer({ muc: { anonymous_can_create_rooms: false } });
    try {
      const alice = await signIn(strict, 'alice');
      await join(alice, 'existing', 'Alice');
      const visitor = await guest(strict);
      const refused = await join(visitor, 'fresh', 'Guest');
      expect(errorCondition(refused)).toBe('not-allowed');
      const joined = await join(visitor, 'existing', 'Guest');
      expect(hasStatus(joined, 110)).toBe(true);
      await stopAll(alice, visitor);
    } finally {
      await strict.stop();
    }
  });

  it('rooms refuse joiners past max_occupants, and users past max_rooms_per_user cannot create more', async () => {
    const small = await startMucServer({ muc: { max_occupants: 2, max_rooms_per_user: 1 } });
    try {
      const [one, two, three] = [await guest(small), await guest(small), await guest(small)];
      await join(one, 'full', 'One');
      await join(two, 'full', 'Two');
      const refused = await join(three, 'full', 'Three');
      expect(errorCondition(refused)).toBe('service-unavailable');
      const second = await join(one, 'second', 'One');
      expect(errorCondition(second)).toBe('not-allowed');
      await stopAll(one, two, three);
    } finally {
      await small.stop();
    }
  });
});
