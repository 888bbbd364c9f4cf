/**
 * README "Running several nodes": two Palaver nodes behind Debian's nginx set up as the
 * README says (test/helpers/nginx.ts). Guests sign in over WebSocket through the balancer
 * and land on both nodes; a TCP client signs in through nginx's stream module. (Sessions on
 * different nodes reaching each other is the cluster's work and tested there.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient, type XmppClient } from '../helpers/clients.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { connectWebSocketClient } from '../helpers/web.js';
import { lobbyConfig, startServerProcess, type ServerProcess } from '../helpers/server-process.js';

describe('Palaver nodes behind nginx', () => {
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  let nginx: Nginx;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-behind-nginx-'));
      dirs.push(dir);
      nodes.push(await startServerProcess(dir, lobbyConfig('warn')));
    }
    nginx = await startNginx({ http: nodes.map((node) => node.httpPort), tcp: nodes.map((node) => node.c2sPort) });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the landing page from every node', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`http://127.0.0.1:${nginx.httpPort}/?channel=lobby`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('<html');
    }
    // nginx writes the log line after the answer has gone out.
    await expect.poll(() => new Set(nginx.upstreams())).toEqual(new Set(nodes.map((node) => `127.0.0.1:${node.httpPort}`)));
  });

  it('signs guests in over WebSocket through the balancer, on both nodes', async () => {
    const before = nginx.upstreams().length;
    const guests: XmppClient[] = [];
    for (let i = 0; i < 2; i++) guests.push(await connectWebSocketClient({ httpPort: nginx.httpPort }));
    for (const guest of guests) expect(guest.jid?.domain).toBe('anon.localhost');
    await Promise.all(guests.map((guest) => guest.stop()));
    // nginx logs a WebSocket when it closes.
    await expect.poll(() => nginx.upstreams().length).toBe(before + 2);
    expect(new Set(nginx.upstreams().slice(before))).toEqual(new Set(nodes.map((node) => `127.0.0.1:${node.httpPort}`)));
  });

  it('signs a TCP client in with STARTTLS through the stream module', async () => {
    const guest = await connectClient({ port: nginx.tcpPort! });
    expect(guest.jid?.domain).toBe('anon.localhost');
    await guest.stop();
  });
});
