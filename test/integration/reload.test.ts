/**
 * What a reload applies, in process (the SIGHUP path with a real process and certificates is
 * reload-process.test.ts): each live setting takes effect for what comes next, without
 * dropping anyone, and settings that need a restart are named in the log and left alone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config/load.js';
import { createLogger } from '../../server/log.js';
import { startServer, type RunningServer } from '../../server/startup/server.js';
import type { ConfigReload } from '../../server/core/events.js';
import { httpRequest } from '../helpers/http-get.js';
import { scramAttempt, signIn, type RawXmpp } from '../helpers/raw-xmpp.js';
import { addAccount } from '../helpers/server.js';

interface Reloadable {
  server: RunningServer;
  file: string;
  http: string;
  c2sPort: number;
  lines: Record<string, unknown>[];
  /** Rewrites the config file with this body (the [listen] section is kept) and reloads. */
  reloadWith(body: string): ReturnType<RunningServer['reload']>;
}

const running: RunningServer[] = [];
const sockets: RawXmpp[] = [];
afterEach(async () => {
  for (const raw of sockets.splice(0)) raw.destroy();
  for (const server of running.splice(0)) await server.stop();
});

const LISTEN = `
[listen]
c2s = "127.0.0.1:0"
http = "127.0.0.1:0"
`;

async function startWith(body: string): Promise<Reloadable> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-reload-'));
  const file = path.join(dir, 'palaver.toml');
  const write = (text: string) => fs.writeFileSync(file, `${LISTEN}\n${text}\n`);
  write(body);
  const lines: Record<string, unknown>[] = [];
  const config = loadConfig(file);
  const server = await startServer(config, { log: createLogger(config, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } }) });
  running.push(server);
  return {
    server, file, lines,
    http: `http://127.0.0.1:${server.addresses.http!.port}`,
    c2sPort: server.addresses.c2s!.port,
    reloadWith(text: string) {
      write(text);
      return server.reload();
    },
  };
}

