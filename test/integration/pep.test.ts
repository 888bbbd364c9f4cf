import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, iqError, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { capsVerification } from '../../server/modules/caps/verification.js';

const PUBSUB = 'http://jabber.org/protocol/pubsub';
const EVENT = 'http://jabber.org/protocol/pubsub#event';
const OWNER = 'http://jabber.org/protocol/pubsub#owner';
const DISCO_INFO = 'http://jabber.org/protocol/disco#info';
const NODE = 'urn:example:mood';

let server: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ server: { contact: { admin: ['xmpp:admin@localhost'], abuse: ['mailto:abuse@example.org'] } } });
  for (const name of ['alice', 'bob', 'carol', 'dave']) await addAccount(server, name, `${name}pass`);
  // Bob sees Alice's presence (her roster: bob 'from'); Carol does not.
  const alice = await signIn('alice', 'setup');
  const bob = await signIn('bob', 'setup');
  await bob.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
  await alice.send(xml('presence', { to: 'bob@localhost', type: 'subscribed' }));
  for (let tries = 0; server.server.context.storage.rosters.getItem('alice@localhost', 'bob@localhost')?.subscription !== 'from'; tries += 1) {
    if (tries > 50) throw new Error('the subscription did not settle');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await Promise.all([alice.stop(), bob.stop()]);
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await server?.stop();
});

async function signIn(username: string, resource: string): Promise<XmppClient> {
  const client = await connectClient({ port: server.c2sPort, username, password: `${username}pass`, resource });
  open.push(client);
  return client;
}

/** Answers disco#info as a client with these features would, and sends presence with their caps (XEP-0115). */
async function online(client: XmppClient, features: string[]): Promise<void> {
  const identities = [{ category: 'client', type: 'pc', name: 'pep test' }];
  const all = [DISCO_INFO, ...features];
  const ver = capsVerification({ identities, features: all, forms: [] });
  client.iqCallee.get(DISCO_INFO, 'query', () => xml('query', { xmlns: DISCO_INFO },
    ...identities.map((identity) => xml('identity', identity)), ...all.map((feature) => xml('feature', { var: feature }))));
  await client.send(xml('presence', {}, xml('c', { xmlns: 'http://jabber.org/protocol/caps', hash: 'sha-1', node: 'https://example.org/test', ver })));
}

function publishIq(node: string, id: string, payload: ReturnType<typeof xml>, options?: Record<string, string>) {
  return xml('iq', { type: 'set' }, xml('pubsub', { xmlns: PUBSUB },
    xml('publish', { node }, xml('item', { id }, payload)),
    options && xml('publish-options', {}, xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
      xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, `${PUBSUB}#publish-options`)),
      ...Object.entries(options).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value)))))));
}

const mood = (text: string) => xml('mood', { xmlns: NODE }, xml('text', {}, text));
const isEvent = (node: string) => (stanza: any) => stanza.is('message') && stanza.getChild('event', EVENT)?.getChild('items')?.attrs.node === node;

function itemsIq(to: string, node: string) {
  return xml('iq', { type: 'get', to }, xml('pubsub', { xmlns: PUBSUB }, xml('items', { node })));
}

function appCondition(client: XmppClient, iq: ReturnType<typeof xml>): Promise<string[]> {
  return client.iqCaller.request(iq).then(() => ['result'], (error: any) => {
    const children = error.element?.getChildElements() ?? [];
    return children.map((child: any) => child.name).filter((name: string) => name !== 'text');
  });
}

