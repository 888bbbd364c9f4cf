import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  admin, configure, errorCondition, groupchatFrom, guest, join, mucUser, NS_MUC_USER, roomJid, say, settle, signIn, startMucServer, stopAll, xml,
  type Stanza,
} from './muc-helpers.js';

let server: TestServer;
let clock = Date.now();

beforeAll(async () => {
  server = await startMucServer({}, { now: () => clock });
});
afterAll(() => server?.stop());

const delayOf = (stanza: Stanza) => stanza.getChild('delay', 'urn:xmpp:delay');
const isHistory = (stanza: Stanza) => stanza.is('message') && delayOf(stanza) !== undefined;
const bodies = (stanzas: Stanza[]) => stanzas.map((stanza) => stanza.getChildText('body'));

describe('talking in a room', () => {
  it('a message reaches every occupant, the sender too, with its id, a stanza-id by the room and the sender’s occupant-id', async () => {
    const alice = await guest(server);
    const bob = await guest(server);
    await join(alice, 'talk', 'Alice');
    await join(bob, 'talk', 'Bob');
    await alice.client.send(xml('message', { to: roomJid('talk'), type: 'groupchat', id: 'm1' }, xml('body', {}, 'hi all')));
    const echo = await alice.inbox.next(groupchatFrom('talk', 'Alice', 'hi all'));
    const received = await bob.inbox.next(groupchatFrom('talk', 'Alice', 'hi all'));
    for (const message of [echo, received]) {
      expect(message.attrs.id).toBe('m1');
      expect(message.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.by).toBe(roomJid('talk'));
      expect(message.getChild('occupant-id', 'urn:xmpp:occupant-id:0')).toBeTruthy();
    }
    expect(received.attrs.to).toBe(bob.jid);
    expect(echo.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id).toBe(received.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id);
    await stopAll(alice, bob);
  });

  it('claims only the room may make (stanza-id, delay) are stripped from what occupants send', async () => {
    const alice = await guest(server);
    const bob = await guest(server);
    await join(alice, 'claims', 'Alice');
    await join(bob, 'claims', 'Bob');
    await say(alice, 'claims', 'forged', [
      xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by: roomJid('claims'), id: 'fake' }),
      xml('delay', { xmlns: 'urn:xmpp:delay', from: roomJid('claims'), stamp: '2001-01-01T00:00:00Z' }),
    ]);
    const received = await bob.inbox.next(groupchatFrom('claims', 'Alice', 'forged'));
    const ids = received.getChildren('stanza-id', 'urn:xmpp:sid:0');
    expect(ids).toHaveLength(1);
    expect(ids[0].attrs.id).not.toBe('fake');
    expect(delayOf(received)).toBeUndefined();
    await stopAll(alice, bob);
  });

  it('someone who is not in the room cannot send to it', async () => {
    const alice = await guest(server);
    await join(alice, 'members', 'Alice');
    const stranger = await guest(server);
    await say(stranger, 'members', 'let me in');
    const bounced = await stranger.inbox.next((s) => s.is('message') && s.attrs.type === 'error');
    expect(errorCondition(bounced)).toBe('not-acceptable');
    await stopAll(alice, stranger);
  });
});

describe('history on joining', () => {
  async function roomWithMessages(room: string, count: number): Promise<void> {
    const writer = await guest(server);
    await join(writer, room, 'Writer');
    for (let i = 1; i <= count; i++) {
      await say(writer, room, `message ${i}`);
      await writer.inbox.next(groupchatFrom(room, 'Writer', `message ${i}`));
      clock += 60_000;
    }
    // The writer stays, so the temporary room lives on.
  }

  it('a joiner gets the recent messages with a delay from the room and the same stanza-id as the live copies', async () => {
    const watcher = await guest(server);
    const writer = await guest(server);
    await join(watcher, 'recent', 'Watcher');
    await join(writer, 'recent', 'Writer');
    await say(writer, 'recent', 'remember me');
    const live = await watcher.inbox.next(groupchatFrom('recent', 'Writer', 'remember me'));
    const joiner = await guest(server);
    await join(joiner, 'recent', 'Joiner');
    const [old] = joiner.inbox.take(isHistory);
    expect(old.getChildText('body')).toBe('remember me');
    expect(delayOf(old).attrs.from).toBe(roomJid('recent'));
    expect(old.attrs.from).toBe(`${roomJid('recent')}/Writer`);
    expect(old.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id).toBe(live.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id);
    await stopAll(watcher, writer, joiner);
  });

  it('honours maxstanzas, maxchars=0 and seconds, and never sends more than the room’s history length', async () => {
    await roomWithMessages('limits', 25);
    const all = await guest(server);
    await join(all, 'limits', 'All');
    expect(bodies(all.inbox.take(isHistory))).toHaveLength(20);

    const three = await guest(server);
    await join(three, 'limits', 'Three', { history: { maxstanzas: '3' } });
    expect(bodies(three.inbox.take(isHistory))).toEqual(['message 23', 'message 24', 'message 25']);

    const none = await guest(server);
    await join(none, 'limits', 'None', { history: { maxchars: '0' } });
    expect(none.inbox.take(isHistory)).toHaveLength(0);

    const recent = await guest(server);
    await join(recent, 'limits', 'Recent', { history: { seconds: '150' } });
    expect(bodies(recent.inbox.take(isHistory))).toEqual(['message 24', 'message 25']);

    const since = await guest(server);
    await join(since, 'limits', 'Since', { history: { since: new Date(clock - 60_500).toISOString() } });
    expect(bodies(since.inbox.take(isHistory))).toEqual(['message 25']);

    const small = await guest(server);
    await join(small, 'limits', 'Small', { history: { maxchars: '1200' } });
    const someChars = small.inbox.take(isHistory);
    expect(someChars.length).toBeGreaterThan(0);
    expect(someChars.length).toBeLessThan(20);
    expect(someChars.reduce((sum: number, s: Stanza) => sum + s.toString().length, 0)).toBeLessThan(1400);
    await stopAll(all, three, none, recent, since, small);
  });
});

