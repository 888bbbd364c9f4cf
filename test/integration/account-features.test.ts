import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client as xmppClient } from '@xmpp/client';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { iqError } from '../helpers/clients.js';
import { parseJid } from '../../server/jid/jid.js';
import { CLIENT_STATE } from '../../server/modules/csi.js';
import { MAX_VCARD_BYTES } from '../../server/modules/vcard-limits.js';

let server: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await addAccount(server, 'alice', 'alicepass');
  await addAccount(server, 'bob', 'bobpass');
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function signIn(username?: 'alice' | 'bob', resource?: string): Promise<XmppClient> {
  const client = await connectClient({
    port: server.c2sPort,
    username,
    password: username && `${username}pass`,
    resource,
  });
  open.push(client);
  return client;
}


function vcard(name: string, extra?: ReturnType<typeof xml>) {
  return xml('vCard', { xmlns: 'vcard-temp' }, xml('FN', {}, name), extra);
}

describe('vCards (XEP-0054)', () => {
  it('a user stores their vCard and reads it back, and others can read it', async () => {
    const alice = await signIn('alice');
    const bob = await signIn('bob');
    await alice.iqCaller.set(vcard('Alice Liddell', xml('NICKNAME', {}, 'ali')));
    const own = await alice.iqCaller.get(xml('vCard', { xmlns: 'vcard-temp' }));
    expect(own.getChildText('FN')).toBe('Alice Liddell');
    expect(own.getChildText('NICKNAME')).toBe('ali');
    const seenByBob = await bob.iqCaller.get(xml('vCard', { xmlns: 'vcard-temp' }), 'alice@localhost');
    expect(seenByBob.getChildText('FN')).toBe('Alice Liddell');
  });

  it('a user without a vCard has an empty one', async () => {
    const alice = await signIn('alice');
    const empty = await alice.iqCaller.get(xml('vCard', { xmlns: 'vcard-temp' }), 'bob@localhost');
    expect(empty.getChildElements()).toHaveLength(0);
  });

  it('nobody can set someone else\'s vCard or read one of an account that does not exist', async () => {
    const bob = await signIn('bob');
    const set = xml('iq', { type: 'set', to: 'alice@localhost' }, vcard('Mallory'));
    expect(await iqError(bob, set)).toBe('forbidden');
    const missing = xml('iq', { type: 'get', to: 'nobody@localhost' }, xml('vCard', { xmlns: 'vcard-temp' }));
    expect(await iqError(bob, missing)).toBe('service-unavailable');
  });

  it('an oversized vCard is refused', async () => {
    const alice = await signIn('alice');
    const photo = xml('PHOTO', {}, xml('TYPE', {}, 'image/png'), xml('BINVAL', {}, 'A'.repeat(MAX_VCARD_BYTES)));
    expect(await iqError(alice, xml('iq', { type: 'set' }, vcard('Big', photo)))).toBe('policy-violation');
  });

  it('a guest\'s vCard lives only as long as the guest is connected', async () => {
    const guest = await signIn();
    const guestJid = guest.jid!.bare().toString();
    await guest.iqCaller.set(vcard('Passing Guest'));
    const alice = await signIn('alice');
    const seen = await alice.iqCaller.get(xml('vCard', { xmlns: 'vcard-temp' }), guestJid);
    expect(seen.getChildText('FN')).toBe('Passing Guest');
    expect(server.server.context.storage.userData.get(guestJid, 'vcard-temp')).toBeUndefined();
    await guest.stop();
    await expect.poll(() => server.server.context.sessions.isOnline(parseJid(guestJid)), { timeout: 5_000 }).toBe(false);
    const gone = xml('iq', { type: 'get', to: guestJid }, xml('vCard', { xmlns: 'vcard-temp' }));
    expect(await iqError(alice, gone)).toBe('service-unavailable');
  });
});

