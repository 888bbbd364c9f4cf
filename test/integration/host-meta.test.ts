import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseXml, type Element } from 'ltx';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { httpRequest } from '../helpers/web.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ listen: { public_url: 'https://chat.example' } });
});
afterAll(() => server?.stop());

describe('connection discovery (XEP-0156)', () => {
  it('a browser discovers the WebSocket and BOSH URLs from host-meta', async () => {
    const result = await httpRequest(`${server.httpUrl}/.well-known/host-meta`);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/xrd\+xml/);
    expect(result.headers['access-control-allow-origin']).toBe('*');
    const xrd = parseXml(result.text) as Element;
    expect(xrd.name).toBe('XRD');
    expect(xrd.attrs.xmlns).toBe('http://docs.oasis-open.org/ns/xri/xrd-1.0');
    const links = Object.fromEntries(xrd.getChildren('Link').map((link) => [link.attrs.rel, link.attrs.href]));
    expect(links).toEqual({
      'urn:xmpp:alt-connections:websocket': 'wss://chat.example/xmpp-websocket',
      'urn:xmpp:alt-connections:xbosh': 'https://chat.example/http-bind',
    });
  });

  it('the same links are served as JSON', async () => {
    const result = await httpRequest(`${server.httpUrl}/.well-known/host-meta.json`);
    expect(result.status).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(result.text)).toEqual({
      links: [
        { rel: 'urn:xmpp:alt-connections:xbosh', href: 'https://chat.example/http-bind' },
        { rel: 'urn:xmpp:alt-connections:websocket', href: 'wss://chat.example/xmpp-websocket' },
      ],
    });
  });

  it('a public URL with a path and plain http gives ws:// URLs under that path', async () => {
    const other = await startTestServer({ listen: { public_url: 'http://example.org/chat/' } });
    try {
      const links = JSON.parse((await httpRequest(`${other.httpUrl}/.well-known/host-meta.json`)).text).links as { href: string }[];
      expect(links.map((link) => link.href)).toEqual(['http://example.org/chat/http-bind', 'ws://example.org/chat/xmpp-websocket']);
    } finally {
      await other.stop();
    }
  });
});

describe('the HTTP listener', () => {
  it('does not advertise its framework, answers 426 for a plain GET on the WebSocket path and 404 elsewhere', async () => {
    const websocket = await httpRequest(`${server.httpUrl}/xmpp-websocket`);
    expect(websocket.status).toBe(426);
    expect(websocket.headers['x-powered-by']).toBeUndefined();
    const missing = await httpRequest(`${server.httpUrl}/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers['x-powered-by']).toBeUndefined();
  });

  it('answers a malformed request with 400 and keeps serving', async () => {
    const net = await import('node:net');
    const reply = await new Promise<string>((resolve) => {
      const socket = net.connect(server.httpPort, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await httpRequest(`${server.httpUrl}/.well-known/host-meta`)).status).toBe(200);
  });
});