describe('PEP (XEP-0163)', () => {
  it('the bare JID\'s disco#info says PEP, publish-options and the bookmarks compatibility', async () => {
    const alice = await signIn('alice', 'disco');
    const info = await alice.iqCaller.get(xml('query', { xmlns: DISCO_INFO }), 'alice@localhost');
    const features = info.getChildren('feature').map((f: any) => f.attrs.var);
    expect(info.getChildren('identity').map((i: any) => `${i.attrs.category}/${i.attrs.type}`)).toEqual(expect.arrayContaining(['account/registered', 'pubsub/pep']));
    expect(features).toEqual(expect.arrayContaining([`${PUBSUB}#publish-options`, `${PUBSUB}#auto-create`, `${PUBSUB}#filtered-notifications`,
      `${PUBSUB}#access-presence`, `${PUBSUB}#access-whitelist`, `${PUBSUB}#config-node-max`, 'urn:xmpp:bookmarks:1#compat', 'urn:xmpp:bookmarks:1#compat-pep',
      'urn:xmpp:bookmarks-conversion:0']));
  });

  it('a publish on one resource reaches the other resource and a contact with +notify, not a resource without it', async () => {
    const one = await signIn('alice', 'one');
    const two = await signIn('alice', 'two');
    const deaf = await signIn('alice', 'deaf');
    const bob = await signIn('bob', 'reader');
    await online(two, [`${NODE}+notify`]);
    await online(bob, [`${NODE}+notify`]);
    await online(deaf, ['urn:example:other+notify']);
    await online(one, []);
    // The caps queries go out with the presence; give them a moment to be answered.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const heardByDeaf: unknown[] = [];
    deaf.on('stanza', (stanza: any) => { if (isEvent(NODE)(stanza)) heardByDeaf.push(stanza); });
    const atTwo = nextStanza(two, isEvent(NODE));
    const atBob = nextStanza(bob, isEvent(NODE));
    const result = await one.iqCaller.request(publishIq(NODE, 'current', mood('happy')));
    expect(result.getChild('pubsub', PUBSUB)?.getChild('publish')?.getChild('item')?.attrs.id).toBe('current');
    for (const event of [await atTwo, await atBob]) {
      expect(event.attrs.from).toBe('alice@localhost');
      expect(event.attrs.type).toBe('headline');
      expect(event.getChild('event', EVENT).getChild('items').getChild('item').getChild('mood', NODE).getChildText('text')).toBe('happy');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(heardByDeaf).toHaveLength(0);
  });

  it('a contact who comes online later gets the last item on presence', async () => {
    const alice = await signIn('alice', 'last');
    await alice.iqCaller.request(publishIq(NODE, 'current', mood('sleepy')));
    const bob = await signIn('bob', 'later');
    const last = nextStanza(bob, isEvent(NODE));
    await online(bob, [`${NODE}+notify`, 'urn:example:later']);
    const event = await last;
    expect(event.getChild('event', EVENT).getChild('items').getChild('item').getChild('mood', NODE).getChildText('text')).toBe('sleepy');
  });

  it('a new contact gets the last item when the owner approves the subscription', async () => {
    const alice = await signIn('alice', 'approves');
    await online(alice, []);
    await alice.iqCaller.request(publishIq(NODE, 'current', mood('welcoming')));
    const dave = await signIn('dave', 'new');
    await online(dave, [`${NODE}+notify`, 'urn:example:dave']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const last = nextStanza(dave, isEvent(NODE));
    await dave.send(xml('presence', { to: 'alice@localhost', type: 'subscribe' }));
    await nextStanza(alice, (stanza: any) => stanza.is('presence') && stanza.attrs.type === 'subscribe');
    await alice.send(xml('presence', { to: 'dave@localhost', type: 'subscribed' }));
    const event = await last;
    expect(event.getChild('event', EVENT).getChild('items').getChild('item').getChild('mood', NODE).getChildText('text')).toBe('welcoming');
  });

  it('publish-options that the existing node does not meet are a precondition-not-met conflict', async () => {
    const alice = await signIn('alice', 'options');
    await alice.iqCaller.request(publishIq('urn:example:prefs', 'a', xml('prefs', { xmlns: 'urn:example:prefs' }), { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max' }));
    // The same options again are met ("max" is the node's maximum).
    await alice.iqCaller.request(publishIq('urn:example:prefs', 'b', xml('prefs', { xmlns: 'urn:example:prefs' }), { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max' }));
    const refused = publishIq('urn:example:prefs', 'c', xml('prefs', { xmlns: 'urn:example:prefs' }), { 'pubsub#access_model': 'open' });
    expect(await appCondition(alice, refused)).toEqual(['conflict', 'precondition-not-met']);
    expect(await appCondition(alice, publishIq('urn:example:prefs', 'c', xml('x', { xmlns: 'urn:example:prefs' }), { 'pubsub#unknown_option': '1' })))
      .toEqual(['conflict', 'precondition-not-met']);
    // A new node fails the same way, and is not made.
    expect(await appCondition(alice, publishIq('urn:example:fresh', '1', xml('x', { xmlns: 'urn:example:fresh' }), { 'pubsub#access_model': 'roster' })))
      .toEqual(['conflict', 'precondition-not-met']);
    expect(await appCondition(alice, itemsIq('alice@localhost', 'urn:example:fresh'))).toEqual(['item-not-found']);
    // After reconfiguring the node, the publish goes through.
    const form = await alice.iqCaller.get(xml('pubsub', { xmlns: OWNER }, xml('configure', { node: 'urn:example:prefs' })));
    const fields = form.getChild('configure').getChild('x', 'jabber:x:data').getChildren('field');
    expect(fields.find((f: any) => f.attrs.var === 'pubsub#access_model').getChildText('value')).toBe('whitelist');
    expect(fields.find((f: any) => f.attrs.var === 'pubsub#max_items').getChildText('value')).toBe('1000');
    await alice.iqCaller.set(xml('pubsub', { xmlns: OWNER }, xml('configure', { node: 'urn:example:prefs' },
      xml('x', { xmlns: 'jabber:x:data', type: 'submit' }, xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'open'))))));
    expect(await appCondition(alice, refused)).toEqual(['result']);
  });

  it('access models: presence nodes for contacts, open nodes for anyone, whitelist nodes for the owner', async () => {
    const alice = await signIn('alice', 'access');
    const bob = await signIn('bob', 'access');
    const carol = await signIn('carol', 'access');
    await alice.iqCaller.request(publishIq('urn:example:presence', '1', xml('p', { xmlns: 'urn:example:presence' })));
    await alice.iqCaller.request(publishIq('urn:example:open', '1', xml('o', { xmlns: 'urn:example:open' }), { 'pubsub#access_model': 'open' }));
    await alice.iqCaller.request(publishIq('urn:example:secret', '1', xml('s', { xmlns: 'urn:example:secret' }), { 'pubsub#access_model': 'whitelist' }));
    const read = async (client: XmppClient, node: string) => appCondition(client, itemsIq('alice@localhost', node));
    expect(await read(bob, 'urn:example:presence')).toEqual(['result']);
    expect(await read(carol, 'urn:example:presence')).toEqual(['not-authorized', 'presence-subscription-required']);
    expect(await read(carol, 'urn:example:open')).toEqual(['result']);
    expect(await read(bob, 'urn:example:secret')).toEqual(['not-allowed', 'closed-node']);
    expect(await read(alice, 'urn:example:secret')).toEqual(['result']);
    expect(await read(bob, 'urn:example:none')).toEqual(['item-not-found']);
    // disco#items of the bare JID lists the nodes the requester may read.
    const listed = async (client: XmppClient) => (await client.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }), 'alice@localhost'))
      .getChildren('item').map((item: any) => item.attrs.node);
    expect(await listed(carol)).toContain('urn:example:open');
    expect(await listed(carol)).not.toContain('urn:example:presence');
    expect(await listed(bob)).toEqual(expect.arrayContaining(['urn:example:open', 'urn:example:presence']));
    expect(await listed(bob)).not.toContain('urn:example:secret');
    expect(await listed(alice)).toContain('urn:example:secret');
    const intrusion = xml('iq', { type: 'set', to: 'alice@localhost' },
      xml('pubsub', { xmlns: PUBSUB }, xml('publish', { node: 'urn:example:open' }, xml('item', {}, xml('o', { xmlns: 'urn:example:open' })))));
    expect(await iqError(carol, intrusion)).toBe('forbidden');
  });

  it('items are retracted and nodes deleted, with notifications', async () => {
    const one = await signIn('alice', 'retract-one');
    const two = await signIn('alice', 'retract-two');
    await online(two, ['urn:example:list+notify']);
    await online(one, []);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const options = { 'pubsub#max_items': '10' };
    await one.iqCaller.request(publishIq('urn:example:list', 'x', xml('entry', { xmlns: 'urn:example:list' }), options));
    await one.iqCaller.request(publishIq('urn:example:list', 'y', xml('entry', { xmlns: 'urn:example:list' }), options));
    const items = await one.iqCaller.request(itemsIq('alice@localhost', 'urn:example:list'));
    expect(items.getChild('pubsub', PUBSUB).getChild('items').getChildren('item').map((i: any) => i.attrs.id)).toEqual(['x', 'y']);
    const retracted = nextStanza(two, (stanza: any) => Boolean(isEvent('urn:example:list')(stanza) && stanza.getChild('event', EVENT).getChild('items').getChild('retract')));
    await one.iqCaller.set(xml('pubsub', { xmlns: PUBSUB }, xml('retract', { node: 'urn:example:list', notify: 'true' }, xml('item', { id: 'x' }))));
    expect((await retracted).getChild('event', EVENT).getChild('items').getChild('retract').attrs.id).toBe('x');
    const deleted = nextStanza(two, (stanza: any) => stanza.getChild('event', EVENT)?.getChild('delete')?.attrs.node === 'urn:example:list');
    await one.iqCaller.set(xml('pubsub', { xmlns: OWNER }, xml('delete', { node: 'urn:example:list' })));
    await deleted;
    expect(await appCondition(one, itemsIq('alice@localhost', 'urn:example:list'))).toEqual(['item-not-found']);
  });
});

describe('bookmarks (XEP-0402 with XEP-0411)', () => {
  it('a PEP bookmark shows in private storage, and a private-storage bookmark in PEP', async () => {
    const alice = await signIn('alice', 'bookmarks');
    await alice.iqCaller.request(publishIq('urn:xmpp:bookmarks:1', 'room@conference.localhost',
      xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'The room', autojoin: 'true' }, xml('nick', {}, 'ali')),
      { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max', 'pubsub#send_last_published_item': 'never', 'pubsub#persist_items': 'true' }));
    const privately = await alice.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
    const conference = privately.getChild('storage', 'storage:bookmarks').getChild('conference');
    expect(conference.attrs).toMatchObject({ jid: 'room@conference.localhost', name: 'The room', autojoin: 'true' });
    expect(conference.getChildText('nick')).toBe('ali');

    await alice.iqCaller.set(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: 'other@conference.localhost', name: 'Other', autojoin: '1' }, xml('nick', {}, 'alice')),
      xml('url', { name: 'site', url: 'https://example.org' }))));
    const items = await alice.iqCaller.request(itemsIq('alice@localhost', 'urn:xmpp:bookmarks:1'));
    const list = items.getChild('pubsub', PUBSUB).getChild('items').getChildren('item');
    expect(list.map((i: any) => i.attrs.id)).toEqual(['other@conference.localhost']);
    expect(list[0].getChild('conference', 'urn:xmpp:bookmarks:1').attrs).toMatchObject({ name: 'Other', autojoin: 'true' });
  });
});

