/**
 * GET /metrics as Prometheus reads it: scraped and parsed by the Prometheus project's own
 * Python client (prometheus_client.parser), after a little of everything the issue asks to
 * count: guests signing in, a room message, an upload, a wrong password, a network refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, startTestServer, type TestServer } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { httpRequest } from '../helpers/http-get.js';
import { scramAttempt } from '../helpers/raw-xmpp.js';
import { uploadFile } from '../helpers/upload.js';
import { guest, join, roomJid, xml, type User } from '../integration/muc-helpers.js';

// Without the parser this file fails (requirePythonModules throws in CI; elsewhere too): it never skips.
const python = requirePythonModules(['prometheus_client'], 'python3-prometheus-client');
if (!python.available) throw new Error(`the metrics interop test needs prometheus_client: ${python.reason}`);

interface Sample { name: string; labels: Record<string, string>; value: number | string }
interface Family { type: string; help: string; samples: Sample[] }
interface Scrape { error?: string; content_type: string; families: Record<string, Family> }

/** The families the issue names, by the name prometheus_client gives them (a counter's without _total), and their type. */
const EXPECTED_FAMILIES: Record<string, string> = {
  palaver_connections: 'gauge',
  palaver_sessions: 'gauge',
  palaver_sign_ins: 'counter',
  palaver_stanzas_in: 'counter',
  palaver_stanzas_out: 'counter',
  palaver_room_messages: 'counter',
  palaver_room_deliveries: 'counter',
  palaver_archive_appends: 'counter',
  palaver_archive_queue: 'gauge',
  palaver_uploads: 'counter',
  palaver_upload_bytes: 'counter',
  palaver_uploads_expired: 'counter',
  palaver_refusals: 'counter',
  palaver_event_loop_delay_seconds: 'gauge',
  palaver_memory_bytes: 'gauge',
  palaver_rooms: 'gauge',
  palaver_room_occupants: 'gauge',
  palaver_uptime_seconds: 'gauge',
};

async function scrapeWithPrometheusClient(server: TestServer): Promise<Scrape> {
  const run = await runPythonScript('metrics_prometheus.py', [`${server.httpUrl}/metrics`], 30_000);
  const result = scriptResult<Scrape>(run);
  if (result.error) throw new Error(`prometheus_client could not scrape /metrics: ${result.error}\n${run.stderr.slice(-4000)}`);
  return result;
}

/** The value of the one sample with this name and exactly these labels. */
function value(scrape: Scrape, name: string, labels: Record<string, string> = {}): number | string {
  const matches = Object.values(scrape.families).flatMap((family) => family.samples).filter((sample) => sample.name === name
    && Object.keys(sample.labels).length === Object.keys(labels).length
    && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted));
  if (matches.length !== 1) throw new Error(`${matches.length} samples ${name}${JSON.stringify(labels)}`);
  return matches[0]!.value;
}