describe('private XML storage (XEP-0049)', () => {
  const bookmarks = () => xml('storage', { xmlns: 'storage:bookmarks' },
    xml('conference', { jid: 'lobby@conference.localhost', autojoin: 'true', name: 'Lobby' }));

  it('a user stores bookmarks privately and gets them back', async () => {
    const alice = await signIn('alice');
    const before = await alice.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
    expect(before.getChild('storage', 'storage:bookmarks')!.getChildElements()).toHaveLength(0);
    await alice.iqCaller.set(xml('query', { xmlns: 'jabber:iq:private' }, bookmarks()));
    const after = await alice.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
    expect(after.getChild('storage', 'storage:bookmarks')!.getChild('conference')!.attrs.jid).toBe('lobby@conference.localhost');
  });

  it('data stored with a namespace prefix declared outside it comes back meaning the same', async () => {
    const bob = await signIn('bob');
    await bob.iqCaller.request(xml('iq', { type: 'set' },
      xml('query', { xmlns: 'jabber:iq:private', 'xmlns:s': 'urn:example:settings' },
        xml('s:prefs', {}, xml('s:theme', {}, 'dark')))));
    const reply = await bob.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('prefs', { xmlns: 'urn:example:settings' })));
    const prefs = reply.getChild('prefs', 'urn:example:settings');
    expect(prefs.getChild('theme', 'urn:example:settings').getText()).toBe('dark');
  });

  it('jabber:* namespaces cannot be stored', async () => {
    const alice = await signIn('alice');
    const iq = xml('iq', { type: 'set' }, xml('query', { xmlns: 'jabber:iq:private' }, xml('query', { xmlns: 'jabber:iq:roster' })));
    expect(await iqError(alice, iq)).toBe('not-acceptable');
  });

  it('another user cannot read someone\'s private storage', async () => {
    const bob = await signIn('bob');
    const iq = xml('iq', { type: 'get', to: 'alice@localhost' },
      xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
    expect(await iqError(bob, iq)).toBe('forbidden');
  });
});

describe('message carbons (XEP-0280)', () => {
  const enable = (client: XmppClient) => client.iqCaller.set(xml('enable', { xmlns: 'urn:xmpp:carbons:2' }));

  it('a user sees on their other devices what they sent and what they received on one device', async () => {
    const phone = await signIn('alice', 'phone');
    const laptop = await signIn('alice', 'laptop');
    const bobDesk = await signIn('bob', 'desk');
    const bobTablet = await signIn('bob', 'tablet');
    await Promise.all([enable(phone), enable(laptop), enable(bobTablet)]);

    const sentCarbon = nextStanza(phone, (s) => s.is('message') && s.getChild('sent', 'urn:xmpp:carbons:2'));
    const receivedCarbon = nextStanza(bobTablet, (s) => s.is('message') && s.getChild('received', 'urn:xmpp:carbons:2'));
    const direct = nextStanza(bobDesk, (s) => s.is('message') && s.getChildText('body') === 'lunch?');
    await laptop.send(xml('message', { to: 'bob@localhost/desk', type: 'chat', id: 'm1' }, xml('body', {}, 'lunch?')));

    expect((await direct).attrs.from).toBe('alice@localhost/laptop');
    const sent = await sentCarbon;
    expect(sent.attrs.from).toBe('alice@localhost');
    const sentCopy = sent.getChild('sent').getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(sentCopy.attrs).toMatchObject({ from: 'alice@localhost/laptop', to: 'bob@localhost/desk', id: 'm1' });
    expect(sentCopy.getChildText('body')).toBe('lunch?');
    const received = await receivedCarbon;
    expect(received.attrs.from).toBe('bob@localhost');
    const receivedCopy = received.getChild('received').getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(receivedCopy.attrs).toMatchObject({ from: 'alice@localhost/laptop', to: 'bob@localhost/desk' });
  });

  it('a message to the bare JID is copied only to the resources that would not get it anyway', async () => {
    const alice = await signIn('alice', 'desktop3');
    const bobDesk = await signIn('bob', 'desk3');
    const bobPhone = await signIn('bob', 'phone3');
    await enable(bobPhone);
    // Stands in for initial presence (the presence module's job): both of bob's resources are
    // available, the phone with a negative priority, so bare-JID messages skip it (RFC 6121 §8.5.2.1).
    const sessions = server.server.context.sessions;
    for (const [resource, priority] of [['desk3', 0], ['phone3', -1]] as const) {
      const session = sessions.get(parseJid(`bob@localhost/${resource}`))!;
      session.presence = xml('presence', {}, xml('priority', {}, String(priority)));
      session.priority = priority;
    }
    const direct = nextStanza(bobDesk, (s) => s.is('message') && s.getChildText('body') === 'to bare');
    const carbon = nextStanza(bobPhone, (s) => s.is('message') && s.getChild('received', 'urn:xmpp:carbons:2'));
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'to bare')));
    await direct;
    const copy = (await carbon).getChild('received').getChild('forwarded').getChild('message');
    expect(copy.attrs).toMatchObject({ from: 'alice@localhost/desktop3', to: 'bob@localhost' });
    expect(copy.getChildText('body')).toBe('to bare');
  });

  it('a message marked private is not copied, and a device that disabled carbons gets no copies', async () => {
    const phone = await signIn('alice', 'phone2');
    const laptop = await signIn('alice', 'laptop2');
    const bobDesk = await signIn('bob', 'desk2');
    const bobTablet = await signIn('bob', 'tablet2');
    await Promise.all([enable(phone), enable(laptop), enable(bobTablet)]);
    await phone.iqCaller.set(xml('disable', { xmlns: 'urn:xmpp:carbons:2' }));

    const copies: string[] = [];
    for (const client of [phone, bobTablet]) {
      client.on('stanza', (s) => { if (s.is('message')) copies.push(s.toString()); });
    }
    await laptop.send(xml('message', { to: 'bob@localhost/desk2', type: 'chat' },
      xml('body', {}, 'secret'), xml('private', { xmlns: 'urn:xmpp:carbons:2' }), xml('no-copy', { xmlns: 'urn:xmpp:hints' })));
    await nextStanza(bobDesk, (s) => s.is('message') && s.getChildText('body') === 'secret');
    // The unmarked message after it must arrive at bob's tablet as a carbon; the private one never did.
    const marker = nextStanza(bobTablet, (s) => s.is('message') && s.getChild('received', 'urn:xmpp:carbons:2'));
    await laptop.send(xml('message', { to: 'bob@localhost/desk2', type: 'chat' }, xml('body', {}, 'public')));
    await marker;
    await pingRoundTrip(phone);
    expect(copies.some((copy) => copy.includes('secret'))).toBe(false);
    expect(copies.filter((copy) => copy.includes('public'))).toHaveLength(1);
  });
});