describe('private messages', () => {
  it('occupants message each other through the room without learning real JIDs, unless the room forbids it', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'whisper', 'Alice');
    const bob = await guest(server);
    await join(bob, 'whisper', 'Bob');
    await bob.client.send(xml('message', { to: `${roomJid('whisper')}/Alice`, type: 'chat' }, xml('body', {}, 'psst')));
    const pm = await alice.inbox.next((s) => s.is('message') && s.getChildText('body') === 'psst');
    expect(pm.attrs.from).toBe(`${roomJid('whisper')}/Bob`);
    expect(pm.attrs.type).toBe('chat');
    expect(pm.getChild('x', NS_MUC_USER)).toBeTruthy();

    await bob.client.send(xml('message', { to: `${roomJid('whisper')}/Nobody`, type: 'chat' }, xml('body', {}, 'hello?')));
    expect(errorCondition(await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('item-not-found');
    await bob.client.send(xml('message', { to: `${roomJid('whisper')}/Alice`, type: 'groupchat' }, xml('body', {}, 'wrong type')));
    expect(errorCondition(await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('bad-request');

    await configure(alice, 'whisper', { 'muc#roomconfig_allowpm': 'none' });
    await bob.client.send(xml('message', { to: `${roomJid('whisper')}/Alice`, type: 'chat' }, xml('body', {}, 'still there?')));
    expect(errorCondition(await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('forbidden');
    await settle(alice);
    expect(alice.inbox.has((s) => s.getChildText?.('body') === 'still there?')).toBe(false);
    await stopAll(alice, bob);
  });
});

describe('invitations', () => {
  it('a mediated invitation reaches the invitee from the room, with the password and a direct-invitation element', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'party', 'Alice');
    await configure(alice, 'party', { 'muc#roomconfig_roomsecret': 'cake' });
    const bob = await signIn(server, 'bob');
    await bob.client.send(xml('presence'));
    await alice.client.send(xml('message', { to: roomJid('party') },
      xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to: bob.bare }, xml('reason', {}, 'come over')))));
    const invitation = await bob.inbox.next((s) => s.is('message') && mucUser(s)?.getChild('invite'));
    expect(invitation.attrs.from).toBe(roomJid('party'));
    const invite = mucUser(invitation).getChild('invite');
    expect(invite.attrs.from).toBe(`${roomJid('party')}/Alice`);
    expect(invite.getChildText('reason')).toBe('come over');
    expect(mucUser(invitation).getChildText('password')).toBe('cake');
    expect(invitation.getChild('x', 'jabber:x:conference').attrs.jid).toBe(roomJid('party'));

    // Declining goes back to the inviter.
    await bob.client.send(xml('message', { to: roomJid('party') },
      xml('x', { xmlns: NS_MUC_USER }, xml('decline', { to: alice.bare }, xml('reason', {}, 'busy')))));
    const decline = await alice.inbox.next((s) => s.is('message') && mucUser(s)?.getChild('decline'));
    expect(mucUser(decline).getChild('decline').attrs.from).toBe(bob.bare);
    await stopAll(alice, bob);
  });

  it('an owner’s invitation into a members-only room makes the invitee a member', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'inner-circle', 'Alice');
    await configure(alice, 'inner-circle', { 'muc#roomconfig_membersonly': '1' });
    const bob = await signIn(server, 'bob');
    await bob.client.send(xml('presence'));
    await alice.client.send(xml('message', { to: roomJid('inner-circle') },
      xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to: bob.bare }))));
    await bob.inbox.next((s) => s.is('message') && mucUser(s)?.getChild('invite'));
    const self = await join(bob, 'inner-circle', 'Bob');
    expect(self.attrs.type).toBeUndefined();
    expect(mucUser(self).getChild('item').attrs.affiliation).toBe('member');
    // Ordinary members may not invite unless the room allows it.
    const carol = await signIn(server, 'carol');
    await bob.client.send(xml('message', { to: roomJid('inner-circle') },
      xml('x', { xmlns: NS_MUC_USER }, xml('invite', { to: carol.bare }))));
    expect(errorCondition(await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('forbidden');
    await admin(alice, 'inner-circle', { jid: carol.bare, affiliation: 'member' });
    await stopAll(alice, bob, carol);
  });

  it('a direct invitation (XEP-0249) goes from one user to another', async () => {
    const alice = await signIn(server, 'alice');
    const bob = await signIn(server, 'bob');
    await bob.client.send(xml('presence'));
    await alice.client.send(xml('message', { to: bob.jid },
      xml('x', { xmlns: 'jabber:x:conference', jid: roomJid('direct'), reason: 'join us' })));
    const invitation = await bob.inbox.next((s) => s.is('message') && s.getChild('x', 'jabber:x:conference'));
    expect(invitation.getChild('x', 'jabber:x:conference').attrs).toMatchObject({ jid: roomJid('direct'), reason: 'join us' });
    expect(invitation.attrs.from).toBe(alice.jid);
    await stopAll(alice, bob);
  });
});
