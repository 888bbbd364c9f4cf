import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import {
  admin, configure, errorCondition, groupchatFrom, guest, hasStatus, iq, item, join, mucUser, NS_MUC_ADMIN,
  presenceFrom, roomJid, say, settle, signIn, startMucServer, statusCodes, stopAll, xml, type Stanza,
} from './muc-helpers.js';

let server: TestServer;

beforeAll(async () => {
  server = await startMucServer();
});
afterAll(() => server?.stop());

describe('kicking and banning', () => {
  it('a moderator kicks someone: they get 307 with the reason and who did it, and everyone sees them go', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'kick', 'Alice');
    const bob = await guest(server);
    await join(bob, 'kick', 'Bob');
    const carol = await guest(server);
    await join(carol, 'kick', 'Carol');
    await admin(alice, 'kick', { nick: 'Bob', role: 'none', reason: 'too loud' });
    const kicked = await bob.inbox.next(presenceFrom('kick', 'Bob', 'unavailable'));
    expect(statusCodes(kicked)).toEqual(expect.arrayContaining([307, 110]));
    expect(item(kicked)!.getChildText('reason')).toBe('too loud');
    expect(item(kicked)!.getChild('actor').attrs.nick).toBe('Alice');
    const seen = await carol.inbox.next(presenceFrom('kick', 'Bob', 'unavailable'));
    expect(hasStatus(seen, 307)).toBe(true);
    await say(carol, 'kick', 'after');
    await alice.inbox.next(groupchatFrom('kick', 'Carol', 'after'));
    await settle(bob);
    expect(bob.inbox.has(groupchatFrom('kick', 'Carol', 'after'))).toBe(false);
    await stopAll(alice, bob, carol);
  });

  it('participants cannot kick, and nobody kicks someone with a higher affiliation', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'no-kick', 'Alice');
    const bob = await guest(server);
    await join(bob, 'no-kick', 'Bob');
    await expect(admin(bob, 'no-kick', { nick: 'Alice', role: 'none' })).rejects.toMatchObject({ condition: 'forbidden' });
    await admin(alice, 'no-kick', { nick: 'Bob', role: 'moderator' });
    expect(item(await bob.inbox.next(presenceFrom('no-kick', 'Bob')))!.attrs.role).toBe('moderator');
    await expect(admin(bob, 'no-kick', { nick: 'Alice', role: 'none' })).rejects.toMatchObject({ condition: expect.stringMatching(/forbidden|not-allowed/) });
    await stopAll(alice, bob);
  });

  it('a banned account leaves with 301, appears on the outcast list and cannot come back', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'ban', 'Alice');
    const bob = await signIn(server, 'bob');
    await join(bob, 'ban', 'Bob');
    await admin(alice, 'ban', { jid: bob.bare, affiliation: 'outcast', reason: 'spam' });
    const banned = await bob.inbox.next(presenceFrom('ban', 'Bob', 'unavailable'));
    expect(statusCodes(banned)).toEqual(expect.arrayContaining([301, 110]));
    expect(item(banned)!.attrs.affiliation).toBe('outcast');
    const list = await iq(alice, 'get', roomJid('ban'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation: 'outcast' })));
    expect(list.getChild('query').getChild('item').attrs.jid).toBe(bob.bare);
    expect(errorCondition(await join(bob, 'ban', 'Bob'))).toBe('forbidden');
    await expect(iq(bob, 'get', roomJid('ban'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation: 'outcast' }))))
      .rejects.toMatchObject({ condition: 'forbidden' });
    await stopAll(alice, bob);
  });

  it('a banned guest is refused after reconnecting with a new anonymous JID, also after a restart, until unbanned', async () => {
    const first = await startMucServer();
    const alice = await signIn(first, 'alice');
    await join(alice, 'guarded', 'Alice');
    await configure(alice, 'guarded', { 'muc#roomconfig_persistentroom': '1' });
    const troll = await guest(first);
    await join(troll, 'guarded', 'Troll');
    await admin(alice, 'guarded', { jid: troll.bare, affiliation: 'outcast' });
    await troll.inbox.next(presenceFrom('guarded', 'Troll', 'unavailable'));
    await troll.client.stop();

    const reloaded = await guest(first);
    expect(reloaded.bare).not.toBe(troll.bare);
    expect(errorCondition(await join(reloaded, 'guarded', 'Troll'))).toBe('forbidden');
    // Account holders are banned by JID only, even from the same address.
    const bob = await signIn(first, 'bob');
    expect(hasStatus(await join(bob, 'guarded', 'Bob'), 110)).toBe(true);
    // What is kept is a keyed hash, never the address.
    const rows = first.server.context.database.prepare('SELECT address_hash FROM muc_affiliations WHERE affiliation = ?').all('outcast') as { address_hash: Buffer }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.address_hash).toHaveLength(32);
    expect(rows[0]!.address_hash.toString('latin1')).not.toContain('127.0.0.1');
    await stopAll(alice, reloaded, bob);
    await first.stop();

    const second = await startMucServer({}, { dataDir: first.dataDir });
    try {
      const again = await guest(second);
      expect(errorCondition(await join(again, 'guarded', 'Troll'))).toBe('forbidden');
      const owner = await signIn(second, 'alice');
      await join(owner, 'guarded', 'Alice');
      await admin(owner, 'guarded', { jid: troll.bare, affiliation: 'none' });
      expect(hasStatus(await join(again, 'guarded', 'Troll'), 110)).toBe(true);
      await stopAll(again, owner);
    } finally {
      await second.stop();
    }
  });
});

