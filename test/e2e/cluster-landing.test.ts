/**
 * The goal of HTTP across nodes, in a browser: three nodes on PostgreSQL and Redis behind a
 * plain round-robin nginx, and a guest on the landing page over BOSH who joins a room, talks
 * and shares a picture, every request landing on whichever node nginx picks.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { startNginx, type Nginx } from '../helpers/nginx.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { freePort } from '../helpers/server-process.js';
import { browserAvailable, Guest, launchBrowser } from './browser.js';

const enabled = browserAvailable();

describe.skipIf(!enabled)('the landing page on three nodes behind round-robin nginx', { timeout: 90_000 }, () => {
  let browser: Browser;
  let database: TestDatabase;
  let cluster: TestCluster;
  let nginx: Nginx;
  let origin: string;
  const guests: Guest[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    database = await createTestDatabase();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    cluster = await startTestCluster(['web-a', 'web-b', 'web-c'], {
      storage: { backend: 'postgres', url: database.url },
      listen: { public_url: origin },
    });
    nginx = await startNginx({ http: cluster.nodes.map((node) => node.httpPort), httpPort: port });
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await nginx?.stop();
    await cluster?.stop();
    await database?.drop();
  });

  it('a guest over BOSH joins, talks and shares a picture that every node serves', async () => {
    const alice = await Guest.open(browser);
    guests.push(alice);
    const before = nginx.upstreams().length;
    await alice.joinByLink(`${origin}/?channel=spread&nick=alice&transport=bosh`);
    await alice.say('hello from every node');

    const picture = await alice.page.screenshot({ clip: { x: 0, y: 0, width: 48, height: 48 } });
    await alice.page.locator('input.fileupload').setInputFiles({ name: 'hello.png', mimeType: 'image/png', buffer: picture });
    const image = alice.page.locator(`.chat-msg img[src^="${origin}/upload/"]`);
    await image.first().waitFor({ timeout: 15_000 });
    const src = (await image.first().getAttribute('src'))!;
    for (const node of cluster.nodes) {
      const response = await fetch(node.httpUrl + new URL(src).pathname);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(picture)).toBe(true);
    }
    await alice.screenshot('cluster-landing.png');

    const boshUpstreams = new Set(nginx.accessLog().split('\n').slice(before).filter((line) => line.includes('POST /http-bind')).map((line) => line.split('upstream=')[1]));
    expect(boshUpstreams.size).toBe(3);
    alice.expectOnlyOrigin(origin);
    expect(alice.websockets).toEqual([]);
    expect(alice.errors).toEqual([]);
  });
});