describe('/metrics read by prometheus_client', () => {
  let server: TestServer;
  const users: User[] = [];
  let scrape: Scrape;

  beforeAll(async () => {
    server = await startTestServer({
      channels: [{ name: 'lobby' }],
      access: { allow: ['127.0.0.1', '127.0.0.3'] },
      limits: { sasl_failures_per_minute: 1 },
    });
    await addAccount(server, 'alice', 'the right password');
    const [first, second] = [await guest(server), await guest(server)];
    users.push(first, second);
    await join(first, 'lobby', 'first');
    await join(second, 'lobby', 'second');
    const heard = second.inbox.next((stanza) => stanza.is('message') && stanza.getChildText('body') === 'hello');
    await first.client.send(xml('message', { to: roomJid('lobby'), type: 'groupchat' }, xml('body', {}, 'hello')));
    await heard;
    expect(await uploadFile(first.client, server.httpUrl, 'notes.txt', 'five!')).toBe(201);
    // One wrong password from 127.0.0.3 uses up its network's failures; its next attempt is refused.
    expect(await scramAttempt({ port: server.c2sPort, localAddress: '127.0.0.3' }, 'alice', 'wrong')).toMatchObject({ failure: 'not-authorized' });
    expect(await scramAttempt({ port: server.c2sPort, localAddress: '127.0.0.3' }, 'alice', 'the right password')).toMatchObject({ failure: 'temporary-auth-failure' });
    expect((await httpRequest(`${server.httpUrl}/`, { localAddress: '127.0.0.2' })).status).toBe(403);
    scrape = await scrapeWithPrometheusClient(server);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(users.map((user) => user.client.stop().catch(() => undefined)));
    await server?.stop();
  });

  it('is served as the Prometheus text format 0.0.4', () => {
    expect(scrape.content_type).toMatch(/^text\/plain; version=0\.0\.4; charset=utf-8$/);
  });

  it('has every metric family the issue names, typed and explained', () => {
    for (const [name, type] of Object.entries(EXPECTED_FAMILIES)) {
      expect(scrape.families[name], name).toMatchObject({ type, help: expect.stringMatching(/\w/) });
    }
  });

  it('counts the guests, their streams and their stanzas by transport', () => {
    expect(value(scrape, 'palaver_sessions', { transport: 'tcp', kind: 'guest' })).toBe(2);
    expect(value(scrape, 'palaver_sessions', { transport: 'websocket', kind: 'guest' })).toBe(0);
    expect(value(scrape, 'palaver_connections', { transport: 'tcp' })).toBe(2);
    expect(value(scrape, 'palaver_stanzas_in_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(4);
    expect(value(scrape, 'palaver_stanzas_out_total', { transport: 'tcp' })).toBeGreaterThanOrEqual(4);
    expect(value(scrape, 'palaver_stanzas_in_total', { transport: 'bosh' })).toBe(0);
  });

  it('counts sign-ins by outcome, and refusals by the allowlist and the sign-in limit', () => {
    expect(value(scrape, 'palaver_sign_ins_total', { outcome: 'succeeded', kind: 'guest' })).toBe(2);
    expect(value(scrape, 'palaver_sign_ins_total', { outcome: 'failed', kind: 'account' })).toBe(1);
    expect(value(scrape, 'palaver_sign_ins_total', { outcome: 'refused', kind: 'account' })).toBe(1);
    expect(value(scrape, 'palaver_sign_ins_total', { outcome: 'succeeded', kind: 'account' })).toBe(0);
    expect(value(scrape, 'palaver_refusals_total', { reason: 'allowlist' })).toBe(1);
    expect(value(scrape, 'palaver_refusals_total', { reason: 'sign-in-failures' })).toBe(1);
    expect(value(scrape, 'palaver_refusals_total', { reason: 'connections-per-address' })).toBe(0);
  });

  it('counts the room message, its copies, its archive write, and the upload', () => {
    expect(value(scrape, 'palaver_rooms')).toBe(1);
    expect(value(scrape, 'palaver_room_occupants')).toBe(2);
    expect(value(scrape, 'palaver_room_messages_total')).toBeGreaterThanOrEqual(1);
    expect(value(scrape, 'palaver_room_deliveries_total')).toBeGreaterThanOrEqual(2);
    expect(value(scrape, 'palaver_archive_appends_total', { store: 'lasting' })).toBe(1);
    expect(value(scrape, 'palaver_archive_queue')).toBe(0);
    expect(value(scrape, 'palaver_uploads_total')).toBe(1);
    expect(value(scrape, 'palaver_upload_bytes_total')).toBe(5);
    expect(value(scrape, 'palaver_uploads_expired_total')).toBe(0);
  });

  it('reports the process: memory, event-loop delay and uptime with sane values', () => {
    const rss = value(scrape, 'palaver_memory_bytes', { kind: 'rss' });
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(rss).toBeLessThan(16 * 1024 ** 3);
    for (const sample of scrape.families.palaver_event_loop_delay_seconds!.samples) {
      expect(sample.value, JSON.stringify(sample)).toBeGreaterThanOrEqual(0);
      expect(sample.value, JSON.stringify(sample)).toBeLessThan(60);
    }
    const uptime = value(scrape, 'palaver_uptime_seconds');
    expect(uptime).toBeGreaterThanOrEqual(0);
    expect(uptime).toBeLessThan(300);
  });
});
