import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import { startTestCluster, type NodeProcess, type TestCluster } from '../helpers/cluster.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { httpRequest } from '../helpers/web.js';

/**
 * Uploads on a cluster whose storage is PostgreSQL, behind round-robin nginx: a slot handed
 * out by one node is PUT through another and fetched through any, at once (no wait for the
 * nodes' copies of the records to catch up), and the bytes outlive the node that received
 * them (kill -9; a child process running the built server, dist/).
 */
const UPLOAD = 'urn:xmpp:http:upload:0';

let database: TestDatabase;
let cluster: TestCluster;
let a: TestServer;
let b: TestServer;
let victim: NodeProcess;
let nginx: Nginx;
const clients: XmppClient[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  cluster = await startTestCluster(['node-a', 'node-b'], { storage: { backend: 'postgres', url: database.url } });
  [a, b] = cluster.nodes as [TestServer, TestServer];
  victim = await cluster.spawnNode('victim');
  nginx = await startNginx({ http: [a.httpPort, b.httpPort, victim.httpPort] });
}, 60_000);
afterAll(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop().catch(() => {})));
  await nginx?.stop();
  await cluster?.stop();
  await database?.drop();
});

interface Slot { put: string; get: string; authorization: string }

/** A guest on node a asks for a slot; the URLs are given as paths, to be sent to any node. */
async function slotFor(size: number): Promise<Slot> {
  const client = await connectClient({ port: a.c2sPort });
  clients.push(client);
  const reply = await client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: UPLOAD, filename: 'photo.jpg', size: String(size), 'content-type': 'image/jpeg' })));
  const slot = reply.getChild('slot', UPLOAD);
  const pathOf = (url: string) => { const parsed = new URL(url); return parsed.pathname + parsed.search; };
  return {
    put: pathOf(slot.getChild('put').attrs.url),
    get: pathOf(slot.getChild('get').attrs.url),
    authorization: slot.getChild('put').getChild('header').getText(),
  };
}

const base = (port: number) => `http://127.0.0.1:${port}`;

async function download(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(base(port) + path, { headers });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('uploads across nodes (PostgreSQL)', () => {
  it('a slot from one node, PUT through another, is served at once by every node and survives kill -9 of the node that received it', async () => {
    const bytes = randomBytes(700_000); // several chunks
    const slot = await slotFor(bytes.length);
    const stored = await fetch(base(victim.httpPort) + slot.put, {
      method: 'PUT', body: bytes, headers: { Authorization: slot.authorization, 'Content-Type': 'image/jpeg' },
    });
    expect(stored.status).toBe(201);

    const fromB = await download(b.httpPort, slot.get);
    expect(fromB.status).toBe(200);
    expect(fromB.bytes.equals(bytes)).toBe(true);
    for (let i = 0; i < 3; i++) {
      const viaNginx = await download(nginx.httpPort, slot.get);
      expect(viaNginx.status).toBe(200);
      expect(viaNginx.bytes.equals(bytes)).toBe(true);
    }

    await victim.kill();
    for (const node of [a, b]) {
      const survivor = await download(node.httpPort, slot.get);
      expect(survivor.status).toBe(200);
      expect(survivor.bytes.equals(bytes)).toBe(true);
    }
    const range = await download(a.httpPort, slot.get, { Range: 'bytes=262000-262999' });
    expect(range.status).toBe(206);
    expect(range.bytes.equals(bytes.subarray(262_000, 263_000))).toBe(true);
    const head = await fetch(base(b.httpPort) + slot.get, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    const etag = head.headers.get('etag')!;
    // Not fetch(): with a conditional header it adds Cache-Control: no-cache, which asks for the whole file.
    expect((await httpRequest(base(a.httpPort) + slot.get, { headers: { 'If-None-Match': etag } })).status).toBe(304);
    // The slot is used: a second PUT, through whichever node, is refused.
    const again = await fetch(base(b.httpPort) + slot.put, { method: 'PUT', body: bytes, headers: { Authorization: slot.authorization, 'Content-Type': 'image/jpeg' } });
    expect(again.status).toBe(409);
  });

  it('PUT and GET through nginx land on whichever node, and still meet', async () => {
    for (let i = 0; i < 3; i++) {
      const bytes = randomBytes(10_000 + i);
      const slot = await slotFor(bytes.length);
      const stored = await fetch(base(nginx.httpPort) + slot.put, {
        method: 'PUT', body: bytes, headers: { Authorization: slot.authorization, 'Content-Type': 'image/jpeg' },
      });
      expect(stored.status).toBe(201);
      const fetched = await download(nginx.httpPort, slot.get);
      expect(fetched.status).toBe(200);
      expect(fetched.bytes.equals(bytes)).toBe(true);
    }
  });
});
