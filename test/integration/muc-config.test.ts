import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  admin, configure, errorCondition, groupchatFrom, guest, hasStatus, iq, item, join, NS_DATA, NS_MUC_ADMIN, NS_MUC_OWNER,
  presenceFrom, roomJid, say, settle, signIn, startMucServer, statusCodes, stopAll, xml, type User,
} from './muc-helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startMucServer();
});
afterAll(() => server?.stop());

function formFields(query: { getChild(n: string, ns: string): { getChildren(n: string): { attrs: Record<string, string>; getChildText(n: string): string }[] } }): Map<string, string> {
  return new Map(query.getChild('x', NS_DATA).getChildren('field').map((field) => [field.attrs.var!, field.getChildText('value')]));
}

async function getForm(user: User, room: string): Promise<Map<string, string>> {
  const result = await iq(user, 'get', roomJid(room), xml('query', { xmlns: NS_MUC_OWNER }));
  return formFields(result.getChild('query', NS_MUC_OWNER));
}

describe('configuring a room', () => {
  it('the owner gets the configuration form with every standard field', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'form', 'Alice');
    const fields = await getForm(alice, 'form');
    for (const name of ['roomname', 'roomdesc', 'persistentroom', 'publicroom', 'membersonly', 'moderatedroom',
      'passwordprotectedroom', 'roomsecret', 'whois', 'allowpm', 'changesubject', 'maxusers', 'historylength', 'enablearchiving']) {
      expect(fields.has(`muc#roomconfig_${name}`), name).toBe(true);
    }
    expect(fields.get('FORM_TYPE')).toBe('http://jabber.org/protocol/muc#roomconfig');
    expect(fields.get('muc#roomconfig_historylength')).toBe('20');
    expect(fields.get('muc#roomconfig_persistentroom')).toBe('0');
    await stopAll(alice);
  });

  it('an empty submission by the creator is accepted (an instant room), and only owners may configure', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'instant', 'Alice');
    const accepted = await iq(alice, 'set', roomJid('instant'), xml('query', { xmlns: NS_MUC_OWNER }, xml('x', { xmlns: NS_DATA, type: 'submit' })));
    expect(accepted.attrs.type).toBe('result');
    const bob = await guest(server);
    await join(bob, 'instant', 'Bob');
    await expect(getForm(bob, 'instant')).rejects.toMatchObject({ condition: 'forbidden' });
    await expect(configure(bob, 'instant', { 'muc#roomconfig_roomname': 'Mine' })).rejects.toMatchObject({ condition: 'forbidden' });
    await stopAll(alice, bob);
  });

  it('a change is announced to occupants with 104, and 172 when the room becomes non-anonymous', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'announce', 'Alice');
    const bob = await guest(server);
    await join(bob, 'announce', 'Bob');
    await configure(alice, 'announce', { 'muc#roomconfig_whois': 'anyone' });
    const notice = await bob.inbox.next((s) => s.is('message') && s.attrs.from === roomJid('announce') && statusCodes(s).length > 0);
    expect(statusCodes(notice)).toEqual(expect.arrayContaining([104, 172]));
    await expect(configure(alice, 'announce', { 'muc#roomconfig_maxusers': 'lots' })).rejects.toMatchObject({ condition: 'not-acceptable' });
    await stopAll(alice, bob);
  });

  it('the history length set in the form bounds the history new joiners get', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'short-memory', 'Alice');
    await configure(alice, 'short-memory', { 'muc#roomconfig_historylength': '2' });
    for (const body of ['one', 'two', 'three']) {
      await say(alice, 'short-memory', body);
      await alice.inbox.next(groupchatFrom('short-memory', 'Alice', body));
    }
    const bob = await guest(server);
    await join(bob, 'short-memory', 'Bob');
    const history = bob.inbox.take((s) => s.is('message') && s.getChild('delay', 'urn:xmpp:delay'));
    expect(history.map((s: { getChildText(n: string): string }) => s.getChildText('body'))).toEqual(['two', 'three']);
    await stopAll(alice, bob);
  });

  it('a password-protected room refuses entry without the password and admits with it', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'secret', 'Alice');
    await configure(alice, 'secret', { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': 'open sesame' });
    const bob = await guest(server);
    expect(errorCondition(await join(bob, 'secret', 'Bob'))).toBe('not-authorized');
    expect(errorCondition(await join(bob, 'secret', 'Bob', { password: 'wrong' }))).toBe('not-authorized');
    expect(hasStatus(await join(bob, 'secret', 'Bob', { password: 'open sesame' }), 110)).toBe(true);
    await expect(configure(alice, 'secret', { 'muc#roomconfig_passwordprotectedroom': '1', 'muc#roomconfig_roomsecret': '' }))
      .rejects.toMatchObject({ condition: 'not-acceptable' });
    await stopAll(alice, bob);
  });

  it('making a room members-only removes the occupants who are not members, with 322', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'club', 'Alice');
    const bob = await signIn(server, 'bob');
    await join(bob, 'club', 'Bob');
    const visitor = await guest(server);
    await join(visitor, 'club', 'Visitor');
    await admin(alice, 'club', { jid: bob.bare, affiliation: 'member' });
    await configure(alice, 'club', { 'muc#roomconfig_membersonly': '1' });
    const removed = await visitor.inbox.next(presenceFrom('club', 'Visitor', 'unavailable'));
    expect(statusCodes(removed)).toEqual(expect.arrayContaining([322, 110]));
    await alice.inbox.next(presenceFrom('club', 'Visitor', 'unavailable'));
    await settle(bob);
    expect(bob.inbox.has(presenceFrom('club', 'Bob', 'unavailable'))).toBe(false);
    expect(errorCondition(await join(visitor, 'club', 'Visitor'))).toBe('registration-required');
    await stopAll(alice, bob, visitor);
  });

  it('the owner destroys a room: every occupant is told why, and the room is gone', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'doomed', 'Alice');
    const bob = await guest(server);
    await join(bob, 'doomed', 'Bob');
    await iq(alice, 'set', roomJid('doomed'), xml('query', { xmlns: NS_MUC_OWNER },
      xml('destroy', { jid: roomJid('elsewhere') }, xml('reason', {}, 'moving house'))));
    const told = await bob.inbox.next(presenceFrom('doomed', 'Bob', 'unavailable'));
    const destroy = told.getChild('x', 'http://jabber.org/protocol/muc#user').getChild('destroy');
    expect(destroy.attrs.jid).toBe(roomJid('elsewhere'));
    expect(destroy.getChildText('reason')).toBe('moving house');
    await alice.inbox.next(presenceFrom('doomed', 'Alice', 'unavailable'));
    await expect(iq(bob, 'get', roomJid('doomed'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))
      .rejects.toMatchObject({ condition: 'item-not-found' });
    await stopAll(alice, bob);
  });

  it('guests cannot make a room persistent', async () => {
    const visitor = await guest(server);
    await join(visitor, 'guest-room', 'Guest');
    await expect(configure(visitor, 'guest-room', { 'muc#roomconfig_persistentroom': '1' })).rejects.toMatchObject({ condition: 'not-allowed' });
    await stopAll(visitor);
  });
});

