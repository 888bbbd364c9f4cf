/**
 * What the accounts' archive and offline storage keep, and what they leave alone (the
 * slixmpp interop test covers the client's view: paging, search, prefs, delivery with delay).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, iqError, nextStanza, xml, type XmppClient } from '../helpers/clients.js';

let server: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ limits: { offline_messages: 5 } });
  await addAccount(server, 'alice', 'alicepass');
  await addAccount(server, 'bob', 'bobpass');
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function signIn(username?: 'alice' | 'bob', available = true, resource?: string): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: username && `${username}pass`, resource });
  open.push(client);
  if (available) {
    const echoed = nextStanza(client, (s) => s.is('presence') && s.attrs.from === client.jid!.toString());
    await client.send(xml('presence'));
    await echoed;
  }
  return client;
}

async function stop(client: XmppClient): Promise<void> {
  open.splice(open.indexOf(client), 1);
  await client.stop();
}

const storage = () => server.server.context.storage;

async function archived(user: string): Promise<string[]> {
  const page = await storage().accountArchive.query(user, {}, { max: 100 });
  return page.messages.map((message) => message.stanza.getChildText('body') ?? '');
}

const chat = (to: string, body: string | null, ...children: ReturnType<typeof xml>[]) =>
  xml('message', { to, type: 'chat' }, body === null ? undefined : xml('body', {}, body), ...children);

describe('the accounts\' archive', () => {
  it('keeps what a person wrote, not chat states or what asks not to be stored, and replaces a forged stanza-id', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const before = (await archived('alice@localhost')).length;
    const forged = nextStanza(alice, (s) => s.is('message') && s.getChildText('body') === 'forged id');
    await bob.send(chat('alice@localhost', null, xml('composing', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await bob.send(chat('alice@localhost', 'off the record', xml('no-permanent-store', { xmlns: 'urn:xmpp:hints' })));
    await bob.send(chat('alice@localhost', 'forged id', xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by: 'alice@localhost', id: 'mine' })));
    const received = await forged;
    const ids = received.getChildren('stanza-id', 'urn:xmpp:sid:0');
    expect(ids).toHaveLength(1);
    expect(ids[0].attrs.id).not.toBe('mine');
    expect((await archived('alice@localhost')).slice(before)).toEqual(['forged id']);
    const page = await storage().accountArchive.query('alice@localhost', { ids: [ids[0].attrs.id] }, { max: 1 });
    expect(page.messages[0]!.stanza.getChildText('body')).toBe('forged id');
    // Bob keeps what he sent, with alice as 'with'.
    expect((await storage().accountArchive.query('bob@localhost', { nick: 'alice@localhost' }, { max: 100 })).messages
      .map((message) => message.stanza.getChildText('body'))).toContain('forged id');
    await stop(alice);
    await stop(bob);
  });

  it('keeps a call invitation (XEP-0353 propose with a <store/> hint) in both accounts\' archives, so other devices see the call', async () => {
    const JMI = 'urn:xmpp:jingle-message:0';
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    const proposed = (owner: string) => storage().accountArchive.query(owner, {}, { max: 100 })
      .then((page) => page.messages.filter((message) => message.stanza.getChild('propose', JMI)?.attrs.id === 'call-archive')
        .map((message) => message.stanza.getChild('propose', JMI)!.getChild('description')!.attrs.media));
    const rang = nextStanza(alice, (s) => s.is('message') && s.getChild('propose', JMI) !== undefined);
    await bob.send(chat('alice@localhost', null,
      xml('propose', { xmlns: JMI, id: 'call-archive' }, xml('description', { xmlns: 'urn:xmpp:jingle:apps:rtp:1', media: 'video' })),
      xml('store', { xmlns: 'urn:xmpp:hints' })));
    expect((await rang).getChildren('stanza-id', 'urn:xmpp:sid:0')).toHaveLength(1);
    expect(await proposed('alice@localhost')).toEqual(['video']);
    expect(await proposed('bob@localhost')).toEqual(['video']);
    await stop(alice);
    await stop(bob);
  });

  it('gives guests none, and keeps what a guest writes to an account in the account\'s archive', async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    const got = nextStanza(alice, (s) => s.is('message') && s.getChildText('body') === 'from a guest');
    await guest.send(chat('alice@localhost', 'from a guest'));
    await got;
    const guestJid = guest.jid!.bare().toString();
    expect((await storage().accountArchive.query('alice@localhost', { nick: guestJid }, { max: 10 })).count).toBe(0);
    expect((await storage().accountArchive.query(guestJid, {}, { max: 10 })).count).toBe(0);
    expect(await iqError(guest, xml('iq', { type: 'set' }, xml('query', { xmlns: 'urn:xmpp:mam:2' })))).toBe('service-unavailable');
    await stop(alice);
    await stop(guest);
  });
});

/** Waits until the server has ended every session of `user` (a client's stop does not wait for that). */
async function signedOut(user: string): Promise<void> {
  await expect.poll(() => server.server.context.sessions.of(user).length, { timeout: 5000 }).toBe(0);
}

