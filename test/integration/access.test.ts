import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../server/config/load.js';
import { NetworkList } from '../../server/access/address.js';
import { resolveClient } from '../../server/access/forwarded.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';
import { connectWebSocketClient, httpRequest, RawBosh, RawWebSocket, UpgradeRefused } from '../helpers/web.js';

let server: TestServer | null = null;

afterEach(async () => {
  await server?.stop();
  server = null;
});

async function start(overrides: ConfigInput, options: { now?: () => number } = {}): Promise<TestServer> {
  server = await startTestServer(overrides, options);
  return server;
}

/** Resolves true when the server closes a fresh TCP connection without a word, false when it answers. */
function tcpRefused(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => resolve(true));
    socket.once('close', () => resolve(true));
    socket.on('connect', () => socket.write("<?xml version='1.0'?><stream:stream to='anon.localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"));
    socket.once('data', () => {
      socket.destroy();
      resolve(false);
    });
    setTimeout(() => reject(new Error('neither closed nor answered')), 5000).unref();
  });
}

async function upgradeStatus(port: number, headers: Record<string, string> = {}): Promise<number> {
  try {
    const ws = await RawWebSocket.open(`ws://127.0.0.1:${port}/xmpp-websocket`, { headers });
    ws.ws.close();
    return 101;
  } catch (error) {
    if (error instanceof UpgradeRefused) return error.status;
    throw error;
  }
}

function hostMeta(s: TestServer, headers: Record<string, string> = {}, localAddress?: string) {
  return httpRequest(`${s.httpUrl}/.well-known/host-meta`, { headers, localAddress });
}

describe('the network allowlist', () => {
  it('a client outside the allowlist is refused on every listener', async () => {
    const s = await start({ access: { allow: ['10.0.0.0/8', '2001:db8::/32'] } });
    expect(await tcpRefused(s.c2sPort)).toBe(true);
    expect((await hostMeta(s)).status).toBe(403);
    expect((await httpRequest(`${s.httpUrl}/http-bind`, { method: 'POST', body: '<body/>' })).status).toBe(403);
    expect((await httpRequest(`${s.httpUrl}/no-such-page`)).status).toBe(403);
    expect(await upgradeStatus(s.httpPort)).toBe(403);
  });

  it('a client inside the allowlist is served on every listener', async () => {
    const s = await start({ access: { allow: ['10.0.0.0/8', '127.0.0.0/8'] } });
    expect(await tcpRefused(s.c2sPort)).toBe(false);
    const tcp = await connectClient({ port: s.c2sPort });
    await tcp.stop();
    expect((await hostMeta(s)).status).toBe(200);
    const ws = await connectWebSocketClient({ httpPort: s.httpPort });
    await ws.stop();
    await new RawBosh(`${s.httpUrl}/http-bind`).signIn();
  });

  it('an IPv4-mapped IPv6 rule admits the IPv4 client', async () => {
    const s = await start({ access: { allow: ['::ffff:127.0.0.1/128'] } });
    expect(await tcpRefused(s.c2sPort)).toBe(false);
    expect((await hostMeta(s)).status).toBe(200);
  });
});

describe('X-Forwarded-For', () => {
  const from = { trusted: '127.0.0.1', untrusted: '127.0.0.2' };

  it('is honoured from a trusted proxy and ignored from anyone else', async () => {
    const s = await start({ access: { allow: ['127.0.0.0/8'] } });
    const outsider = { 'X-Forwarded-For': '198.51.100.7' };
    expect((await hostMeta(s, outsider, from.trusted)).status).toBe(403);
    expect((await hostMeta(s, { 'X-Forwarded-For': '127.0.0.7' }, from.trusted)).status).toBe(200);
    // Any other loopback address is an ordinary client, whose header means nothing.
    expect((await hostMeta(s, outsider, from.untrusted)).status).toBe(200);
    expect(await upgradeStatus(s.httpPort, outsider)).toBe(403);
  });

  it('an unparsable value from a trusted proxy refuses the request; from anyone else it is ignored', async () => {
    const s = await start({});
    expect((await hostMeta(s, { 'X-Forwarded-For': 'not-an-address' }, from.trusted)).status).toBe(400);
    expect(await upgradeStatus(s.httpPort, { 'X-Forwarded-For': 'not-an-address' })).toBe(400);
    expect((await hostMeta(s, { 'X-Forwarded-For': 'not-an-address' }, from.untrusted)).status).toBe(200);
  });

  it('is read right to left past every trusted proxy', async () => {
    const s = await start({ access: { allow: ['127.0.0.0/8'], trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] } });
    expect((await hostMeta(s, { 'X-Forwarded-For': '127.0.0.9, 10.1.1.1' }, from.trusted)).status).toBe(200);
    expect((await hostMeta(s, { 'X-Forwarded-For': '198.51.100.7, 10.1.1.1' }, from.trusted)).status).toBe(403);
    // What the client wrote itself, left of its own address, is not believed.
    expect((await hostMeta(s, { 'X-Forwarded-For': '127.0.0.9, 198.51.100.7' }, from.trusted)).status).toBe(403);
  });

  it('X-Forwarded-Proto: https from a trusted proxy makes the channel secure', async () => {
    const s = await start({});
    const mechanisms = async (headers: Record<string, string>) => {
      const body = await new RawBosh(`${s.httpUrl}/http-bind`, headers).create({ to: 'localhost' });
      return body.getChild('features')?.getChild('mechanisms')?.getChildren('mechanism').map((m) => m.getText()) ?? [];
    };
    // A remote client over plain HTTP gets no password mechanism.
    expect(await mechanisms({ 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'http' })).toEqual([]);
    expect(await mechanisms({ 'X-Forwarded-For': '198.51.100.7', 'X-Forwarded-Proto': 'https' })).toContain('SCRAM-SHA-1');
    // From loopback without a proxy the channel counts as secure.
    expect(await mechanisms({})).toContain('SCRAM-SHA-1');
  });

  it('resolves addresses as documented', () => {
    const trusted = new NetworkList(['127.0.0.1', '::1', '10.0.0.0/8']);
    const resolve = (peer: string, forwardedFor?: string | string[], forwardedProto?: string) =>
      resolveClient({ peer, encrypted: false, forwardedFor, forwardedProto }, trusted);
    expect(resolve('::ffff:127.0.0.1', '198.51.100.7')).toEqual({ address: '198.51.100.7', secure: false });
    expect(resolve('127.0.0.1', ['198.51.100.7', '10.0.0.2'], 'https')).toEqual({ address: '198.51.100.7', secure: true });
    expect(resolve('127.0.0.1', '[2001:db8::1]:443')).toEqual({ address: '2001:db8::1', secure: false });
    expect(resolve('127.0.0.1', '198.51.100.7:1234')?.address).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', '::ffff:198.51.100.7')?.address).toBe('198.51.100.7');
    expect(resolve('127.0.0.1', 'unknown')).toBeNull();
    expect(resolve('127.0.0.1', '10.1')).toBeNull();
    expect(resolve('198.51.100.8', 'garbage', 'https')).toEqual({ address: '198.51.100.8', secure: false });
    expect(new NetworkList(['::ffff:10.0.0.0/104']).contains('10.2.3.4')).toBe(true);
    expect(new NetworkList(['10.0.0.0/8']).contains('::ffff:10.2.3.4')).toBe(true);
    expect(new NetworkList(['10.0.0.0/8']).contains('11.0.0.1')).toBe(false);
  });
});