describe('rooms across a restart', () => {
  it('a persistent room keeps its configuration, subject and affiliations; a temporary one is gone', async () => {
    const first = await startMucServer();
    const dataDir = first.dataDir;
    const alice = await signIn(first, 'alice');
    await join(alice, 'lasting', 'Alice');
    await configure(alice, 'lasting', {
      'muc#roomconfig_persistentroom': '1', 'muc#roomconfig_roomname': 'Lasting', 'muc#roomconfig_membersonly': '1',
      'muc#roomconfig_historylength': '7',
    });
    await admin(alice, 'lasting', { jid: 'bob@localhost', affiliation: 'member' }, { jid: 'eve@localhost', affiliation: 'outcast', reason: 'spam' });
    await alice.client.send(xml('message', { to: roomJid('lasting'), type: 'groupchat' }, xml('subject', {}, 'Still here')));
    await alice.inbox.next((s) => s.is('message') && s.getChildText('subject') === 'Still here');
    await join(alice, 'fleeting', 'Alice');
    await stopAll(alice);
    await first.stop();

    const second = await startMucServer({}, { dataDir });
    try {
      const alice2 = await signIn(second, 'alice');
      const self = await join(alice2, 'lasting', 'Alice', { untilSubject: false });
      expect(statusCodes(self)).not.toContain(201);
      expect(item(self)!.attrs.affiliation).toBe('owner');
      const subject = await alice2.inbox.next((s) => s.is('message') && s.getChild('subject'));
      expect(subject.getChildText('subject')).toBe('Still here');
      const fields = await getForm(alice2, 'lasting');
      expect(fields.get('muc#roomconfig_roomname')).toBe('Lasting');
      expect(fields.get('muc#roomconfig_membersonly')).toBe('1');
      expect(fields.get('muc#roomconfig_historylength')).toBe('7');
      const members = await iq(alice2, 'get', roomJid('lasting'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation: 'member' })));
      expect(members.getChild('query').getChildren('item').map((i: { attrs: { jid: string } }) => i.attrs.jid)).toEqual(['bob@localhost']);
      const outcasts = await iq(alice2, 'get', roomJid('lasting'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation: 'outcast' })));
      expect(outcasts.getChild('query').getChild('item').getChildText('reason')).toBe('spam');
      await expect(iq(alice2, 'get', roomJid('fleeting'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' })))
        .rejects.toMatchObject({ condition: 'item-not-found' });
      await stopAll(alice2);
    } finally {
      await second.stop();
    }
  });
});

