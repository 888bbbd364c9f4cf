/**
 * XEP-0363 end to end: @xmpp/client asks for slots, fetch PUTs and GETs the files over HTTP.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../server/config/load.js';
import { uploadRoutes, type UploadRoutesOptions } from '../../server/upload/http.js';
import { uploadService } from '../../server/upload/service.js';
import { startTestServer, type TestServer, addAccount } from '../helpers/server.js';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import { signIn } from '../helpers/raw-xmpp.js';

const UPLOAD = 'urn:xmpp:http:upload:0';
const HOUR = 3_600_000;

interface Slot {
  put: string;
  get: string;
  headers: Record<string, string>;
}

/** A Palaver, the base URL of its HTTP listener and its clock. */
interface UploadServer {
  server: TestServer;
  base: string;
  clock: { now: number };
  stop(): Promise<void>;
}

const running: UploadServer[] = [];
const clients: XmppClient[] = [];
const httpServers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.stop().catch(() => undefined)));
});
afterAll(async () => {
  for (const server of running.splice(0)) await server.stop();
  for (const server of httpServers.splice(0)) server.close();
});

/** Serves the upload routes on a loopback port of our own, with a failing disk injected. */
async function ownHttp(server: TestServer, options: UploadRoutesOptions = {}): Promise<string> {
  const app = express().use('/upload', uploadRoutes(server.server.context, options));
  const listener = http.createServer(app);
  httpServers.push(listener);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
}

async function startUploadServer(overrides: ConfigInput = {}, options: { dataDir?: string; clock?: { now: number } } = {}): Promise<UploadServer> {
  const clock = options.clock ?? { now: Date.now() };
  const server = await startTestServer(overrides, { now: () => clock.now, dataDir: options.dataDir });
  const started: UploadServer = { server, base: server.httpUrl, clock, stop: () => server.stop() };
  running.push(started);
  return started;
}

/** Slot URLs are built from [listen].public_url; the test reaches the same paths on its port. */
function local(target: UploadServer, url: string): string {
  const publicUrl = target.server.server.context.config.listen.public_url;
  expect(url.startsWith(`${publicUrl}/upload/`)).toBe(true);
  return target.base + url.slice(publicUrl.length);
}

async function guest(target: UploadServer): Promise<XmppClient> {
  const client = await connectClient({ port: target.server.c2sPort });
  clients.push(client);
  return client;
}

async function requestSlot(target: UploadServer, client: XmppClient, attrs: Record<string, string | number>): Promise<Slot> {
  const reply = await client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: UPLOAD, ...attrs })));
  const slot = reply.getChild('slot', UPLOAD);
  const headers: Record<string, string> = {};
  for (const header of slot.getChild('put').getChildren('header')) headers[header.attrs.name] = header.getText();
  return { put: local(target, slot.getChild('put').attrs.url), get: local(target, slot.getChild('get').attrs.url), headers };
}

/**
 * A fresh guest from `localAddress` asks for a slot of `size` bytes and leaves: 'slot' when
 * it got one, else the error condition.
 */
async function rawSlotAnswer(port: number, localAddress: string, size: number): Promise<string> {
  const { raw } = await signIn({ port, localAddress });
  try {
    raw.write(`<iq type='get' id='slot' to='upload.localhost'><request xmlns='${UPLOAD}' filename='f.txt' size='${size}' content-type='text/plain'/></iq>`);
    const reply = await raw.next('iq');
    if (reply.attrs.type === 'result') return reply.getChild('slot', UPLOAD) ? 'slot' : 'empty result';
    return reply.getChild('error')?.getChildElements().find((child) => child.name !== 'text')?.name ?? 'no condition';
  } finally {
    raw.destroy();
  }
}

/** The error condition of a refused slot request. */
async function slotRefusal(client: XmppClient, attrs: Record<string, string | number>): Promise<any> {
  const error = await client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: UPLOAD, ...attrs }))).then(() => null, (e: unknown) => e);
  expect(error).not.toBeNull();
  return error;
}

function put(slot: Slot, body: Buffer, contentType: string, headers: Record<string, string> = slot.headers): Promise<Response> {
  return fetch(slot.put, { method: 'PUT', body, headers: { ...headers, 'Content-Type': contentType } });
}

/** A GET whose path goes out exactly as written. */
function rawGet(base: string, rawPath: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    http.get({ host: url.hostname, port: url.port, path: rawPath }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    }).on('error', reject);
  });
}

