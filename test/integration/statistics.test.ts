import { afterEach, describe, expect, it } from 'vitest';
import { guest, join, NS_DATA, NS_MUC_OWNER, PASSWORD, roomJid, signIn, startMucServer, xml, type User } from './muc-helpers.js';
import { connectWebSocketClient } from '../helpers/web.js';
import type { TestServer } from '../helpers/server.js';
import { httpRequest } from '../helpers/http-get.js';
import { packageVersion } from '../../server/version.js';
import { privacyStatement } from '../../server/cli/privacy.js';
import { configFromObject } from '../../server/config/load.js';

/** GET /api/statistics over a real listener, with guests and account holders on TCP and WebSocket. */

const servers: TestServer[] = [];
const users: { client: { stop(): Promise<unknown> } }[] = [];
afterEach(async () => {
  await Promise.all(users.splice(0).map((user) => user.client.stop().catch(() => undefined)));
  for (const server of servers.splice(0)) await server.stop();
});

async function start(overrides: Parameters<typeof startMucServer>[0] = {}): Promise<TestServer> {
  const server = await startMucServer({ channels: [{ name: 'lobby', title: 'The lobby' }], ...overrides });
  servers.push(server);
  return server;
}

function track<T extends User>(user: T): T {
  users.push(user);
  return user;
}

async function statistics(server: TestServer, headers: Record<string, string> = {}) {
  return httpRequest(`${server.httpUrl}/api/statistics`, { headers });
}

/** A guest (TCP) and an account holder (WebSocket, two clients) in the lobby, and one room that is not public. */
async function populate(server: TestServer): Promise<void> {
  const alice = track(await guest(server));
  await join(alice, 'lobby', 'Alice');
  const bob = track(await signIn(server, 'bob'));
  await join(bob, 'hidden', 'Bob');
  await bob.client.iqCaller.request(xml('iq', { type: 'set', to: roomJid('hidden') },
    xml('query', { xmlns: NS_MUC_OWNER },
      xml('x', { xmlns: NS_DATA, type: 'submit' },
        xml('field', { var: 'muc#roomconfig_publicroom' }, xml('value', {}, '0'))))));
  const web = await connectWebSocketClient({ httpPort: server.httpPort, domain: 'localhost', username: 'bob', password: PASSWORD, resource: 'web' });
  users.push({ client: web });
}

describe('GET /api/statistics', () => {
  it('counts guests and account holders by transport, rooms and the occupants of public rooms, with no address or JID', async () => {
    const server = await start();
    await populate(server);
    const response = await statistics(server);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(response.body);
    expect(body).toEqual({
      version: packageVersion(),
      uptime: expect.any(Number),
      online: { guests: 1, accounts: 1, by_transport: { tcp: 2, websocket: 1, bosh: 0 } },
      rooms: 2,
      occupants: 2,
      public_rooms: [{ room: roomJid('lobby'), title: 'The lobby', occupants: 1 }],
    });
    expect(response.body).not.toMatch(/127\.0\.0\.1|anon\.localhost|bob@|Alice|Bob/);
  });

  it('lists the nicknames of public rooms only with [api].statistics_list_nicks', async () => {
    const server = await start({ api: { statistics_list_nicks: true } });
    await populate(server);
    const body = JSON.parse((await statistics(server)).body);
    expect(body.public_rooms).toEqual([{ room: roomJid('lobby'), title: 'The lobby', occupants: 1, nicks: ['Alice'] }]);
    // The members of the hidden room stay out of it.
    expect(JSON.stringify(body)).not.toContain('Bob');
    // The privacy statement says so.
    expect(privacyStatement(server.server.context.config)).toContain('**nicknames of the people in public rooms**');
    expect(privacyStatement(configFromObject({}))).not.toContain('nicknames of the people');
  });

  it('is a 404 with [api].statistics = false', async () => {
    const server = await start({ api: { statistics: false } });
    const response = await statistics(server);
    expect(response.status).toBe(404);
  });

  it('answers the listed origins with CORS headers and refuses other origins', async () => {
    const server = await start({ http: { cors_origins: ['https://site.example'] } });
    const allowed = await statistics(server, { Origin: 'https://site.example' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://site.example');
    expect(allowed.headers.vary).toContain('Origin');
    const refused = await statistics(server, { Origin: 'https://elsewhere.example' });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is behind the allowlist like every route', async () => {
    const server = await start({ access: { allow: ['127.0.0.1'] } });
    expect((await httpRequest(`${server.httpUrl}/api/statistics`, { localAddress: '127.0.0.1' })).status).toBe(200);
    expect((await httpRequest(`${server.httpUrl}/api/statistics`, { localAddress: '127.0.0.2' })).status).toBe(403);
  });
});
