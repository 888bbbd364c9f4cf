import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, nextStanza, xml, type XmppClient } from '../helpers/clients.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import type { TestServer } from '../helpers/server.js';
import { REDIS_TEST_URL } from '../helpers/redis.js';
import { parseJid } from '../../server/jid/jid.js';

/**
 * A node killed with SIGKILL (a child process running the built server) while two in-process
 * nodes survive: its sessions vanish from the others within 10 s and its users' contacts get
 * unavailable presence once (one survivor announces it), as if the connections had dropped.
 * Then the node is started again under the same name and its users come back.
 */
let cluster: TestCluster;
let a: TestServer;
let b: TestServer;
const open: XmppClient[] = [];

beforeAll(async () => {
  cluster = await startTestCluster(['survivor-a', 'survivor-b'], { server: { auth: 'insecure' } });
  [a, b] = cluster.nodes as [TestServer, TestServer];
});
afterAll(async () => {
  await Promise.all(open.splice(0).map((client) => client.stop().catch(() => {})));
  await cluster?.stop();
});

async function online(port: number, username: string, resource: string): Promise<XmppClient> {
  const client = await connectClient({ port, username, password: 'password', resource });
  client.reconnect.stop();
  open.push(client);
  await client.iqCaller.request(xml('iq', { type: 'get' }, xml('query', { xmlns: 'jabber:iq:roster' })));
  const echoed = nextStanza(client, (s) => s.is('presence') && s.attrs.from === client.jid!.toString());
  await client.send(xml('presence'));
  await echoed;
  return client;
}

/** The roster the shared PostgreSQL will hold, written to each surviving node's SQLite. */
function befriend(x: string, y: string): void {
  for (const node of cluster.nodes) {
    const rosters = node.server.context.storage.rosters;
    rosters.putItem(`${x}@localhost`, { jid: `${y}@localhost`, subscription: 'both', groups: [] });
    rosters.putItem(`${y}@localhost`, { jid: `${x}@localhost`, subscription: 'both', groups: [] });
  }
}

function count(client: XmppClient, predicate: (stanza: any) => boolean): { readonly n: number } {
  const seen = { n: 0 };
  client.on('stanza', (stanza: any) => { if (predicate(stanza)) seen.n += 1; });
  return seen;
}

describe('a node dies and comes back', () => {
  it('kill -9: contacts on the other nodes hear its users go unavailable once, within 10 s; restarted, they come back', async () => {
    befriend('quinn', 'rita');
    befriend('quinn', 'sam');
    const friends: [string, string][] = [['quinn@localhost', 'rita@localhost'], ['quinn@localhost', 'sam@localhost']];
    const victim = await cluster.spawnNode('victim', { friends });
    const rita = await online(a.c2sPort, 'rita', 'a');
    const sam = await online(b.c2sPort, 'sam', 'b');
    const ritaSees = nextStanza(rita, (s) => s.is('presence') && s.attrs.from === 'quinn@localhost/c' && s.attrs.type === undefined);
    const samSees = nextStanza(sam, (s) => s.is('presence') && s.attrs.from === 'quinn@localhost/c' && s.attrs.type === undefined);
    const quinn = await online(victim.c2sPort, 'quinn', 'c');
    await Promise.all([ritaSees, samSees]);
    const quinnJid = parseJid('quinn@localhost/c');
    for (const node of [a, b]) await expect.poll(() => node.server.context.sessions.get(quinnJid)?.available, { timeout: 5_000 }).toBe(true);

    const unavailable = (s: any) => s.is('presence') && s.attrs.from === 'quinn@localhost/c' && s.attrs.type === 'unavailable';
    const ritaCount = count(rita, unavailable);
    const samCount = count(sam, unavailable);
    const disconnected = new Promise<void>((resolve) => quinn.on('disconnect', () => resolve()));
    const killedAt = Date.now();
    await victim.kill();
    await disconnected;

    await expect.poll(() => ritaCount.n + samCount.n === 2, { timeout: 10_000, interval: 100 }).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    for (const node of [a, b]) expect(node.server.context.sessions.get(quinnJid)).toBeUndefined();
    // Both survivors noticed the death; one announced it. Nothing more comes.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect([ritaCount.n, samCount.n]).toEqual([1, 1]);

    // The node starts again under its name (a new member); its users sign in there again.
    const restarted = await cluster.spawnNode('victim', { dataDir: victim.dataDir, friends });
    expect(restarted.member).not.toBe(victim.member);
    const back = nextStanza(rita, (s) => s.is('presence') && s.attrs.from === 'quinn@localhost/c' && s.attrs.type === undefined);
    const again = await online(restarted.c2sPort, 'quinn', 'c');
    await back;
    const reached = nextStanza(again, (s) => s.is('message') && s.getChildText('body') === 'welcome back');
    await rita.send(xml('message', { to: 'quinn@localhost/c', type: 'chat' }, xml('body', {}, 'welcome back')));
    await reached;
  }, 40_000);

  it('a node cut off long enough to be declared dead disconnects its clients, who come back through it', async () => {
    const cut = await cluster.addNode('cut-off');
    befriend('vic', 'wes');
    const wes = await online(a.c2sPort, 'wes', 'a');
    const vic = await online(cut.c2sPort, 'vic', 'x');
    const vicJid = parseJid('vic@localhost/x');
    await expect.poll(() => a.server.context.sessions.get(vicJid)?.available, { timeout: 5_000 }).toBe(true);

    // Its heartbeat keeps disappearing, as if it had not reached Redis for longer than the TTL,
    // until another node declares it dead.
    const offline = nextStanza(wes, (s) => s.is('presence') && s.attrs.from === 'vic@localhost/x' && s.attrs.type === 'unavailable', 8_000);
    const reset = new Promise<string>((resolve) => vic.on('error', (error: any) => resolve(String(error.condition))));
    const redis = new Redis(REDIS_TEST_URL);
    const heartbeat = `${cluster.prefix}heartbeat:${cut.server.cluster!.member}`;
    const cutting = setInterval(() => void redis.del(heartbeat), 50);
    try {
      await offline;
    } finally {
      clearInterval(cutting);
      redis.disconnect();
    }
    expect(await reset).toBe('reset');

    // It is a member again: a client that signs in there is seen and reached.
    const back = nextStanza(wes, (s) => s.is('presence') && s.attrs.from === 'vic@localhost/y' && s.attrs.type === undefined, 8_000);
    const again = await online(cut.c2sPort, 'vic', 'y');
    await back;
    const reached = nextStanza(again, (s) => s.is('message') && s.getChildText('body') === 'you are back');
    await wes.send(xml('message', { to: 'vic@localhost/y', type: 'chat' }, xml('body', {}, 'you are back')));
    await reached;
    await cut.stop();
  }, 30_000);

  it('a node that stops cleanly takes its sessions out of the directory at once', async () => {
    const leaving = await cluster.addNode('leaving');
    await online(leaving.c2sPort, 'tina', 'x');
    const tinaJid = parseJid('tina@localhost/x');
    await expect.poll(() => a.server.context.sessions.get(tinaJid)?.available, { timeout: 5_000 }).toBe(true);
    const member = leaving.server.cluster!.member;
    await leaving.stop();
    await expect.poll(() => a.server.context.sessions.get(tinaJid), { timeout: 2_000 }).toBeUndefined();
    const redis = new Redis(REDIS_TEST_URL);
    try {
      expect(await redis.sismember(`${cluster.prefix}members`, member)).toBe(0);
      expect(await redis.exists(`${cluster.prefix}sessions:${member}`, `${cluster.prefix}heartbeat:${member}`)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
