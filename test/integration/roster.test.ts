import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { iqError } from '../helpers/clients.js';
import { parseJid } from '../../server/jid/jid.js';
import { ROSTERS } from '../../server/modules/roster/service.js';

const ROSTER = 'jabber:iq:roster';

let server: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  for (const name of ['alice', 'bob', 'carol']) {
    await addAccount(server, name, `${name}pass`);
  }
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function signIn(username?: string, resource?: string): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: username && `${username}pass`, resource });
  open.push(client);
  return client;
}

function query(attrs: Record<string, string> = {}, ...items: ReturnType<typeof xml>[]) {
  return xml('query', { xmlns: ROSTER, ...attrs }, ...items);
}

async function getRoster(client: XmppClient, ver?: string) {
  const result = await client.iqCaller.request(xml('iq', { type: 'get' }, query(ver === undefined ? {} : { ver })));
  return result.getChild('query', ROSTER);
}

function isPush(stanza: any): boolean {
  return stanza.is('iq') && stanza.attrs.type === 'set' && stanza.getChild('query', ROSTER) !== undefined;
}


describe('the roster (RFC 6121 §2)', () => {
  it('a user adds a contact, gets the push and finds it in the roster; versions tell what changed', async () => {
    const alice = await signIn('alice', 'versions');
    const before = await getRoster(alice);
    expect(before.getChildren('item')).toHaveLength(0);
    const firstVer = before.attrs.ver;
    expect(firstVer).toBeDefined();

    const push = nextStanza(alice, isPush);
    await alice.iqCaller.set(query({}, xml('item', { jid: 'nurse@localhost', name: 'Nurse' }, xml('group', {}, 'Servants'))));
    const pushed = (await push).getChild('query', ROSTER);
    const item = pushed.getChild('item');
    expect(item.attrs).toMatchObject({ jid: 'nurse@localhost', name: 'Nurse', subscription: 'none' });
    expect(item.getChildText('group')).toBe('Servants');
    expect(pushed.attrs.ver).not.toBe(firstVer);

    // Up to date: an empty result. Out of date: the whole roster with the new version.
    const current = await alice.iqCaller.request(xml('iq', { type: 'get' }, query({ ver: pushed.attrs.ver })));
    expect(current.getChild('query')).toBeUndefined();
    const full = await getRoster(alice, firstVer);
    expect(full.attrs.ver).toBe(pushed.attrs.ver);
    expect(full.getChildren('item').map((i: any) => i.attrs.jid)).toEqual(['nurse@localhost']);

    // Renaming keeps the item; removing it pushes subscription='remove'.
    const renamed = nextStanza(alice, isPush);
    await alice.iqCaller.set(query({}, xml('item', { jid: 'nurse@localhost', name: 'The Nurse' })));
    expect((await renamed).getChild('query').getChild('item').attrs.name).toBe('The Nurse');
    const removed = nextStanza(alice, isPush);
    await alice.iqCaller.set(query({}, xml('item', { jid: 'nurse@localhost', subscription: 'remove' })));
    expect((await removed).getChild('query').getChild('item').attrs.subscription).toBe('remove');
    expect((await getRoster(alice)).getChildren('item')).toHaveLength(0);
    await alice.stop();
  });

  it('a change made on one resource is pushed to the other resources that fetched the roster', async () => {
    const laptop = await signIn('bob', 'laptop');
    const phone = await signIn('bob', 'phone');
    await getRoster(laptop);
    await getRoster(phone);
    const onPhone = nextStanza(phone, isPush);
    const onLaptop = nextStanza(laptop, isPush);
    await laptop.iqCaller.set(query({}, xml('item', { jid: 'friar@localhost', name: 'Friar' })));
    const [phonePush, laptopPush] = await Promise.all([onPhone, onLaptop]);
    expect(phonePush.attrs.to).toBe('bob@localhost/phone');
    expect(phonePush.getChild('query').getChild('item').attrs.jid).toBe('friar@localhost');
    expect(phonePush.getChild('query').attrs.ver).toBe(laptopPush.getChild('query').attrs.ver);
    await laptop.stop();
    await phone.stop();
  });

  it('a guest gets an empty roster that works, lives in memory only, and goes with the guest', async () => {
    const guest = await signIn();
    const jid = guest.jid!.bare().toString();
    expect((await getRoster(guest)).getChildren('item')).toHaveLength(0);
    const push = nextStanza(guest, isPush);
    await guest.iqCaller.set(query({}, xml('item', { jid: 'alice@localhost', name: 'Alice' })));
    await push;
    expect((await getRoster(guest)).getChildren('item').map((i: any) => i.attrs.jid)).toEqual(['alice@localhost']);

    const { context } = server.server;
    // context.storage is the SQLite storage: nothing of the guest's roster is there.
    expect(context.storage.rosters.get(jid).items).toHaveLength(0);
    const inMemory = () => context.services.get(ROSTERS).storeFor(parseJid(jid)).get(jid).items.length;
    expect(inMemory()).toBe(1);
    await guest.stop();
    await expect.poll(inMemory, { timeout: 5_000 }).toBe(0);
  });

  it('the server announces roster versioning and pre-approval once, whatever the number of hosts', () => {
    const features = server.server.context.streamExtensions.features(server.server.context.hosts.get('localhost')!);
    expect(features.filter((f) => f.name === 'ver' && f.attrs.xmlns === 'urn:xmpp:features:rosterver')).toHaveLength(1);
    expect(features.filter((f) => f.name === 'sub' && f.attrs.xmlns === 'urn:xmpp:features:pre-approval')).toHaveLength(1);
  });

  it('bad roster requests are refused and the connection keeps working', async () => {
    const carol = await signIn('carol');
    const set = (...items: ReturnType<typeof xml>[]) => xml('iq', { type: 'set' }, query({}, ...items));
    expect(await iqError(carol, set(xml('item', { jid: 'a@localhost' }), xml('item', { jid: 'b@localhost' })))).toBe('bad-request');
    expect(await iqError(carol, set())).toBe('bad-request');
    expect(await iqError(carol, set(xml('item', { jid: 'not a jid@@' })))).toBe('bad-request');
    expect(await iqError(carol, set(xml('item', { jid: 'a@localhost/resource' })))).toBe('bad-request');
    expect(await iqError(carol, set(xml('item', { jid: 'a@localhost' }, xml('group', {}, 'G'), xml('group', {}, 'G'))))).toBe('bad-request');
    expect(await iqError(carol, set(xml('item', { jid: 'a@localhost' }, xml('group'))))).toBe('not-acceptable');
    expect(await iqError(carol, set(xml('item', { jid: 'a@localhost', name: 'x'.repeat(2000) })))).toBe('not-acceptable');
    expect(await iqError(carol, set(xml('item', { jid: 'nobody@localhost', subscription: 'remove' })))).toBe('item-not-found');
    // Someone else's roster, read or written.
    expect(await iqError(carol, xml('iq', { type: 'get', to: 'alice@localhost' }, query()))).toBe('forbidden');
    expect(await iqError(carol, xml('iq', { type: 'set', to: 'alice@localhost' }, query({}, xml('item', { jid: 'x@localhost' }))))).toBe('forbidden');

    expect((await getRoster(carol)).getChildren('item')).toHaveLength(0);
    const pong = await carol.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
    expect(pong.attrs.type).toBe('result');
    await carol.stop();
  });
});