describe('a ban the database cannot store', () => {
  it('is refused with internal-server-error (wait), and the room stays exactly as it was', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'fragile', 'Alice');
    await configure(alice, 'fragile', { 'muc#roomconfig_persistentroom': '1' });
    const bob = await signIn(server, 'bob');
    await join(bob, 'fragile', 'Bob');
    const database = server.server.context.database;
    // A write that fails as a full disk would, through the real store.
    database.exec(`CREATE TEMP TRIGGER fragile_full BEFORE INSERT ON muc_affiliations
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    try {
      const error = await admin(alice, 'fragile', { jid: bob.bare, affiliation: 'outcast' }).then(() => undefined, (e: { condition: string; element: Stanza }) => e);
      expect(error?.condition).toBe('internal-server-error');
      expect(error?.element?.attrs.type).toBe('wait');
    } finally {
      database.exec('DROP TRIGGER fragile_full');
    }
    // Nothing changed in memory: Bob is still in, on no list, and can still hear and speak.
    const outcasts = await iq(alice, 'get', roomJid('fragile'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { affiliation: 'outcast' })));
    expect(outcasts.getChild('query').getChildren('item')).toHaveLength(0);
    await say(alice, 'fragile', 'still here, Bob?');
    await bob.inbox.next(groupchatFrom('fragile', 'Alice', 'still here, Bob?'));
    await settle(bob);
    expect(bob.inbox.has(presenceFrom('fragile', 'Bob', 'unavailable'))).toBe(false);
    // Once the database takes writes again, the same ban works and is stored.
    await admin(alice, 'fragile', { jid: bob.bare, affiliation: 'outcast' });
    await bob.inbox.next(presenceFrom('fragile', 'Bob', 'unavailable'));
    const stored = database.prepare("SELECT count(*) AS n FROM muc_affiliations WHERE room = 'fragile' AND affiliation = 'outcast'").get() as { n: number };
    expect(stored.n).toBe(1);
    await stopAll(alice, bob);
  });
});

describe('membership', () => {
  it('someone who loses membership of a members-only room is removed with 321', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'members-club', 'Alice');
    await configure(alice, 'members-club', { 'muc#roomconfig_membersonly': '1' });
    const bob = await signIn(server, 'bob');
    await admin(alice, 'members-club', { jid: bob.bare, affiliation: 'member' });
    await join(bob, 'members-club', 'Bob');
    await admin(alice, 'members-club', { jid: bob.bare, affiliation: 'none' });
    const removed = await bob.inbox.next(presenceFrom('members-club', 'Bob', 'unavailable'));
    expect(statusCodes(removed)).toEqual(expect.arrayContaining([321, 110]));
    expect(item(removed)!.attrs).toMatchObject({ affiliation: 'none', role: 'none' });
    const seen = await alice.inbox.next(presenceFrom('members-club', 'Bob', 'unavailable'));
    expect(item(seen)!.getChild('actor').attrs.nick).toBe('Alice');
    expect(errorCondition(await join(bob, 'members-club', 'Bob'))).toBe('registration-required');
    await stopAll(alice, bob);
  });
});

describe('voice and roles', () => {
  it('in a moderated room visitors cannot speak until a moderator gives them voice', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'stage', 'Alice');
    await configure(alice, 'stage', { 'muc#roomconfig_moderatedroom': '1' });
    const bob = await guest(server);
    const self = await join(bob, 'stage', 'Bob');
    expect(item(self)!.attrs.role).toBe('visitor');
    await say(bob, 'stage', 'can I speak?');
    const refused = await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error');
    expect(errorCondition(refused)).toBe('forbidden');
    await admin(alice, 'stage', { nick: 'Bob', role: 'participant' });
    const voiced = await bob.inbox.next((s) => presenceFrom('stage', 'Bob')(s) && item(s)?.attrs.role === 'participant');
    expect(hasStatus(voiced, 110)).toBe(true);
    await say(bob, 'stage', 'thank you');
    await alice.inbox.next(groupchatFrom('stage', 'Bob', 'thank you'));
    const list = await iq(alice, 'get', roomJid('stage'), xml('query', { xmlns: NS_MUC_ADMIN }, xml('item', { role: 'participant' })));
    expect(list.getChild('query').getChild('item').attrs).toMatchObject({ nick: 'Bob', role: 'participant' });
    await stopAll(alice, bob);
  });

  it('owners make admins, whose role becomes moderator; others see the change with its actor', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'promote', 'Alice');
    const bob = await signIn(server, 'bob');
    await join(bob, 'promote', 'Bob');
    await admin(alice, 'promote', { jid: bob.bare, affiliation: 'admin' });
    const promoted = await bob.inbox.next((s) => presenceFrom('promote', 'Bob')(s) && item(s)?.attrs.affiliation === 'admin');
    expect(item(promoted)!.attrs.role).toBe('moderator');
    expect(item(promoted)!.getChild('actor').attrs.nick).toBe('Alice');
    // Admins do not touch owners.
    await expect(admin(bob, 'promote', { jid: alice.bare, affiliation: 'member' })).rejects.toMatchObject({ condition: 'forbidden' });
    // The last owner cannot step down.
    await expect(admin(alice, 'promote', { jid: alice.bare, affiliation: 'admin' })).rejects.toMatchObject({ condition: 'conflict' });
    await stopAll(alice, bob);
  });

  it('occupants hear about affiliation changes of people who are not in the room only if they may see real JIDs', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'notify', 'Alice');
    const bob = await guest(server);
    await join(bob, 'notify', 'Bob');
    await admin(alice, 'notify', { jid: 'dave@localhost', affiliation: 'member' });
    const notice = await alice.inbox.next((s) => s.is('message') && s.attrs.from === roomJid('notify') && mucUser(s)?.getChild('item'));
    expect(item(notice)!.attrs).toMatchObject({ jid: 'dave@localhost', affiliation: 'member' });
    await say(alice, 'notify', 'sync');
    await bob.inbox.next(groupchatFrom('notify', 'Alice', 'sync'));
    expect(bob.inbox.has((s) => s.is('message') && mucUser(s)?.getChild('item'))).toBe(false);
    await stopAll(alice, bob);
  });
});

describe('the subject', () => {
  it('only moderators change the subject, unless the room lets participants do it', async () => {
    const alice = await signIn(server, 'alice');
    await join(alice, 'topic', 'Alice');
    const bob = await guest(server);
    await join(bob, 'topic', 'Bob');
    await bob.client.send(xml('message', { to: roomJid('topic'), type: 'groupchat' }, xml('subject', {}, 'Bob’s topic')));
    expect(errorCondition(await bob.inbox.next((s) => s.is('message') && s.attrs.type === 'error'))).toBe('forbidden');
    await configure(alice, 'topic', { 'muc#roomconfig_changesubject': '1' });
    await bob.client.send(xml('message', { to: roomJid('topic'), type: 'groupchat' }, xml('subject', {}, 'Bob’s topic')));
    const changed = await alice.inbox.next((s) => s.is('message') && s.getChildText('subject') === 'Bob’s topic');
    expect(changed.attrs.from).toBe(`${roomJid('topic')}/Bob`);
    const carol = await guest(server);
    await join(carol, 'topic', 'Carol', { untilSubject: false });
    const subject = await carol.inbox.next((s) => s.is('message') && s.getChild('subject'));
    expect(subject.getChildText('subject')).toBe('Bob’s topic');
    expect(carol.inbox.has((s) => s.is('message') && s.getChild('delay', 'urn:xmpp:delay'))).toBe(false);
    await stopAll(alice, bob, carol);
  });
});

describe('retracting messages (XEP-0425)', () => {
  async function sendAndGetStanzaId(room: string): Promise<{ stanzaId: string; users: Awaited<ReturnType<typeof guest>>[] }> {
    const alice = await signIn(server, 'alice');
    await join(alice, room, 'Alice');
    const bob = await guest(server);
    await join(bob, room, 'Bob');
    await say(bob, room, 'something rude');
    const live = await alice.inbox.next(groupchatFrom(room, 'Bob', 'something rude'));
    const stanzaId = live.getChild('stanza-id', 'urn:xmpp:sid:0');
    expect(stanzaId.attrs.by).toBe(roomJid(room));
    return { stanzaId: stanzaId.attrs.id, users: [alice, bob] };
  }

  it('a moderator retracts a message as Converse.js does (message-moderate:1): everyone is told, and history keeps only a tombstone', async () => {
    const { stanzaId, users: [alice, bob] } = await sendAndGetStanzaId('retract');
    await iq(alice!, 'set', roomJid('retract'), xml('moderate', { xmlns: 'urn:xmpp:message-moderate:1', id: stanzaId },
      xml('retract', { xmlns: 'urn:xmpp:message-retract:1' }), xml('reason', {}, 'rude')));
    const notice = await bob!.inbox.next((s) => s.is('message') && s.getChild('retract', 'urn:xmpp:message-retract:1'));
    expect(notice.attrs.from).toBe(roomJid('retract'));
    const retract = notice.getChild('retract', 'urn:xmpp:message-retract:1');
    expect(retract.attrs.id).toBe(stanzaId);
    expect(retract.getChild('moderated', 'urn:xmpp:message-moderate:1').attrs.by).toBe(`${roomJid('retract')}/Alice`);
    expect(retract.getChildText('reason')).toBe('rude');
    expect(notice.getChild('apply-to', 'urn:xmpp:fasten:0').attrs.id).toBe(stanzaId);

    const carol = await guest(server);
    await join(carol, 'retract', 'Carol');
    const history = carol.inbox.take((s) => s.is('message') && s.getChild('delay', 'urn:xmpp:delay'));
    expect(history.some((s: { getChildText(n: string): string | null }) => s.getChildText('body') === 'something rude')).toBe(false);
    const tombstone = history.find((s: { getChild(n: string, ns: string): unknown }) => s.getChild('retracted', 'urn:xmpp:message-retract:1'));
    expect(tombstone.getChild('stanza-id', 'urn:xmpp:sid:0').attrs.id).toBe(stanzaId);
    await stopAll(alice, bob, carol);
  });

  it('the older form (apply-to with message-moderate:0) works too, and only moderators may retract', async () => {
    const { stanzaId, users: [alice, bob] } = await sendAndGetStanzaId('retract-old');
    const request = (user: typeof alice) => iq(user!, 'set', roomJid('retract-old'), xml('apply-to', { xmlns: 'urn:xmpp:fasten:0', id: stanzaId },
      xml('moderate', { xmlns: 'urn:xmpp:message-moderate:0' }, xml('retract', { xmlns: 'urn:xmpp:message-retract:0' }))));
    await expect(request(bob)).rejects.toMatchObject({ condition: 'forbidden' });
    await request(alice);
    const notice = await bob!.inbox.next((s) => s.is('message') && s.getChild('apply-to', 'urn:xmpp:fasten:0'));
    const moderated = notice.getChild('apply-to', 'urn:xmpp:fasten:0').getChild('moderated', 'urn:xmpp:message-moderate:0');
    expect(moderated.getChild('retract', 'urn:xmpp:message-retract:0')).toBeTruthy();
    await stopAll(alice, bob);
  });
});
