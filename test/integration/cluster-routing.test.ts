import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { REDIS_TEST_URL } from '../helpers/redis.js';
import type { TestServer } from '../helpers/server.js';
import { parseJid } from '../../server/jid/jid.js';

/**
 * Three in-process nodes on the machine's Redis, real @xmpp/client clients spread over them:
 * RFC 6121 delivery, presence, carbons and roster pushes behave as on one node. Each node has
 * its own SQLite, so roster items that the shared PostgreSQL will hold are written to every
 * node's storage here (befriend).
 */
const ROSTER = 'jabber:iq:roster';
const CARBONS = 'urn:xmpp:carbons:2';

let cluster: TestCluster;
let a: TestServer;
let b: TestServer;
let c: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  cluster = await startTestCluster(['node-a', 'node-b', 'node-c'], { server: { auth: 'insecure' } });
  [a, b, c] = cluster.nodes as [TestServer, TestServer, TestServer];
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await cluster?.stop();
});

/** Signs in on a node (auth is insecure: SCRAM takes "password" for anyone), fetches the roster, optionally goes online. */
async function signIn(node: TestServer, username: string, resource: string, presence: ReturnType<typeof xml> | null = xml('presence')): Promise<XmppClient> {
  const client = await connectClient({ port: node.c2sPort, username, password: 'password', resource });
  open.push(client);
  await client.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })));
  if (presence) {
    const echoed = nextStanza(client, (s) => s.is('presence') && s.attrs.from === client.jid!.toString());
    await client.send(presence);
    await echoed;
  }
  return client;
}

/** Waits until every node's registry shows the resource as the test needs it (the directory is asynchronous). */
async function everywhere(full: string, check: (session: { available: boolean; priority: number } | undefined) => boolean = (s) => s?.available === true): Promise<void> {
  const jid = parseJid(full);
  for (const node of cluster.nodes) {
    await expect.poll(() => check(node.server.context.sessions.get(jid)), { timeout: 5_000 }).toBe(true);
  }
}

function befriend(x: string, y: string): void {
  for (const node of cluster.nodes) {
    const rosters = node.server.context.storage.rosters;
    rosters.putItem(`${x}@localhost`, { jid: `${y}@localhost`, subscription: 'both', groups: [] });
    rosters.putItem(`${y}@localhost`, { jid: `${x}@localhost`, subscription: 'both', groups: [] });
  }
}

function presenceFrom(from: string, type?: string) {
  return (s: any) => s.is('presence') && s.attrs.from === from && s.attrs.type === type;
}

const body = (text: string) => (s: any) => s.is('message') && s.getChildText('body') === text;

