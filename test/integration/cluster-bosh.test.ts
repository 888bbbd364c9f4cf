import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import http from 'node:http';
import { HTTPBIND, RawBosh } from '../helpers/web.js';
import { $msg, connectAnonymously, disconnected, nextMessageBody } from '../helpers/strophe.js';
import { parseJid } from '../../server/jid/jid.js';

/**
 * BOSH behind a plain round-robin nginx in front of three nodes (no sticky sessions): every
 * request of a session lands on the next node, and the node that holds the session answers it.
 * The kill -9 case runs the built server (dist/) in a child process.
 */
let cluster: TestCluster;
let nginx: Nginx;
let url: string;

beforeAll(async () => {
  cluster = await startTestCluster(['node-a', 'node-b', 'node-c']);
  nginx = await startNginx({ http: cluster.nodes.map((node) => node.httpPort) });
  url = `http://127.0.0.1:${nginx.httpPort}/http-bind`;
});
afterAll(async () => {
  await nginx?.stop();
  await cluster?.stop();
});

/** Waits until every node knows the session (the directory is asynchronous). */
async function everywhere(full: string): Promise<void> {
  const jid = parseJid(full);
  for (const node of cluster.nodes) {
    await expect.poll(() => node.server.context.sessions.get(jid) !== undefined, { timeout: 5_000 }).toBe(true);
  }
}

describe('BOSH across nodes behind round-robin nginx', () => {
  it('two Strophe.js guests sign in and exchange messages while their requests go round the nodes', async () => {
    const before = nginx.upstreams().length;
    const alice = await connectAnonymously(url);
    const bob = await connectAnonymously(url);
    await everywhere(alice.jid);
    await everywhere(bob.jid);

    for (let round = 0; round < 3; round++) {
      const atBob = nextMessageBody(bob);
      alice.send($msg({ to: bob.jid, type: 'chat' }).c('body').t(`ping ${round}`));
      expect(await atBob).toBe(`ping ${round}`);
      const atAlice = nextMessageBody(alice);
      bob.send($msg({ to: alice.jid, type: 'chat' }).c('body').t(`pong ${round}`));
      expect(await atAlice).toBe(`pong ${round}`);
    }
    // Every node answered some of these requests: sessions were reached from nodes that do not hold them.
    expect(new Set(nginx.upstreams().slice(before)).size).toBe(3);

    await disconnected(alice);
    await disconnected(bob);
  });

  it('a request held for a session on another node is answered by the owner when a message arrives', async () => {
    const bosh = new RawBosh(url);
    const jid = await bosh.signIn();
    await everywhere(jid);
    const peer = new RawBosh(url);
    const peerJid = await peer.signIn({ wait: '1' });
    await everywhere(peerJid);

    const started = Date.now();
    const held = bosh.send();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The peer's own request is held in turn (hold 1): not awaited.
    const sent = peer.send(`<message xmlns='jabber:client' to='${jid}' type='chat'><body>while you wait</body></message>`);
    const answer = await held;
    expect(answer.getChild('message')?.getChildText('body')).toBe('while you wait');
    expect(Date.now() - started).toBeLessThan(5_000);
    await sent;
  });

  it('an unknown sid, and a sid of a node that is gone, get item-not-found from any node', async () => {
    for (const sid of ['none', 'AAAAAAAAunknown-session-of-nobody', `${'x'.repeat(8)}rest`]) {
      for (let i = 0; i < 3; i++) {
        const bosh = new RawBosh(url);
        bosh.sid = sid;
        const { status, body } = await bosh.post(bosh.rid + 1, '');
        expect(status).toBe(200);
        expect(body.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
      }
    }
  });

  it('a session made on one node ends on a terminate sent through another', async () => {
    const bosh = new RawBosh(url);
    const jid = await bosh.signIn();
    await everywhere(jid);
    const reply = await bosh.send('', { type: 'terminate' });
    expect(reply.attrs.type).toBe('terminate');
    for (const node of cluster.nodes) {
      await expect.poll(() => node.server.context.sessions.get(parseJid(jid)), { timeout: 5_000 }).toBeUndefined();
    }
  });

  it('a client that gives up on a request passed to another node loses nothing: the owner stops holding it', async () => {
    const [owner, relay, other] = cluster.nodes.map((node) => `${node.httpUrl}/http-bind`) as [string, string, string];
    const bosh = new RawBosh(owner);
    const jid = await bosh.signIn();
    const peer = new RawBosh(owner);
    await peer.signIn();
    await everywhere(jid);

    // A held request through another node, abandoned by its client.
    bosh.rid += 1;
    const abandoned = http.request(relay, { method: 'POST', agent: false, headers: { 'content-type': 'text/xml' } });
    abandoned.on('error', () => {});
    abandoned.end(`<body xmlns='${HTTPBIND}' rid='${bosh.rid}' sid='${bosh.sid}'/>`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abandoned.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));

    void peer.send(`<message xmlns='jabber:client' to='${jid}' type='chat'><body>not lost</body></message>`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = new RawBosh(other);
    Object.assign(next, { sid: bosh.sid, rid: bosh.rid });
    const answer = await next.send();
    expect(answer.getChild('message')?.getChildText('body')).toBe('not lost');
  });

  it('after kill -9 of the node holding a session, its next request through a survivor gets item-not-found at once', async () => {
    const doomed = await cluster.spawnNode('doomed');
    const bosh = new RawBosh(`http://127.0.0.1:${doomed.httpPort}/http-bind`);
    await bosh.signIn();
    await doomed.kill();
    const survivor = new RawBosh(`${cluster.nodes[0]!.httpUrl}/http-bind`);
    Object.assign(survivor, { sid: bosh.sid, rid: bosh.rid });
    const started = Date.now();
    const answer = await survivor.send();
    expect(answer.attrs).toMatchObject({ type: 'terminate', condition: 'item-not-found' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
