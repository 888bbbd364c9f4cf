import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { HTTPBIND, httpRequest, RawBosh } from '../helpers/web.js';

// BOSH is served by the listener ahead of express; these pin down that it answers as the
// express app did (statuses, texts, CORS and allowlist headers), ETags aside.

const HELP = 'This is an XMPP BOSH endpoint (XEP-0124, XEP-0206): POST <body/> elements here.\n';
const ALLOWED = 'http://localhost:5280';
const FOREIGN = 'https://evil.example';
const UNKNOWN_SID = `<body xmlns='${HTTPBIND}' rid='5' sid='none'/>`;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.stop());
afterEach(() => {
  vi.restoreAllMocks();
});

function request(path: string, method: string, headers: Record<string, string> = {}, body?: string) {
  return httpRequest(server.httpUrl + path, { method, headers, body });
}

describe('BOSH requests other than a body', () => {
  it('GET and HEAD get the help text, at the path in any letter case, with a trailing slash or a query', async () => {
    for (const path of ['/http-bind', '/http-bind/', '/HTTP-Bind', '/http-bind?x=1']) {
      const got = await request(path, 'GET');
      expect(got.status).toBe(200);
      expect(got.text).toBe(HELP);
      expect(got.headers).toMatchObject({ 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' });
    }
    const head = await request('/http-bind', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(HELP)));
    expect(head.text).toBe('');
  });

  it('other methods, and paths below the endpoint, are not found after the allowlist and CORS', async () => {
    for (const [path, method] of [['/http-bind', 'PUT'], ['/http-bind/', 'DELETE'], ['/http-bind/foo', 'GET'], ['/http-bind/foo', 'POST']] as const) {
      const got = await request(path, method, {}, method === 'POST' ? UNKNOWN_SID : undefined);
      expect(got.status).toBe(404);
      expect(got.text).toBe('Not found.\n');
      expect(got.headers.vary).toBe('Origin');
    }
    const allowed = await request('/http-bind', 'PUT', { Origin: ALLOWED });
    expect(allowed.status).toBe(404);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    const foreign = await request('/http-bind', 'PUT', { Origin: FOREIGN });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toBe('This origin may not use this server.\n');
    expect(foreign.headers.vary).toBe('Origin');
  });

  it('a path that only starts like the endpoint is left to the other routes', async () => {
    const got = await request('/http-bindx', 'POST', {}, UNKNOWN_SID);
    expect(got.status).toBe(404);
    expect(got.headers.vary).toBeUndefined();
  });
});

describe('CORS on BOSH', () => {
  it('a preflight gets 204 with the allowed methods, with or without Origin, below the path too', async () => {
    for (const [path, headers] of [['/http-bind', {}], ['/http-bind/anything', {}], ['/http-bind', { Origin: ALLOWED }]] as const) {
      const got = await request(path, 'OPTIONS', { ...headers, 'Access-Control-Request-Method': 'POST' });
      expect(got.status).toBe(204);
      expect(got.headers).toMatchObject({
        vary: 'Origin',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'Content-Type',
        'access-control-max-age': '86400',
      });
      expect(got.headers['access-control-allow-origin']).toBe('Origin' in headers ? ALLOWED : undefined);
      expect(got.text).toBe('');
    }
  });

  it('an allowed origin gets its header on BOSH bodies; another origin is refused before its body is read', async () => {
    const post = await request('/http-bind', 'POST', { Origin: ALLOWED }, UNKNOWN_SID);
    expect(post.status).toBe(200);
    expect(post.headers).toMatchObject({ 'access-control-allow-origin': ALLOWED, vary: 'Origin', 'content-type': 'text/xml; charset=utf-8' });
    expect(post.text).toContain("condition='item-not-found'");
    const refused = await request('/http-bind', 'POST', { Origin: FOREIGN }, UNKNOWN_SID);
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('a held request answered later still carries the CORS headers', async () => {
    const bosh = new RawBosh(`${server.httpUrl}/http-bind`, { Origin: ALLOWED });
    await bosh.signIn({ wait: '1' });
    const held = await request('/http-bind', 'POST', { Origin: ALLOWED }, `<body xmlns='${HTTPBIND}' rid='${bosh.rid + 1}' sid='${bosh.sid}'/>`);
    expect(held.status).toBe(200);
    expect(held.headers).toMatchObject({ 'access-control-allow-origin': ALLOWED, vary: 'Origin' });
    expect(held.text).toMatch(/^<body [^>]*\/>$/);
  });
});

describe('BOSH body size cap', () => {
  it('a body announced over the cap gets 413 and the connection is closed', async () => {
    const got = await request('/http-bind', 'POST', { 'Content-Length': String(600 * 1024) }, '<body');
    expect(got.status).toBe(413);
    expect(got.headers.connection).toBe('close');
    expect(got.text).toContain("condition='policy-violation'");
  });

  it('a streamed body that grows over the cap gets 413 too', async () => {
    const bosh = new RawBosh(`${server.httpUrl}/http-bind`);
    await bosh.signIn();
    const stanza = `<message xmlns='jabber:client' to='nobody@localhost'><body>${'x'.repeat(200 * 1024)}</body></message>`;
    const got = await new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
      const req = http.request(`${server.httpUrl}/http-bind`, { method: 'POST', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      });
      req.on('error', reject);
      req.write(`<body xmlns='${HTTPBIND}' rid='${bosh.rid + 1}' sid='${bosh.sid}'>`);
      for (let i = 0; i < 4; i++) req.write(stanza);
      req.end('</body>');
    });
    expect(got).toEqual({ status: 413, connection: 'close' });
  });
});

describe('BOSH connections and failures', () => {
  it('a sign-in runs over one kept-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<net.Socket>();
    const post = (body: string) => new Promise<string>((resolve, reject) => {
      const req = http.request(`${server.httpUrl}/http-bind`, { method: 'POST', agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve(text));
      });
      req.on('socket', (socket) => sockets.add(socket));
      req.on('error', reject);
      req.end(body);
    });
    try {
      const rid = 4000;
      const created = await post(`<body xmlns='${HTTPBIND}' rid='${rid}' to='anon.localhost' wait='5' hold='1' xmlns:xmpp='urn:xmpp:xbosh' xmpp:version='1.0'/>`);
      const sid = /sid='([^']+)'/.exec(created)?.[1];
      expect(sid).toBeTruthy();
      const auth = await post(`<body xmlns='${HTTPBIND}' rid='${rid + 1}' sid='${sid}'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/></body>`);
      expect(auth).toContain('<success');
      const goodbye = await post(`<body xmlns='${HTTPBIND}' rid='${rid + 2}' sid='${sid}' type='terminate'/>`);
      expect(goodbye).toContain("type='terminate'");
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('a URL in absolute form reaches the endpoint', async () => {
    const got = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: server.httpPort, path: `http://127.0.0.1:${server.httpPort}/http-bind`, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(got).toBe(200);
  });

  it('a failure while serving a request is a 500', async () => {
    vi.spyOn(server.server.context.access, 'resolveClient').mockImplementationOnce(() => {
      throw new Error('test failure');
    });
    const got = await request('/http-bind', 'POST', {}, UNKNOWN_SID);
    expect(got.status).toBe(500);
    expect(got.text).toBe('Internal error.\n');
  });
});