describe('other account services', () => {
  it('an iq in a namespace the server does not know is answered with service-unavailable', async () => {
    const alice = await signIn('alice');
    const toServer = xml('iq', { type: 'get', to: 'localhost' }, xml('query', { xmlns: 'urn:example:unknown' }));
    expect(await iqError(alice, toServer)).toBe('service-unavailable');
    const toAccount = xml('iq', { type: 'set' }, xml('query', { xmlns: 'urn:example:unknown' }));
    expect(await iqError(alice, toAccount)).toBe('service-unavailable');
  });

  it('a client asks the server its software version', async () => {
    const guest = await signIn();
    const query = await guest.iqCaller.get(xml('query', { xmlns: 'jabber:iq:version' }), 'anon.localhost');
    expect(query.getChildText('name')).toBe('Palaver');
    expect(query.getChildText('version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(query.getChild('os')).toBeUndefined();
  });

  it('a client asks the server its uptime (XEP-0012 last activity of the server)', async () => {
    const guest = await signIn();
    const query = await guest.iqCaller.get(xml('query', { xmlns: 'jabber:iq:last' }), 'anon.localhost');
    const seconds = Number(query.attrs.seconds);
    expect(Number.isInteger(seconds) && seconds >= 0).toBe(true);
  });

  it('the server lists vcard-temp, carbons and version in its disco#info', async () => {
    const alice = await signIn('alice');
    const info = await alice.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'localhost');
    const features = info.getChildren('feature').map((feature: { attrs: { var: string } }) => feature.attrs.var);
    expect(features).toEqual(expect.arrayContaining(['vcard-temp', 'urn:xmpp:carbons:2', 'jabber:iq:version', 'jabber:iq:last']));
  });

  it('a mobile client tells the server it went to the background (CSI)', async () => {
    const alice = xmppClient({
      service: `xmpp://127.0.0.1:${server.c2sPort}`, domain: 'localhost', username: 'alice', password: 'alicepass', resource: 'mobile',
    });
    alice.on('error', () => {});
    let offered = false;
    alice.on('nonza', (element) => {
      if (element.is('features', 'http://etherx.jabber.org/streams') && element.getChild('csi', 'urn:xmpp:csi:0')) offered = true;
    });
    await alice.start();
    open.push(alice);
    expect(offered).toBe(true);
    const session = server.server.context.sessions.get(parseJid('alice@localhost/mobile'))!;
    expect(session.get(CLIENT_STATE)).toBe('active');
    await alice.send(xml('inactive', { xmlns: 'urn:xmpp:csi:0' }));
    await pingRoundTrip(alice);
    expect(session.get(CLIENT_STATE)).toBe('inactive');
  });
});

/** Everything the client sent before has been processed once a ping comes back. */
async function pingRoundTrip(client: XmppClient): Promise<void> {
  await client.iqCaller.get(xml('ping', { xmlns: 'urn:xmpp:ping' }), 'localhost');
}