function expectSafeHeaders(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
}

function maxAge(response: Response): number {
  const match = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '');
  expect(match).not.toBeNull();
  return Number(match![1]);
}

describe('sharing a file over HTTP upload', () => {
  let target: UploadServer;
  beforeAll(async () => {
    target = await startUploadServer({ upload: { max_size: '1MiB' } });
  });

  it('a guest finds the upload service and its size limit through disco', async () => {
    const client = await guest(target);
    const items = await client.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#items' }), 'anon.localhost');
    expect(items.getChildren('item').map((item: any) => item.attrs.jid)).toContain('upload.localhost');
    const info = await client.iqCaller.get(xml('query', { xmlns: 'http://jabber.org/protocol/disco#info' }), 'upload.localhost');
    expect(info.getChild('identity').attrs).toMatchObject({ category: 'store', type: 'file', name: 'HTTP File Upload' });
    expect(info.getChildren('feature').map((f: any) => f.attrs.var)).toContain(UPLOAD);
    const form = info.getChild('x', 'jabber:x:data');
    const fields = Object.fromEntries(form.getChildren('field').map((f: any) => [f.attrs.var, f.getChildText('value')]));
    expect(fields).toEqual({ FORM_TYPE: UPLOAD, 'max-file-size': String(1024 * 1024) });
  });

  it('a guest uploads a picture and anyone downloads the identical bytes, whole or in ranges', async () => {
    const client = await guest(target);
    const bytes = randomBytes(200_000);
    const slot = await requestSlot(target, client, { filename: 'holiday.png', size: bytes.length, 'content-type': 'image/png' });
    expect(slot.headers.Authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
    const uploaded = await put(slot, bytes, 'image/png');
    expect(uploaded.status).toBe(201);
    expectSafeHeaders(uploaded);

    const download = await fetch(slot.get);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="holiday.png"/);
    expectSafeHeaders(download);
    expect(maxAge(download)).toBeLessThanOrEqual(24 * 3600);

    const head = await fetch(slot.get, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expectSafeHeaders(head);

    const range = await fetch(slot.get, { headers: { Range: 'bytes=1000-1999' } });
    expect(range.status).toBe(206);
    expect(range.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
    expect(Buffer.from(await range.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    expectSafeHeaders(range);
  });

  it("a guest's upload record holds neither its JID nor its address, and its files stay after it leaves", async () => {
    const client = await guest(target);
    const bare = client.jid!.bare().toString();
    const slot = await requestSlot(target, client, { filename: 'note.txt', size: 5, 'content-type': 'text/plain' });
    expect((await put(slot, Buffer.from('hello'), 'text/plain')).status).toBe(201);
    const store = uploadService(target.server.server.context).store;
    const id = new URL(slot.get).pathname.split('/')[2]!;
    const uploader = store.get(id)?.uploader ?? '';
    expect(uploader).toMatch(/^guest:[A-Za-z0-9_-]{43}$/);
    expect(uploader).not.toContain(bare.split('@')[0]);
    expect(uploader).not.toContain('127.0.0.1');
    await client.stop();
    expect(await (await fetch(slot.get)).text()).toBe('hello');
  });

  it('a slot takes one PUT only', async () => {
    const client = await guest(target);
    const slot = await requestSlot(target, client, { filename: 'once.txt', size: 4, 'content-type': 'text/plain' });
    expect((await put(slot, Buffer.from('one!'), 'text/plain')).status).toBe(201);
    expect((await put(slot, Buffer.from('two!'), 'text/plain')).status).toBe(409);
    expect(await (await fetch(slot.get)).text()).toBe('one!');
  });

  it('a file over max_size gets no slot, and the error says the limit', async () => {
    const client = await guest(target);
    const error = await slotRefusal(client, { filename: 'movie.mkv', size: 1024 * 1024 + 1, 'content-type': 'video/x-matroska' });
    expect(error.condition).toBe('not-acceptable');
    expect(error.element.getChild('file-too-large', UPLOAD).getChildText('max-file-size')).toBe(String(1024 * 1024));
  });

  it('a PUT of the wrong size or type, without the secret or with a wrong one is refused, and the slot still works', async () => {
    const client = await guest(target);
    const body = Buffer.from('exactly 24 bytes of text');
    const slot = await requestSlot(target, client, { filename: 'notes.txt', size: body.length, 'content-type': 'text/plain' });
    const refused = [
      await put(slot, Buffer.concat([body, Buffer.from('!')]), 'text/plain'),
      await put(slot, body.subarray(1), 'text/plain'),
      await put(slot, body, 'text/html'),
      await fetch(slot.get, { method: 'PUT', body, headers: { 'Content-Type': 'text/plain' } }),
      await put(slot, body, 'text/plain', { Authorization: 'Bearer wrongwrongwrong' }),
      await put(slot, body, 'text/plain', { Authorization: 'Basic d3Jvbmc6d3Jvbmc=' }),
      await fetch(`${slot.get}?token=wrong`, { method: 'PUT', body, headers: { 'Content-Type': 'text/plain' } }),
      await fetch(slot.put, { method: 'PUT', body, headers: { 'Content-Type': 'text/plain', Authorization: 'Bearer wrong' } }),
    ];
    expect(refused.map((response) => response.status)).toEqual([400, 400, 400, 401, 403, 403, 403, 403]);
    for (const response of refused) expectSafeHeaders(response);
    // A body of unknown length (chunked) is refused too: the size must be declared.
    const chunked = await fetch(slot.put, {
      method: 'PUT', headers: { ...slot.headers, 'Content-Type': 'text/plain' }, duplex: 'half',
      body: new ReadableStream({ start(controller) { controller.enqueue(body); controller.close(); } }),
    } as RequestInit);
    expect(chunked.status).toBe(411);
    expect((await fetch(slot.get)).status).toBe(404);

    // The secret in the PUT URL alone is enough (clients that do not send the slot's headers).
    expect((await put(slot, body, 'text/plain', {})).status).toBe(201);
    expect(await (await fetch(slot.get)).text()).toBe(body.toString());
  });

  it('hostile file names become one harmless path segment and still round-trip', async () => {
    const client = await guest(target);
    const cases: [string, RegExp][] = [
      ['../x', /^x$/],
      ['%2e%2e/', /^%2e%2e$/],
      ['..\\..\\boot.ini', /^boot\.ini$/],
      ['x'.repeat(10_000) + '.txt', /^x+\.txt$/],
      ['très cool 🎉.txt', /^très cool 🎉\.txt$/],
      ['<script>alert(1)</script>.txt', /^script>\.txt$/],
      ['..', /^file$/],
    ];
    for (const [filename, expected] of cases) {
      const body = Buffer.from(`contents of ${filename.slice(0, 20)}`);
      const slot = await requestSlot(target, client, { filename, size: body.length, 'content-type': 'text/plain' });
      const url = new URL(slot.get);
      const segments = url.pathname.split('/');
      expect(segments).toHaveLength(4);
      expect(segments[1]).toBe('upload');
      expect(decodeURIComponent(segments[3]!)).toMatch(expected);
      expect(segments[3]!.length).toBeLessThan(1000);
      expect((await put(slot, body, 'text/plain')).status).toBe(201);
      const download = await fetch(slot.get);
      expect(Buffer.from(await download.arrayBuffer()).equals(body)).toBe(true);
      expect(download.headers.get('content-disposition')).toMatch(/^inline; filename="[^"\/\\]*"; filename\*=UTF-8''/);
    }
    // Files are only ever stored under their slot ids.
    const uploads = path.join(target.server.dataDir, 'uploads');
    for (const name of fs.readdirSync(uploads)) expect(name).toMatch(/^([A-Za-z0-9_-]{22}|tmp)$/);
    expect(fs.readdirSync(target.server.dataDir).sort()).toEqual(expect.arrayContaining(['uploads']));
  });

  it('URLs that try to leave the uploads folder find nothing', async () => {
    // Sent raw: fetch would resolve %2e%2e itself before the request leaves.
    for (const probe of ['/upload/..%2f..%2fpalaver.sqlite', '/upload/%2e%2e/palaver.sqlite', '/upload/x/%2e%2e%2f%2e%2e%2fpalaver.sqlite',
      '/upload/x/..%5c..%5cpalaver.sqlite', '/upload/tmp/x', '/upload/AAAAAAAAAAAAAAAAAAAAAA/%00', '/upload/AAAAAAAAAAAAAAAAAAAAAA/%zz']) {
      const response = await rawGet(target.base, probe);
      expect([400, 404]).toContain(response.status);
      expect(response.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('HTML, SVG and unknown types are downloads, never pages', async () => {
    const client = await guest(target);
    for (const [type, name] of [['text/html', 'page.html'], ['image/svg+xml', 'logo.svg'], ['application/pdf', 'doc.pdf'], ['', 'blob']]) {
      const body = Buffer.from('<html><script>alert(document.cookie)</script></html>');
      const slot = await requestSlot(target, client, { filename: name, size: body.length, ...(type ? { 'content-type': type } : {}) });
      expect((await put(slot, body, type || 'application/x-whatever')).status).toBe(201);
      const download = await fetch(slot.get);
      expect(download.headers.get('content-disposition')).toMatch(/^attachment; /);
      expect(download.headers.get('content-type')).toBe(type || 'application/octet-stream');
      expectSafeHeaders(download);
    }
  });

  it('two guests upload at the same time and each gets their own file back', async () => {
    const [first, second] = [await guest(target), await guest(target)];
    const [a, b] = [randomBytes(300_000), randomBytes(250_000)];
    const [slotA, slotB] = await Promise.all([
      requestSlot(target, first, { filename: 'same.bin', size: a.length, 'content-type': 'application/octet-stream' }),
      requestSlot(target, second, { filename: 'same.bin', size: b.length, 'content-type': 'application/octet-stream' }),
    ]);
    const statuses = await Promise.all([put(slotA, a, 'application/octet-stream'), put(slotB, b, 'application/octet-stream')]);
    expect(statuses.map((r) => r.status)).toEqual([201, 201]);
    expect(Buffer.from(await (await fetch(slotA.get)).arrayBuffer()).equals(a)).toBe(true);
    expect(Buffer.from(await (await fetch(slotB.get)).arrayBuffer()).equals(b)).toBe(true);
  });

  it('a browser page on the public origin may PUT with Authorization and Content-Type (CORS)', async () => {
    const origin = new URL(target.server.server.context.config.listen.public_url).origin;
    const preflight = await fetch(`${target.base}/upload/AAAAAAAAAAAAAAAAAAAAAA/x.png`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
    const foreign = await fetch(`${target.base}/upload/AAAAAAAAAAAAAAAAAAAAAA/x.png`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a full disk gives a 5xx, leaves no partial file, and the same slot works afterwards', async () => {
    const failingDisk = () => new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      },
    });
    const brokenBase = await ownHttp(target.server, { openWrite: failingDisk });
    const client = await guest(target);
    const body = randomBytes(50_000);
    const slot = await requestSlot(target, client, { filename: 'big.bin', size: body.length, 'content-type': 'application/octet-stream' });
    const broken = await fetch(brokenBase + new URL(slot.put).pathname + new URL(slot.put).search, {
      method: 'PUT', body, headers: { ...slot.headers, 'Content-Type': 'application/octet-stream' },
    });
    expect(broken.status).toBe(507);
    expect(fs.readdirSync(path.join(target.server.dataDir, 'uploads', 'tmp'))).toEqual([]);
    expect((await fetch(slot.get)).status).toBe(404);
    expect((await put(slot, body, 'application/octet-stream')).status).toBe(201);
    expect(Buffer.from(await (await fetch(slot.get)).arrayBuffer()).equals(body)).toBe(true);
  });
});

describe('quotas', () => {
  it('a guest who used their quota gets resource-constraint', async () => {
    const target = await startUploadServer({ upload: { max_size: '1KiB', quota_per_guest: '1KiB' } });
    const client = await guest(target);
    await requestSlot(target, client, { filename: 'a.txt', size: 1000, 'content-type': 'text/plain' });
    const error = await slotRefusal(client, { filename: 'b.txt', size: 100, 'content-type': 'text/plain' });
    expect(error.condition).toBe('resource-constraint');
    expect(error.type).toBe('wait');
  });

  it('guests from one address share one quota however often they sign in, across a restart; another address is unaffected', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-quota-'));
    const first = await startUploadServer({ upload: { max_size: '1KiB', quota_per_guest: '1KiB' } }, { dataDir });
    const port = () => first.server.c2sPort;
    expect(await rawSlotAnswer(port(), '127.0.0.31', 600)).toBe('slot');
    for (let signIn = 0; signIn < 5; signIn++) expect(await rawSlotAnswer(port(), '127.0.0.31', 500)).toBe('resource-constraint');
    expect(await rawSlotAnswer(port(), '127.0.0.32', 600)).toBe('slot');

    await first.stop();
    const again = await startUploadServer({ upload: { max_size: '1KiB', quota_per_guest: '1KiB' } }, { dataDir, clock: first.clock });
    expect(await rawSlotAnswer(again.server.c2sPort, '127.0.0.31', 500)).toBe('resource-constraint');
    expect(await rawSlotAnswer(again.server.c2sPort, '127.0.0.33', 600)).toBe('slot');
  });

  it('an account holder is limited per day', async () => {
    const target = await startUploadServer({ upload: { max_size: '1KiB', quota_per_account_per_day: '1KiB' } });
    await addAccount(target.server, 'alice', 'pw');
    const alice = await connectClient({ port: target.server.c2sPort, username: 'alice', password: 'pw' });
    clients.push(alice);
    await requestSlot(target, alice, { filename: 'a.txt', size: 1024, 'content-type': 'text/plain' });
    const error = await slotRefusal(alice, { filename: 'b.txt', size: 1, 'content-type': 'text/plain' });
    expect(error.condition).toBe('resource-constraint');
    expect(error.element.getChild('retry', UPLOAD).attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('files expire', () => {
  it('a file is gone once expires_after has passed, and caches are told not to keep it longer', async () => {
    const target = await startUploadServer({ upload: { expires_after: '24h' } });
    const client = await guest(target);
    const slot = await requestSlot(target, client, { filename: 'soon.txt', size: 5, 'content-type': 'text/plain' });
    expect((await put(slot, Buffer.from('hello'), 'text/plain')).status).toBe(201);
    target.clock.now += 23 * HOUR;
    const late = await fetch(slot.get);
    expect(late.status).toBe(200);
    expect(maxAge(late)).toBeLessThanOrEqual(3600);
    expect(maxAge(late)).toBeGreaterThan(3500);
    target.clock.now += HOUR;
    expect((await fetch(slot.get)).status).toBe(404);
    expect((await fetch(slot.get, { method: 'HEAD' })).status).toBe(404);
    const id = new URL(slot.get).pathname.split('/')[2]!;
    expect(fs.existsSync(path.join(target.server.dataDir, 'uploads', id))).toBe(true);
    await uploadService(target.server.server.context).sweep();
    expect(fs.existsSync(path.join(target.server.dataDir, 'uploads', id))).toBe(false);
  });

  it('an unused slot stops accepting its PUT after 5 minutes', async () => {
    const target = await startUploadServer();
    const client = await guest(target);
    const slot = await requestSlot(target, client, { filename: 'late.txt', size: 5, 'content-type': 'text/plain' });
    target.clock.now += 5 * 60_000;
    expect((await put(slot, Buffer.from('hello'), 'text/plain')).status).toBe(404);
  });

  it('after a restart, unexpired files are still served and files that expired meanwhile are deleted', async () => {
    const clock = { now: Date.now() };
    const first = await startUploadServer({ upload: { expires_after: '24h' } }, { clock });
    const client = await guest(first);
    const early = await requestSlot(first, client, { filename: 'early.txt', size: 5, 'content-type': 'text/plain' });
    expect((await put(early, Buffer.from('early'), 'text/plain')).status).toBe(201);
    clock.now += 12 * HOUR;
    const later = await requestSlot(first, client, { filename: 'later.txt', size: 5, 'content-type': 'text/plain' });
    expect((await put(later, Buffer.from('later'), 'text/plain')).status).toBe(201);
    await client.stop();
    await first.stop();

    clock.now += 13 * HOUR;
    const second = await startUploadServer({ upload: { expires_after: '24h' } }, { clock, dataDir: first.server.dataDir });
    await uploadService(second.server.server.context).sweep();
    const laterUrl = second.base + new URL(later.get).pathname;
    const earlyUrl = second.base + new URL(early.get).pathname;
    expect(await (await fetch(laterUrl)).text()).toBe('later');
    expect((await fetch(earlyUrl)).status).toBe(404);
    const earlyId = new URL(early.get).pathname.split('/')[2]!;
    const laterId = new URL(later.get).pathname.split('/')[2]!;
    expect(fs.existsSync(path.join(second.server.dataDir, 'uploads', earlyId))).toBe(false);
    expect(fs.existsSync(path.join(second.server.dataDir, 'uploads', laterId))).toBe(true);
  });
});