/** The bodies a MAM query of the client's own archive with `with` returns. */
async function mamWith(client: XmppClient, withJid: string): Promise<string[]> {
  const queryid = `q-${withJid}`;
  const bodies: string[] = [];
  const collect = (stanza: any) => {
    const result = stanza.getChild('result', 'urn:xmpp:mam:2');
    if (result?.attrs.queryid === queryid) bodies.push(result.getChild('forwarded').getChild('message').getChildText('body'));
  };
  client.on('stanza', collect);
  const field = (name: string, value: string) => xml('field', { var: name }, xml('value', {}, value));
  await client.iqCaller.set(xml('query', { xmlns: 'urn:xmpp:mam:2', queryid },
    xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, field('FORM_TYPE', 'urn:xmpp:mam:2'), field('with', withJid))));
  client.removeListener('stanza', collect);
  return bodies;
}

describe('the accounts\' archive (review findings)', () => {
  it('matches a full JID in \'with\' to that resource only, a bare JID to all of them', async () => {
    const alice = await signIn('alice');
    const desk = await signIn('bob', true, 'desk');
    const phone = await signIn('bob', true, 'phone');
    for (const [client, body] of [[desk, 'from the desk'], [phone, 'from the phone']] as const) {
      const got = nextStanza(alice, (s) => s.is('message') && s.getChildText('body') === body);
      await client.send(chat('alice@localhost', body));
      await got;
    }
    expect(await mamWith(alice, 'bob@localhost/desk')).toEqual(['from the desk']);
    expect(await mamWith(alice, 'bob@localhost/phone')).toEqual(['from the phone']);
    expect(await mamWith(alice, 'bob@localhost/gone')).toEqual([]);
    expect((await mamWith(alice, 'bob@localhost')).slice(-2)).toEqual(['from the desk', 'from the phone']);
    // The sender's copies name the recipient as addressed (both of bob's resources share his archive).
    expect((await mamWith(desk, 'alice@localhost')).slice(-2)).toEqual(['from the desk', 'from the phone']);
    expect(await mamWith(desk, 'alice@localhost/any')).toEqual([]);
    for (const client of [alice, desk, phone]) await stop(client);
    await signedOut('bob@localhost');
  });

  it('keeps no copy of a message that bounced, in either archive', async () => {
    const alice = await signIn('alice');
    await signedOut('bob@localhost');
    storage().offline.take('bob@localhost');
    const before = await archived('alice@localhost');
    const bounced = nextStanza(alice, (s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'to-nobody');
    await alice.send(xml('message', { to: 'nobody@localhost', type: 'chat', id: 'to-nobody' }, xml('body', {}, 'to nobody')));
    await bounced;
    // Bob is offline: five are kept (the cap), the sixth bounces.
    for (let n = 1; n <= 5; n++) await alice.send(chat('bob@localhost', `kept ${n}`));
    const full = nextStanza(alice, (s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'sixth');
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'sixth' }, xml('body', {}, 'one too many')));
    expect((await full).getChild('error').getChild('service-unavailable')).toBeDefined();
    expect((await archived('alice@localhost')).slice(before.length)).toEqual(['kept 1', 'kept 2', 'kept 3', 'kept 4', 'kept 5']);
    expect(await archived('bob@localhost')).not.toContain('one too many');
    expect(storage().offline.take('bob@localhost')).toHaveLength(5);
    await stop(alice);
  });

  it('strips stanza-ids a client forged in the server\'s name, to a guest and from one', async () => {
    const alice = await signIn('alice');
    const guest = await signIn();
    const guestBare = guest.jid!.bare().toString();
    const sid = (by: string) => xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', by, id: `forged-${by}` });
    const toGuest = nextStanza(guest, (s) => s.is('message') && s.getChildText('body') === 'forged to a guest');
    await alice.send(chat(guest.jid!.toString(), 'forged to a guest',
      sid(guestBare), sid('localhost'), sid('lobby@conference.localhost'), sid('alice@localhost'), sid('peer@elsewhere.example')));
    const byOnGuest = (await toGuest).getChildren('stanza-id', 'urn:xmpp:sid:0').map((id: any) => id.attrs.by);
    expect(byOnGuest).toEqual(['peer@elsewhere.example']);
    const toAlice = nextStanza(alice, (s) => s.is('message') && s.getChildText('body') === 'forged by a guest');
    await guest.send(chat('alice@localhost', 'forged by a guest', sid('alice@localhost'), sid(guestBare)));
    // Guests' words are not archived, so alice's server stamps nothing either.
    expect((await toAlice).getChildren('stanza-id', 'urn:xmpp:sid:0')).toEqual([]);
    await stop(alice);
    await stop(guest);
  });
});

