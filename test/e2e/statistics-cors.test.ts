/**
 * A site showing "N people are chatting": a page on another origin fetches /api/statistics
 * in headless Chromium. The origin listed in [http].cors_origins reads the counts; a page
 * on any other origin is refused by the browser's CORS check (and by the server's 403).
 * Chromium is required: a missing browser fails this file.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { connectClient } from '../helpers/clients.js';
import { launchBrowser, startWebServer } from './browser.js';

let browser: Browser;
let palaver: TestServer;
const sites: http.Server[] = [];

/** Where the sites' pages fetch from, known once Palaver is up. */
let statisticsUrl = '';

/** A one-page site on its own loopback port: its page fetches the statistics and shows the result. */
async function site(): Promise<string> {
  const page = () => `<!doctype html><meta charset="utf-8"><title>Community</title><p id="online">…</p>
<script>
fetch(${JSON.stringify(statisticsUrl)})
  .then((response) => response.json())
  .then((stats) => { document.getElementById('online').textContent = stats.online.guests + ' people are chatting'; })
  .catch((error) => { document.getElementById('online').textContent = 'refused: ' + error.name; });
</script>`;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(page()));
  sites.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await palaver?.stop();
  for (const server of sites) server.close();
});

describe('/api/statistics from another origin in Chromium', { timeout: 60_000 }, () => {
  it('the listed origin reads the counts; another origin is refused', async () => {
    const listed = await site();
    const other = await site();
    palaver = await startWebServer({ http: { cors_origins: [listed] } });
    const url = `${palaver.httpUrl}/api/statistics`;
    statisticsUrl = url;
    const guest = await connectClient({ port: palaver.c2sPort });

    const context = await browser.newContext();
    const allowedPage = await context.newPage();
    await allowedPage.goto(listed);
    await expect.poll(() => allowedPage.textContent('#online'), { timeout: 15_000 }).toBe('1 people are chatting');

    const refusedPage = await context.newPage();
    // Chromium reports a request its CORS check failed as failed, with no response to show.
    const refusal = refusedPage.waitForEvent('requestfailed', (request) => request.url() === url);
    await refusedPage.goto(other);
    await refusal;
    await expect.poll(() => refusedPage.textContent('#online'), { timeout: 15_000 }).toBe('refused: TypeError');
    await context.close();
    await guest.stop();
  });
});
