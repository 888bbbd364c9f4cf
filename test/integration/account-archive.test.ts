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

async function signIn(username?: 'alice' | 'bob', available = true): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: username && `${username}pass` });
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
});