describe('BOSH behind a trusted proxy', () => {
  let proxied: TestServer;
  beforeAll(async () => {
    proxied = await startTestServer({ access: { allow: ['198.51.100.0/24'], max_connections_per_address: 1 } });
  });
  afterAll(() => proxied?.stop());
  const url = () => `${proxied.httpUrl}/http-bind`;
  const via = (address: string) => ({ 'X-Forwarded-For': address });

  it('an unparsable X-Forwarded-For is a 400, an address outside the allowlist a 403, on every method', async () => {
    for (const method of ['POST', 'GET', 'OPTIONS']) {
      const bad = await httpRequest(url(), { method, headers: via('not-an-address'), body: method === 'POST' ? UNKNOWN_SID : undefined });
      expect(bad.status).toBe(400);
      expect(bad.text).toBe('Bad X-Forwarded-For header.\n');
      const outside = await httpRequest(url(), { method, headers: via('203.0.113.9'), body: method === 'POST' ? UNKNOWN_SID : undefined });
      expect(outside.status).toBe(403);
      expect(outside.text).toBe('Your network may not use this server.\n');
    }
  });

  it('sessions count against the forwarded address', async () => {
    const first = await new RawBosh(url(), via('198.51.100.7')).create();
    expect(first.attrs.sid).toBeTruthy();
    const second = await new RawBosh(url(), via('198.51.100.7')).create();
    expect(second.attrs).toMatchObject({ type: 'terminate', condition: 'policy-violation' });
    const other = await new RawBosh(url(), via('198.51.100.8')).create();
    expect(other.attrs.sid).toBeTruthy();
  });
});