describe('one server over three nodes (Redis)', () => {
  it('a message reaches a user on another node, by full JID and by bare JID (RFC 6121 §8.5)', async () => {
    const alice = await signIn(a, 'alice', 'laptop');
    const bobPhone = await signIn(b, 'bob', 'phone');
    const bobDesk = await signIn(c, 'bob', 'desk', xml('presence', {}, xml('priority', {}, '-1')));
    await everywhere('bob@localhost/phone');
    await everywhere('bob@localhost/desk', (s) => s?.priority === -1);

    const direct = nextStanza(bobDesk, body('to the desk'));
    await alice.send(xml('message', { to: 'bob@localhost/desk', type: 'chat' }, xml('body', {}, 'to the desk')));
    expect((await direct).attrs.from).toBe('alice@localhost/laptop');

    // To the bare JID: the resource with a negative priority is left out (§8.5.2.1.1).
    const toBare = nextStanza(bobPhone, body('to bob'));
    let deskGotIt = false;
    bobDesk.on('stanza', (s: any) => { if (body('to bob')(s)) deskGotIt = true; });
    await alice.send(xml('message', { to: 'bob@localhost', type: 'chat' }, xml('body', {}, 'to bob')));
    await toBare;
    // The phone's answer travels back over the same node channels; the desk saw nothing meanwhile.
    const answer = nextStanza(alice, body('got it'));
    await bobPhone.send(xml('message', { to: 'alice@localhost/laptop', type: 'chat' }, xml('body', {}, 'got it')));
    await answer;
    expect(deskGotIt).toBe(false);

    // Many messages in a row from one node to a session on another keep their order.
    const received: string[] = [];
    const allIn = new Promise<void>((resolve) => bobPhone.on('stanza', (s: any) => {
      const text = s.is('message') ? s.getChildText('body') : null;
      if (text?.startsWith('n')) received.push(text);
      if (received.length === 50) resolve();
    }));
    for (let i = 0; i < 50; i++) alice.send(xml('message', { to: 'bob@localhost/phone', type: 'chat' }, xml('body', {}, `n${i}`)));
    await allIn;
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`));
  });

  it('an iq goes to a resource on another node and its answer comes back; one to a vanished resource bounces', async () => {
    const carl = await signIn(a, 'carl', 'one');
    const dora = await signIn(b, 'dora', 'two');
    dora.iqCallee.get('urn:example:cluster', 'query', () => xml('query', { xmlns: 'urn:example:cluster' }, 'from node b'));
    await everywhere('dora@localhost/two');
    const result = await carl.iqCaller.request(xml('iq', { type: 'get', to: 'dora@localhost/two' }, xml('query', { xmlns: 'urn:example:cluster' })));
    expect(result.getChildText('query', 'urn:example:cluster')).toBe('from node b');

    await dora.stop();
    await everywhere('dora@localhost/two', (s) => s === undefined);
    await expect(carl.iqCaller.request(xml('iq', { type: 'get', to: 'dora@localhost/two' }, xml('query', { xmlns: 'urn:example:cluster' }))))
      .rejects.toMatchObject({ condition: 'service-unavailable' });
  });

  it('directed presence reaches another node, and the recipient hears the sender go away', async () => {
    const erin = await signIn(a, 'erin', 'web');
    const fred = await signIn(c, 'fred', 'tcp');
    await everywhere('fred@localhost/tcp');
    const shown = nextStanza(fred, presenceFrom('erin@localhost/web'));
    await erin.send(xml('presence', { to: 'fred@localhost/tcp' }, xml('status', {}, 'just for you')));
    expect((await shown).getChildText('status')).toBe('just for you');

    const gone = nextStanza(fred, presenceFrom('erin@localhost/web', 'unavailable'));
    await erin.stop();
    await gone;
  });

  it('contacts on different nodes see each other come and go: broadcast and probe answers', async () => {
    befriend('gina', 'hank');
    const hank = await signIn(b, 'hank', 'home', xml('presence', {}, xml('show', {}, 'dnd')));
    await everywhere('hank@localhost/home');
    // Gina's initial presence probes Hank (answered on her node from his replicated presence)
    // and reaches Hank on his node.
    const gina = await connectClient({ port: a.c2sPort, username: 'gina', password: 'password', resource: 'work' });
    open.push(gina);
    await gina.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: ROSTER })));
    const probeAnswer = nextStanza(gina, presenceFrom('hank@localhost/home'));
    const hankSees = nextStanza(hank, presenceFrom('gina@localhost/work'));
    await gina.send(xml('presence'));
    expect((await probeAnswer).getChildText('show')).toBe('dnd');
    await hankSees;

    const away = nextStanza(gina, (s: any) => presenceFrom('hank@localhost/home')(s) && s.getChildText('show') === 'away');
    await hank.send(xml('presence', {}, xml('show', {}, 'away')));
    await away;
    const offline = nextStanza(gina, presenceFrom('hank@localhost/home', 'unavailable'));
    await hank.send(xml('presence', { type: 'unavailable' }));
    await offline;
  });

  it('carbons: two resources of one account on two nodes get copies of what the other sends and receives (XEP-0280)', async () => {
    const one = await signIn(a, 'iris', 'one');
    const two = await signIn(b, 'iris', 'two');
    const jack = await signIn(c, 'jack', 'pc');
    for (const client of [one, two]) await client.iqCaller.request(xml('iq', { type: 'set' }, xml('enable', { xmlns: CARBONS })));
    for (const node of cluster.nodes) {
      await expect.poll(() => ['one', 'two'].every((r) => (node.server.context.sessions.get(parseJid(`iris@localhost/${r}`)) as any)?.sharedState()['carbons enabled'] === true), { timeout: 5_000 }).toBe(true);
    }
    await everywhere('jack@localhost/pc');

    const received = nextStanza(two, (s: any) => s.is('message') && s.getChild('received', CARBONS) !== undefined);
    await jack.send(xml('message', { to: 'iris@localhost/one', type: 'chat' }, xml('body', {}, 'hello one')));
    const copy = (await received).getChild('received', CARBONS).getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(copy.attrs.to).toBe('iris@localhost/one');
    expect(copy.getChildText('body')).toBe('hello one');

    const sent = nextStanza(one, (s: any) => s.is('message') && s.getChild('sent', CARBONS) !== undefined);
    await two.send(xml('message', { to: 'jack@localhost', type: 'chat' }, xml('body', {}, 'from two')));
    const sentCopy = (await sent).getChild('sent', CARBONS).getChild('forwarded', 'urn:xmpp:forward:0').getChild('message');
    expect(sentCopy.getChildText('body')).toBe('from two');
  });

  it('a roster change made on one node is pushed to the resource on another (RFC 6121 §2.1.6)', async () => {
    const one = await signIn(a, 'kate', 'one');
    const two = await signIn(c, 'kate', 'two');
    await everywhere('kate@localhost/two', (s) => (s as any)?.interestedInRoster === true);
    const push = nextStanza(two, (s: any) => s.is('iq') && s.attrs.type === 'set' && s.getChild('query', ROSTER)?.getChild('item')?.attrs.jid === 'liam@localhost');
    await one.iqCaller.request(xml('iq', { type: 'set' }, xml('query', { xmlns: ROSTER }, xml('item', { jid: 'liam@localhost', name: 'Liam' }))));
    const item = (await push).getChild('query', ROSTER).getChild('item');
    expect(item.attrs.name).toBe('Liam');
  });

  it('a resource bound again on another node replaces the first connection (conflict)', async () => {
    const first = await signIn(a, 'mona', 'same');
    first.reconnect.stop();
    await everywhere('mona@localhost/same');
    const conflict = new Promise<string>((resolve) => first.on('error', (error: any) => resolve(String(error.condition))));
    const second = await signIn(b, 'mona', 'same');
    expect(await conflict).toBe('conflict');
    await everywhere('mona@localhost/same', (s) => s?.available === true && a.server.context.sessions.get(parseJid('mona@localhost/same')) !== undefined);
    const reached = nextStanza(second, body('to the second'));
    const ned = await signIn(c, 'ned', 'x');
    await ned.send(xml('message', { to: 'mona@localhost/same', type: 'chat' }, xml('body', {}, 'to the second')));
    await reached;
  });

  it('a one-to-one message to a user on another node costs one Redis message', async () => {
    const vera = await signIn(a, 'vera', 'a');
    const walt = await signIn(b, 'walt', 'b');
    await everywhere('walt@localhost/b');
    const watcher = new Redis(REDIS_TEST_URL);
    try {
      const published: string[] = [];
      watcher.on('pmessage', (_pattern: string, channel: string) => published.push(channel));
      await watcher.psubscribe(`${cluster.prefix}*`);
      const reached = nextStanza(walt, body('counted'));
      await vera.send(xml('message', { to: 'walt@localhost', type: 'chat' }, xml('body', {}, 'counted')));
      await reached;
      // Anything else would have been published by now: the ping's answer comes back over the same connection.
      await vera.iqCaller.request(xml('iq', { type: 'get', to: 'localhost' }, xml('ping', { xmlns: 'urn:xmpp:ping' })));
      expect(published).toEqual([`${cluster.prefix}inbox:${b.server.cluster!.member}`]);
    } finally {
      watcher.disconnect();
    }
  });

  it('a chat message to a user whose only, not yet available, session is on another node bounces instead of waiting on the wrong node', async () => {
    const xena = await signIn(a, 'xena', 'a');
    await signIn(c, 'yuri', 'c', null);
    await everywhere('yuri@localhost/c', (s) => s !== undefined);
    const bounced = nextStanza(xena, (s: any) => s.is('message') && s.attrs.type === 'error');
    await xena.send(xml('message', { to: 'yuri@localhost', type: 'chat' }, xml('body', {}, 'early')));
    expect((await bounced).getChild('error').getChild('service-unavailable')).toBeDefined();
  });

  it('a node whose Redis connections drop (and whose entries Redis lost) reconnects, writes its sessions again and keeps routing', async () => {
    const zack = await signIn(b, 'zack', 'b');
    const abby = await signIn(a, 'abby', 'a');
    await everywhere('zack@localhost/b');
    const member = b.server.cluster!.member;
    const hash = `${cluster.prefix}sessions:${member}`;
    const admin = new Redis(REDIS_TEST_URL);
    try {
      const clients = (await admin.client('LIST') as string).split('\n').filter((line) => line.includes(` name=palaver:${member}`));
      expect(clients).toHaveLength(2);
      // As if Redis had restarted empty: the connections drop and the node's entries are gone.
      await admin.del(hash);
      for (const line of clients) await admin.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]!);
      await expect.poll(() => admin.hexists(hash, 'zack@localhost/b'), { timeout: 5_000 }).toBe(1);
    } finally {
      admin.disconnect();
    }
    const reached = nextStanza(zack, body('after the outage'));
    await abby.send(xml('message', { to: 'zack@localhost/b', type: 'chat' }, xml('body', {}, 'after the outage')));
    await reached;
    const back = nextStanza(abby, body('and back'));
    await zack.send(xml('message', { to: 'abby@localhost/a', type: 'chat' }, xml('body', {}, 'and back')));
    await back;
  });

  it('garbage on a node\'s channels is dropped and the node keeps working', async () => {
    const redis = new Redis(REDIS_TEST_URL);
    try {
      const member = b.server.cluster!.member;
      for (const junk of ['', 'S\nx', 'S\nid\nbob@localhost/phone\n<message', 'C\nid\nnot a jid\n', 'X\n1\n2\n3', 'S\nid\nbob@localhost/phone\n<stream:stream>']) {
        await redis.publish(`${cluster.prefix}inbox:${member}`, junk);
      }
      for (const junk of ['{', '[]', '{"m":"x","q":1,"op":"put","j":"no@jid","r":"{}"}', '{"m":"x","q":"1","op":"del","j":"a"}']) {
        await redis.publish(`${cluster.prefix}directory`, junk);
      }
    } finally {
      redis.disconnect();
    }
    const logged = () => cluster.logOf(b).join('');
    await expect.poll(() => (logged().match(/not a frame|does not parse/g) ?? []).length, { timeout: 5_000 }).toBe(6);
    for (const node of cluster.nodes) {
      await expect.poll(() => (cluster.logOf(node).join('').match(/directory message that does not read|session record that does not read/g) ?? []).length, { timeout: 5_000 }).toBe(4);
    }
    const olga = await signIn(a, 'olga', 'a');
    const pete = await signIn(b, 'pete', 'b');
    await everywhere('pete@localhost/b');
    const reached = nextStanza(pete, body('still here'));
    await olga.send(xml('message', { to: 'pete@localhost/b', type: 'chat' }, xml('body', {}, 'still here')));
    await reached;
  });
});
