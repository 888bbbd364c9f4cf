/**
 * The nginx harness (test/helpers/nginx.ts) that cluster tests put in front of several nodes:
 * Debian's nginx balancing round-robin over two plain HTTP servers, proxying WebSocket
 * upgrades and passing X-Forwarded-For, and balancing raw TCP with its stream module.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { canConnect } from '../helpers/server-process.js';

interface Backend {
  name: string;
  httpPort: number;
  tcpPort: number;
  /** X-Forwarded-For and Host of every plain request it served. */
  requests: { forwardedFor?: string; host?: string }[];
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

/** An HTTP server that answers its name (and a WebSocket that echoes with it), and a TCP server that says it. */
async function startBackend(name: string): Promise<Backend> {
  const requests: Backend['requests'] = [];
  const web = http.createServer((request, response) => {
    requests.push({ forwardedFor: request.headers['x-forwarded-for'] as string | undefined, host: request.headers.host });
    response.end(name);
  });
  const sockets = new WebSocketServer({ server: web });
  sockets.on('connection', (socket) => socket.on('message', (data) => socket.send(`${String(data)} from ${name}`)));
  const tcp = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${name}\n`);
  });
  const httpPort = await listen(web);
  const tcpPort = await listen(tcp);
  return {
    name, httpPort, tcpPort, requests,
    async close() {
      for (const client of sockets.clients) client.terminate();
      web.closeAllConnections();
      await Promise.all([web, tcp].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** A GET with a Host header of our choosing (fetch may not set one). */
function get(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', headers: { host: 'chat.example' } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => { body += chunk.toString(); });
      response.once('end', () => resolve(body));
    });
    request.once('error', reject);
  });
}

function webSocketEcho(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    socket.once('error', reject);
    socket.once('open', () => socket.send(text));
    socket.once('message', (data) => {
      socket.close();
      resolve(String(data));
    });
  });
}

function tcpGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', (chunk) => { text += chunk.toString(); });
    socket.once('error', reject);
    socket.once('end', () => resolve(text.trim()));
  });
}

describe('nginx in front of two servers', () => {
  let a: Backend;
  let b: Backend;
  let nginx: Nginx;

  beforeAll(async () => {
    [a, b] = await Promise.all([startBackend('a'), startBackend('b')]);
    nginx = await startNginx({ http: [a.httpPort, b.httpPort], tcp: [a.tcpPort, b.tcpPort] });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([a, b].map((backend) => backend?.close()));
  });

  it('balances plain HTTP round-robin, with X-Forwarded-For and the Host header', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await get(nginx.httpPort));
    expect(answers.filter((name) => name === 'a')).toHaveLength(3);
    expect(answers.filter((name) => name === 'b')).toHaveLength(3);
    for (let i = 1; i < answers.length; i++) expect(answers[i]).not.toBe(answers[i - 1]);
    for (const request of [...a.requests, ...b.requests]) expect(request).toEqual({ forwardedFor: '127.0.0.1', host: 'chat.example' });
    await expect.poll(() => new Set(nginx.upstreams())).toEqual(new Set([`127.0.0.1:${a.httpPort}`, `127.0.0.1:${b.httpPort}`]));
  });

  it('proxies WebSocket upgrades to both servers', async () => {
    const echoes = await Promise.all([webSocketEcho(nginx.httpPort, 'one'), webSocketEcho(nginx.httpPort, 'two')]);
    expect(echoes.map((echo) => echo.replace(/^(one|two) /, '')).sort()).toEqual(['from a', 'from b']);
    expect(echoes.find((echo) => echo.startsWith('one'))).toMatch(/^one from [ab]$/);
  });

  it('balances raw TCP with the stream module', async () => {
    const greetings = [await tcpGreeting(nginx.tcpPort!), await tcpGreeting(nginx.tcpPort!)];
    expect(greetings.sort()).toEqual(['a', 'b']);
  });

  it('stops by its pid and frees its ports', async () => {
    const { pid, httpPort } = nginx;
    await nginx.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(await canConnect(httpPort)).toBe(false);
  });
});

describe('nginx harness without nginx', () => {
  it('fails loudly', async () => {
    await expect(startNginx({ http: [1], binary: '/nonexistent/sbin/nginx' })).rejects.toThrow('nginx is not installed at /nonexistent/sbin/nginx');
  });
});
