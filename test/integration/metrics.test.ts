import { afterEach, describe, expect, it } from 'vitest';
import { guest, join, roomJid, startMucServer, xml, type User } from './muc-helpers.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';
import { httpRequest } from '../helpers/http-get.js';
import { uploadFile } from '../helpers/upload.js';
import { parsePrometheusText, sampleValue, type MetricFamily } from '../helpers/prometheus-text.js';
import { RawXmpp, scramAuth } from '../helpers/raw-xmpp.js';
import { deriveAllScramCredentials } from '../../server/sasl/scram-credentials.js';

/** GET /metrics scraped over a real listener and parsed as Prometheus text. */

const servers: TestServer[] = [];
const users: User[] = [];
afterEach(async () => {
  await Promise.all(users.splice(0).map((user) => user.client.stop().catch(() => undefined)));
  for (const server of servers.splice(0)) await server.stop();
});

async function start(overrides: Parameters<typeof startMucServer>[0] = {}, options: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const server = await startTestServer({ channels: [{ name: 'lobby' }], ...overrides }, options);
  servers.push(server);
  return server;
}

async function scrape(server: TestServer, options: { headers?: Record<string, string>; localAddress?: string } = {}): Promise<Map<string, MetricFamily>> {
  const response = await httpRequest(`${server.httpUrl}/metrics`, options);
  expect(response.status, response.body).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

async function enter(server: TestServer, nick: string): Promise<User> {
  const user = await guest(server);
  users.push(user);
  await join(user, 'lobby', nick);
  return user;
}

describe('GET /metrics', () => {
  it('counts a guest signing in and a room message delivered to its occupants', async () => {
    const server = await start();
    const alice = await enter(server, 'alice');
    const before = await scrape(server);
    expect(sampleValue(before, 'palaver_sessions', { transport: 'tcp', kind: 'guest' })).toBe(1);
    expect(sampleValue(before, 'palaver_connections', { transport: 'tcp' })).toBe(1);

    const bob = await enter(server, 'bob');
    const delivered = bob.inbox.next((stanza) => stanza.is('message') && stanza.getChildText('body') === 'hello');
    await alice.client.send(xml('message', { to: roomJid('lobby'), type: 'groupchat' }, xml('body', {}, 'hello')));
    await delivered;
    const after = await scrape(server);

    const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(after, name, labels) - sampleValue(before, name, labels);
    expect(delta('palaver_sign_ins_total', { outcome: 'succeeded', kind: 'guest' })).toBe(1);
    expect(sampleValue(after, 'palaver_sessions', { transport: 'tcp', kind: 'guest' })).toBe(2);
    expect(sampleValue(after, 'palaver_sessions', { transport: 'websocket', kind: 'guest' })).toBe(0);
    expect(sampleValue(after, 'palaver_connections', { transport: 'tcp' })).toBe(2);
    // The message went to both occupants (alice's echo and bob); bob's join also sent him the subject.
    expect(delta('palaver_room_deliveries_total')).toBeGreaterThanOrEqual(2);
    expect(delta('palaver_archive_appends_total', { store: 'lasting' })).toBe(1);
    expect(delta('palaver_stanzas_in_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(2);
    expect(delta('palaver_stanzas_out_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(3);
    expect(sampleValue(after, 'palaver_rooms')).toBe(1);
    expect(sampleValue(after, 'palaver_room_occupants')).toBe(2);
    expect(sampleValue(after, 'palaver_archive_queue')).toBe(0);
    expect(sampleValue(after, 'palaver_memory_bytes', { kind: 'rss' })).toBeGreaterThan(0);
    expect(sampleValue(after, 'palaver_event_loop_delay_seconds', { stat: 'max' })).toBeGreaterThanOrEqual(0);
    expect(after.get('palaver_sign_ins_total')?.type).toBe('counter');
  });

  it('counts failed sign-ins and refusals by the allowlist', async () => {
    const server = await start({ access: { allow: ['127.0.0.1'] } });
    server.server.context.storage.accounts.create('alice', 'localhost', await deriveAllScramCredentials('right', 4096));
    const raw = await RawXmpp.connect({ port: server.c2sPort });
    await raw.open();
    expect(await scramAuth(raw, 'alice', 'wrong')).toMatchObject({ failure: 'not-authorized' });
    raw.destroy();
    expect((await httpRequest(`${server.httpUrl}/`, { localAddress: '127.0.0.2' })).status).toBe(403);
    const metrics = await scrape(server);
    expect(sampleValue(metrics, 'palaver_sign_ins_total', { outcome: 'failed', kind: 'account' })).toBe(1);
    expect(sampleValue(metrics, 'palaver_refusals_total', { reason: 'allowlist' })).toBe(1);
  });

  it('is served to [metrics].allow networks, to the bearer token from anywhere, and refused to others', async () => {
    const server = await start({ metrics: { allow: ['127.0.0.1'], token: 'scrape-secret' } });
    await scrape(server, { localAddress: '127.0.0.1' });
    const outside = await httpRequest(`${server.httpUrl}/metrics`, { localAddress: '127.0.0.2' });
    expect(outside.status).toBe(403);
    expect(outside.body).not.toContain('palaver_');
    await scrape(server, { localAddress: '127.0.0.2', headers: { Authorization: 'Bearer scrape-secret' } });
    const wrong = await httpRequest(`${server.httpUrl}/metrics`, { localAddress: '127.0.0.1', headers: { Authorization: 'Bearer scrape-secreT' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
    expect(wrong.body).not.toContain('palaver_');
  });

  it('is refused to loopback too when [metrics].allow leaves it out', async () => {
    const server = await start({ metrics: { allow: [] } });
    expect((await httpRequest(`${server.httpUrl}/metrics`)).status).toBe(403);
  });

  it('counts uploads with their bytes, and the uploads that expired', async () => {
    const clock = { now: Date.now() };
    const first = await start({}, { now: () => clock.now });
    const client = await connectClient({ port: first.c2sPort });
    expect(await uploadFile(client, first.httpUrl, 'a.txt', 'hello')).toBe(201);
    await client.stop();
    const uploaded = await scrape(first);
    expect(sampleValue(uploaded, 'palaver_uploads_total')).toBe(1);
    expect(sampleValue(uploaded, 'palaver_upload_bytes_total')).toBe(5);
    await first.stop();
    servers.splice(servers.indexOf(first), 1);

    clock.now += 25 * 3600_000;
    const second = await start({}, { now: () => clock.now, dataDir: first.dataDir });
    await expect.poll(async () => sampleValue(await scrape(second), 'palaver_uploads_expired_total')).toBe(1);
  });
});