describe('bookmarks (XEP-0402 with XEP-0048 on PEP, #compat-pep)', () => {
  const legacyItem = async (client: XmppClient) => {
    const items = await client.iqCaller.request(itemsIq('dave@localhost', 'storage:bookmarks'));
    return items.getChild('pubsub', PUBSUB).getChild('items').getChildren('item');
  };

  it('a XEP-0402 bookmark shows in the storage:bookmarks PEP node, and a list published there in XEP-0402 and private XML', async () => {
    const dave = await signIn('dave', 'bookmarks');
    await dave.iqCaller.request(publishIq('urn:xmpp:bookmarks:1', 'native@conference.localhost',
      xml('conference', { xmlns: 'urn:xmpp:bookmarks:1', name: 'Native', autojoin: 'true' }, xml('nick', {}, 'dave')),
      { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': 'max', 'pubsub#persist_items': 'true' }));
    const [current] = await legacyItem(dave);
    expect(current.attrs.id).toBe('current');
    const conference = current.getChild('storage', 'storage:bookmarks').getChild('conference');
    expect(conference.attrs).toMatchObject({ jid: 'native@conference.localhost', name: 'Native', autojoin: 'true' });
    expect(conference.getChildText('nick')).toBe('dave');

    await dave.iqCaller.request(publishIq('storage:bookmarks', 'current', xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: 'legacy@conference.localhost', name: 'Legacy', autojoin: 'false' }, xml('nick', {}, 'dv'))),
    { 'pubsub#access_model': 'whitelist', 'pubsub#persist_items': 'true' }));
    const items = await dave.iqCaller.request(itemsIq('dave@localhost', 'urn:xmpp:bookmarks:1'));
    const list = items.getChild('pubsub', PUBSUB).getChild('items').getChildren('item');
    expect(list.map((i: any) => i.attrs.id)).toEqual(['legacy@conference.localhost']);
    expect(list[0].getChild('conference', 'urn:xmpp:bookmarks:1').attrs).toMatchObject({ name: 'Legacy', autojoin: 'false' });
    const privately = await dave.iqCaller.get(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' })));
    const rooms = privately.getChild('storage', 'storage:bookmarks').getChildren('conference');
    expect(rooms.map((room: any) => room.attrs.jid)).toEqual(['legacy@conference.localhost']);
  });

  it('a list stored in private XML reaches the storage:bookmarks PEP node too', async () => {
    const dave = await signIn('dave', 'private');
    await dave.iqCaller.set(xml('query', { xmlns: 'jabber:iq:private' }, xml('storage', { xmlns: 'storage:bookmarks' },
      xml('conference', { jid: 'private@conference.localhost', name: 'Private', autojoin: '1' }))));
    const [current] = await legacyItem(dave);
    const rooms = current.getChild('storage', 'storage:bookmarks').getChildren('conference');
    expect(rooms.map((room: any) => [room.attrs.jid, room.attrs.autojoin])).toEqual([['private@conference.localhost', 'true']]);
  });
});

describe('server caps (XEP-0115) and contact addresses (XEP-0157)', () => {
  it('the stream features carry the server\'s caps, whose node answers with the domain\'s disco#info', async () => {
    const host = server.server.context.hosts.get('localhost')!;
    const caps = server.server.context.streamExtensions.features(host).find((f) => f.is('c', 'http://jabber.org/protocol/caps'))!;
    expect(caps.attrs.hash).toBe('sha-1');
    const alice = await signIn('alice', 'caps');
    const info = await alice.iqCaller.get(xml('query', { xmlns: DISCO_INFO, node: `${caps.attrs.node}#${caps.attrs.ver}` }), 'localhost');
    const { discoInfoParts } = await import('../../server/modules/caps/verification.js');
    expect(capsVerification(discoInfoParts(info)!)).toBe(caps.attrs.ver);
  });

  it('the domains\' disco#info hold the serverinfo form with the configured addresses', async () => {
    const alice = await signIn('alice', 'contact');
    const info = await alice.iqCaller.get(xml('query', { xmlns: DISCO_INFO }), 'localhost');
    const form = info.getChildren('x', 'jabber:x:data').find((x: any) => x.getChildren('field').some((f: any) => f.getChildText('value') === 'http://jabber.org/network/serverinfo'));
    const field = (name: string) => form.getChildren('field').find((f: any) => f.attrs.var === name)?.getChildren('value').map((v: any) => v.getText());
    expect(field('admin-addresses')).toEqual(['xmpp:admin@localhost']);
    expect(field('abuse-addresses')).toEqual(['mailto:abuse@example.org']);
    expect(field('support-addresses')).toBeUndefined();
  });
});