describe('per-address limits', () => {
  it('connections beyond the per-address limit are refused on every transport until one closes', async () => {
    const s = await start({ access: { max_connections_per_address: 3 } });
    const tcp = await connectClient({ port: s.c2sPort });
    const ws = await connectWebSocketClient({ httpPort: s.httpPort });
    const bosh = new RawBosh(`${s.httpUrl}/http-bind`);
    await bosh.create();

    expect(await tcpRefused(s.c2sPort)).toBe(true);
    expect(await upgradeStatus(s.httpPort)).toBe(429);
    const refused = await new RawBosh(`${s.httpUrl}/http-bind`).create();
    expect(refused.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    // Plain HTTP requests are not connections.
    expect((await hostMeta(s)).status).toBe(200);

    await ws.stop();
    await expect.poll(() => s.server.context.sessions.count, { timeout: 5_000 }).toBe(1);
    const again = await connectWebSocketClient({ httpPort: s.httpPort });
    await again.stop();
    await tcp.stop();
  });

  it('guest sign-ins beyond the per-minute limit fail with a clear SASL error, and work again a minute later', async () => {
    let clock = Date.now();
    const s = await start({ access: { anonymous_logins_per_minute: 2 } }, { now: () => clock });
    const guests = [await connectClient({ port: s.c2sPort }), await connectWebSocketClient({ httpPort: s.httpPort })];
    await expect(connectClient({ port: s.c2sPort })).rejects.toThrow(/temporary-auth-failure/);
    const bosh = new RawBosh(`${s.httpUrl}/http-bind`);
    await bosh.create();
    const failure = (await bosh.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>")).getChild('failure');
    expect(failure?.getChild('temporary-auth-failure')).toBeTruthy();
    expect(failure?.getChildText('text')).toMatch(/too many guest sign-ins/);

    clock += 61_000;
    guests.push(await connectClient({ port: s.c2sPort }));
    for (const guest of guests) await guest.stop();
  });
});

describe('nickname checks on the landing page', () => {
  /** Asks whether `nick` is free in the lobby, as a client on `network` behind the trusted local proxy. */
  const check = (s: TestServer, network: string, nick = 'alice') =>
    httpRequest(`${s.httpUrl}/api/rooms/lobby/nick-available?nick=${nick}`, { headers: { 'x-forwarded-for': network } });

  it('beyond the per-minute limit a network gets 429 with Retry-After, others are still answered, and a minute later it is answered again', async () => {
    let clock = Date.now();
    const s = await start({ access: { nick_checks_per_minute: 3 } }, { now: () => clock });
    const answers = [];
    for (const nick of ['alice', 'bob', 'carol']) answers.push(await check(s, '203.0.113.7', nick));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(JSON.parse(answers[0]!.text)).toEqual({ available: true });

    const refused = await check(s, '203.0.113.7', 'dave');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.text).not.toContain('available');
    // An invalid nickname or room is no way around it: every request of the network counts.
    expect((await check(s, '203.0.113.7', '%20')).status).toBe(429);
    // Other networks are answered as before.
    expect((await check(s, '2001:db8:5:6::1')).status).toBe(200);
    expect((await check(s, '198.51.100.1')).status).toBe(200);

    clock += 61_000;
    expect((await check(s, '203.0.113.7')).status).toBe(200);
  });

  it('a reload with a new limit starts a new window with it', async () => {
    const s = await start({ access: { nick_checks_per_minute: 1 } });
    expect((await check(s, '203.0.113.8')).status).toBe(200);
    expect((await check(s, '203.0.113.8')).status).toBe(429);
    s.server.context.access.reconfigure({ access: { ...s.server.context.config.access, nick_checks_per_minute: 2 } });
    expect((await check(s, '203.0.113.8')).status).toBe(200);
    expect((await check(s, '203.0.113.8')).status).toBe(200);
    expect((await check(s, '203.0.113.8')).status).toBe(429);
  });
});