describe('offline messages', () => {
  it('keeps a message to an offline account (bare or full JID), not chat states nor messages to nobody', async () => {
    const alice = await signIn('alice');
    storage().offline.take('bob@localhost');
    await alice.send(chat('bob@localhost/gone', 'to a resource'));
    await alice.send(chat('bob@localhost', null, xml('active', { xmlns: 'http://jabber.org/protocol/chatstates' })));
    await alice.send(chat('bob@localhost', 'no store', xml('no-store', { xmlns: 'urn:xmpp:hints' })));
    const bounced = nextStanza(alice, (s) => s.is('message') && s.attrs.type === 'error' && s.attrs.from === 'nobody@localhost');
    await alice.send(chat('nobody@localhost', 'hello?'));
    expect((await bounced).getChild('error')!.getChild('service-unavailable')).toBeDefined();
    // The iq round trip orders what alice sent before it.
    await alice.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
    expect(storage().offline.count('nobody@localhost')).toBe(0);
    const kept = storage().offline.take('bob@localhost');
    expect(kept.map((message) => message.stanza)).toHaveLength(1);
    expect(kept[0]!.stanza).toContain('to a resource');
    await stop(alice);
  });

  it('keeps what was held for a session that left before its initial presence', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob', false);
    await alice.send(chat('bob@localhost', 'held, then kept'));
    await alice.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
    expect(storage().offline.count('bob@localhost')).toBe(0);
    await stop(bob);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const kept = storage().offline.take('bob@localhost');
    expect(kept.map((message) => message.stanza.includes('held, then kept'))).toEqual([true]);
    await stop(alice);
  });

  it('does not keep what a guest wrote that was held for a session that left: it bounces', async () => {
    await signedOut('bob@localhost');
    const guest = await signIn();
    const bob = await signIn('bob', false);
    await guest.send(xml('message', { to: 'bob@localhost', type: 'chat', id: 'held-guest' }, xml('body', {}, 'from a guest, held')));
    await guest.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), 'anon.localhost');
    const bounced = nextStanza(guest, (s) => s.is('message') && s.attrs.type === 'error' && s.attrs.id === 'held-guest');
    await stop(bob);
    expect((await bounced).getChild('error').getChild('service-unavailable')).toBeDefined();
    expect(storage().offline.count('bob@localhost')).toBe(0);
    await stop(guest);
  });
});