describe('reload', () => {
  it('a narrower allowlist refuses new clients and leaves connected ones connected', async () => {
    const target = await startWith('');
    const { raw } = await signIn({ port: target.c2sPort, localAddress: '127.0.0.2' });
    sockets.push(raw);
    expect((await httpRequest(`${target.http}/`, { localAddress: '127.0.0.2' })).status).toBe(200);

    const outcome = await target.reloadWith('[access]\nallow = ["127.0.0.1"]');
    expect(outcome).toEqual({ status: 'applied', applied: ['access.allow'], needsRestart: [] });
    expect((await httpRequest(`${target.http}/`, { localAddress: '127.0.0.2' })).status).toBe(403);
    await expect(signIn({ port: target.c2sPort, localAddress: '127.0.0.2' })).rejects.toThrow();
    // The guest connected before the reload is still served.
    raw.write("<iq type='get' id='still'><ping xmlns='urn:xmpp:ping'/></iq>");
    await raw.waitFor(/id=["']still["']/);
  });

  it('trusted proxies apply to the next request: a newly trusted peer\'s X-Forwarded-For is believed', async () => {
    const target = await startWith('[access]\nallow = ["127.0.0.0/8"]\ntrusted_proxies = []');
    const through = (forwardedFor: string) => httpRequest(`${target.http}/.well-known/host-meta`, { headers: { 'X-Forwarded-For': forwardedFor } });
    // Not a proxy yet: its header means nothing, and the peer itself (loopback) is allowed.
    expect((await through('198.51.100.7')).status).toBe(200);

    const outcome = await target.reloadWith('[access]\nallow = ["127.0.0.0/8"]\ntrusted_proxies = ["127.0.0.1"]');
    expect(outcome).toEqual({ status: 'applied', applied: ['access.trusted_proxies'], needsRestart: [] });
    expect((await through('198.51.100.7')).status).toBe(403);
    expect((await through('127.0.0.9')).status).toBe(200);

    await target.reloadWith('[access]\nallow = ["127.0.0.0/8"]\ntrusted_proxies = []');
    expect((await through('198.51.100.7')).status).toBe(200);
  });

  it('a lower per-address connection limit refuses the next connection and keeps the one open', async () => {
    const target = await startWith('[access]\nmax_connections_per_address = 5');
    const { raw } = await signIn({ port: target.c2sPort, localAddress: '127.0.0.4' });
    sockets.push(raw);

    const outcome = await target.reloadWith('[access]\nmax_connections_per_address = 1');
    expect(outcome.applied).toEqual(['access.max_connections_per_address']);
    await expect(signIn({ port: target.c2sPort, localAddress: '127.0.0.4' })).rejects.toThrow();
    // Another address has its own count.
    sockets.push((await signIn({ port: target.c2sPort, localAddress: '127.0.0.5' })).raw);
    raw.write("<iq type='get' id='kept'><ping xmlns='urn:xmpp:ping'/></iq>");
    await raw.waitFor(/id=["']kept["']/);
  });

  it('a lower [limits] sign-in failure limit applies to the next attempts', async () => {
    // Passwords over plain TCP from loopback: TLS is not what this test is about.
    const plainTcp = '[tls]\nrequire_encryption = false\n';
    const target = await startWith(`${plainTcp}[limits]\nsasl_failures_per_minute = 100`);
    await addAccount(target, 'alice', 'right');
    const attempt = (password: string) => scramAttempt({ port: target.c2sPort, localAddress: '127.0.0.6' }, 'alice', password);
    expect(await attempt('wrong')).toMatchObject({ failure: 'not-authorized' });
    expect(await attempt('right')).toMatchObject({ success: true });

    const outcome = await target.reloadWith(`${plainTcp}[limits]\nsasl_failures_per_minute = 1`);
    expect(outcome.applied).toEqual(['limits.sasl_failures_per_minute']);
    expect(await attempt('wrong')).toMatchObject({ failure: 'not-authorized' });
    expect(await attempt('right')).toMatchObject({ failure: 'temporary-auth-failure' });
  });

  it('new [[channels]] open at once, with the new landing texts, and modules hear what changed', async () => {
    const target = await startWith('[landing]\ntitle = "Old title"');
    const heard: ConfigReload[] = [];
    target.server.context.events.on('config-reloaded', (change) => heard.push(change));

    await target.reloadWith('[landing]\ntitle = "New title"\n[[channels]]\nname = "news"\ntitle = "News"\nwelcome = "Hello news"');
    expect(heard).toHaveLength(1);
    expect(heard[0]!.applied.sort()).toEqual(['channels', 'landing.title']);
    expect(heard[0]!.previous.landing.title).toBe('Old title');
    expect(heard[0]!.current).toBe(target.server.context.config);

    const page = await httpRequest(`${target.http}/`);
    expect(page.body).toContain('<title>New title</title>');
    expect(page.body).toContain('News');
    const statistics = JSON.parse((await httpRequest(`${target.http}/api/statistics`)).body);
    expect(statistics.public_rooms).toEqual([{ room: 'news@conference.localhost', title: 'News', occupants: 0 }]);

    const { raw } = await signIn({ port: target.c2sPort });
    sockets.push(raw);
    raw.write("<presence to='news@conference.localhost/reader'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
    await raw.waitFor(/<body>Hello news<\/body>/);
  });

  it('settings that need a restart are named in the log and keep their running value', async () => {
    const target = await startWith('[muc]\nhistory_length = 20');
    const outcome = await target.reloadWith('[muc]\nhistory_length = 5\nmessage_burst = 3\n[server]\nadmins = ["boss@localhost"]');
    expect(outcome.status).toBe('applied');
    expect(outcome.applied).toEqual(['muc.message_burst']);
    expect(outcome.needsRestart.sort()).toEqual(['muc.history_length', 'server.admins']);
    const config = target.server.context.config;
    expect(config.muc.history_length).toBe(20);
    expect(config.server.admins).toEqual([]);
    expect(config.muc.message_burst).toBe(3);
    const warning = target.lines.find((line) => String(line.msg).includes('needs a restart'));
    expect(warning).toMatchObject({ level: 40, keys: ['muc.history_length', 'server.admins'] });
  });

  it('a new domain waits for the restart, and so does the self-signed certificate made for it', async () => {
    const target = await startWith('');
    const fingerprint = target.server.certificateFingerprint;
    const outcome = await target.reloadWith('[server]\ndomain = "chat.example"');
    expect(outcome.needsRestart).toEqual(expect.arrayContaining(['server.domain', 'muc.domain', 'anonymous.domain']));
    expect(target.server.certificateFingerprint).toBe(fingerprint);
    expect(target.server.context.config.server.domain).toBe('localhost');
  });

  it('a broken file is refused with the config error, and nothing changes', async () => {
    const target = await startWith('[landing]\ntitle = "Kept"');
    const outcome = await target.reloadWith('[landing]\ntitle = "Lost"\n[limits]\nread_rate = "fast"');
    expect(outcome.status).toBe('refused');
    expect(outcome.error).toContain('[limits].read_rate');
    expect(target.server.context.config.landing.title).toBe('Kept');
    const error = target.lines.find((line) => String(line.msg).startsWith('configuration not reloaded'));
    expect(error).toMatchObject({ level: 50 });
    expect(String(error!.msg)).toContain('read_rate');
    expect((await httpRequest(`${target.http}/`)).body).toContain('<title>Kept</title>');
  });

  it('a certificate that cannot be read refuses the reload', async () => {
    const target = await startWith('');
    const fingerprint = target.server.certificateFingerprint;
    const outcome = await target.reloadWith('[tls]\ncert = "missing-cert.pem"\nkey = "missing-key.pem"');
    expect(outcome.status).toBe('refused');
    expect(outcome.error).toContain('missing-cert.pem');
    expect(target.server.certificateFingerprint).toBe(fingerprint);
    expect(target.server.context.config.tls.cert).toBe('');
  });

  it('the log level, [api] and [metrics] apply to what comes next', async () => {
    const target = await startWith('[log]\nlevel = "info"');
    expect((await httpRequest(`${target.http}/api/statistics`)).status).toBe(200);
    expect((await httpRequest(`${target.http}/metrics`)).status).toBe(200);

    await target.reloadWith('[log]\nlevel = "warn"\n[api]\nstatistics = false\n[metrics]\nallow = []\ntoken = "new-token"');
    expect(target.server.context.log.level).toBe('warn');
    expect((await httpRequest(`${target.http}/api/statistics`)).status).toBe(404);
    expect((await httpRequest(`${target.http}/metrics`)).status).toBe(403);
    expect((await httpRequest(`${target.http}/metrics`, { headers: { Authorization: 'Bearer new-token' } })).status).toBe(200);
  });
});