describe('channels from the config', () => {
  it('exist from the start as persistent public rooms with their title, and greet each joiner without archiving the greeting', async () => {
    const withChannels = await startMucServer({
      channels: [{ name: 'lobby', title: 'The Lobby', description: 'Say hi', welcome: 'Welcome! Be kind.' }],
    });
    try {
      const visitor = await guest(withChannels);
      const items = await iq(visitor, 'get', 'conference.localhost', xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }));
      expect(items.getChild('query').getChildren('item').map((i: { attrs: Record<string, string> }) => i.attrs))
        .toContainEqual({ jid: roomJid('lobby'), name: 'The Lobby' });
      const info = await iq(visitor, 'get', roomJid('lobby'), xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }));
      const features = info.getChild('query').getChildren('feature').map((f: { attrs: { var: string } }) => f.attrs.var);
      expect(features).toEqual(expect.arrayContaining(['muc_persistent', 'muc_public']));
      const self = await join(visitor, 'lobby', 'Visitor', { untilSubject: false });
      expect(statusCodes(self)).not.toContain(201);
      expect(item(self)!.attrs.affiliation).toBe('none');
      const welcome = await visitor.inbox.next((s) => s.is('message') && s.getChildText('body') === 'Welcome! Be kind.');
      expect(welcome.attrs.from).toBe(`${roomJid('lobby')}/Welcome`);
      expect(welcome.getChild('delay', 'urn:xmpp:delay')?.attrs.from).toBe(roomJid('lobby'));
      await visitor.client.stop();
      const next = await guest(withChannels);
      await join(next, 'lobby', 'Next');
      await next.inbox.next((s) => s.is('message') && s.getChildText('body') === 'Welcome! Be kind.');
      expect(next.inbox.has((s) => s.is('message') && s.getChild('delay', 'urn:xmpp:delay'))).toBe(false);
      await stopAll(next);
    } finally {
      await withChannels.stop();
    }
  });

  it('the welcome comes from a nickname of the room that has no presence, that nobody may take, and that a rename does not bring back', async () => {
    const withChannels = await startMucServer({
      channels: [{ name: 'lobby', title: 'The Lobby', welcome: 'Welcome! Be kind.' }, { name: 'quiet', title: 'Quiet' }],
    });
    const welcomeFrom = (stanza: { is(name: string): boolean; getChildText(name: string): string | null }) =>
      stanza.is('message') && stanza.getChildText('body') === 'Welcome! Be kind.';
    let visitor: User | undefined;
    let account: User | undefined;
    let stranger: User | undefined;
    try {
      visitor = await guest(withChannels);
      await join(visitor, 'lobby', 'Visitor');
      await visitor.inbox.next(welcomeFrom);
      await settle(visitor);
      expect(visitor.inbox.has((s) => s.is('presence') && s.attrs.from === `${roomJid('lobby')}/Welcome`)).toBe(false);

      // Nobody joins under it, in any case or look-alike letters, an account holder no more than a guest.
      account = await signIn(withChannels, 'alice');
      stranger = await guest(withChannels);
      for (const [user, nick] of [[account, 'Welcome'], [account, 'WELCOME'], [stranger, 'We1come']] as const) {
        const refused = await join(user, 'lobby', nick);
        expect(refused.attrs.type, nick).toBe('error');
        expect(errorCondition(refused)).toBe('conflict');
        expect(refused.getChild('error').getChild('used-by-room', 'urn:palaver:nick:0'), nick).toBeDefined();
        expect(refused.getChild('error').getChildText('text', 'urn:ietf:params:xml:ns:xmpp-stanzas')).toBe('that name is used by the room');
      }

      // Nor renames to it; a rename to a free name keeps the one welcome of the join.
      await visitor.client.send(xml('presence', { to: `${roomJid('lobby')}/welcome` }));
      const renameRefused = await visitor.inbox.next((s) => s.is('presence') && s.attrs.type === 'error');
      expect(renameRefused.getChild('error').getChild('used-by-room', 'urn:palaver:nick:0')).toBeDefined();
      await visitor.client.send(xml('presence', { to: `${roomJid('lobby')}/Visiting` }));
      await visitor.inbox.next(presenceFrom('lobby', 'Visiting'));
      await settle(visitor);
      expect(visitor.inbox.has(welcomeFrom)).toBe(false);

      // A channel without a welcome, and any other room, leave the name free.
      expect(item(await join(account, 'quiet', 'Welcome'))).toBeDefined();
      expect(item(await join(account, 'elsewhere', 'Welcome'))).toBeDefined();
    } finally {
      await stopAll(visitor, account, stranger);
      await withChannels.stop();
    }
  });

  it('[server].admins own every room', async () => {
    const withAdmin = await startMucServer({ server: { admins: ['boss@localhost'] } });
    try {
      const visitor = await guest(withAdmin);
      await join(visitor, 'someones', 'Visitor');
      const boss = await signIn(withAdmin, 'boss');
      const self = await join(boss, 'someones', 'Boss');
      expect(item(self)!.attrs).toMatchObject({ affiliation: 'owner', role: 'moderator' });
      await expect(admin(visitor, 'someones', { jid: 'boss@localhost', affiliation: 'outcast' })).rejects.toMatchObject({ condition: 'not-allowed' });
      await stopAll(visitor, boss);
    } finally {
      await withAdmin.stop();
    }
  });
});
