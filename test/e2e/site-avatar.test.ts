/**
 * The avatar a site gives its signed-in user (the token's `img`, issue 15), in Chromium: Palaver
 * fetches the picture once from the site and serves it (vCard-temp through the room, XEP-0153
 * hash in the room presence), so another guest sees it without their browser ever asking the
 * site. Screenshots go to test-artifacts/.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

const enabled = browserAvailable();
const SECRET = 'the site and the chat share this';
// A 1×1 PNG.
const PICTURE = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe.skipIf(!enabled)('a site’s avatar for its signed-in user', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let site: http.Server;
  let siteOrigin = '';
  const siteRequests: string[] = [];
  const guests: Guest[] = [];

  beforeAll(async () => {
    site = http.createServer((req, res) => {
      siteRequests.push(req.url ?? '');
      if (req.url === '/avatars/7.png') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from(PICTURE, 'base64'));
      else if (req.url === '/avatars/huge.png') res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(200_000, 1));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    server = await startWebServer({
      auth: { jwt: { mode: 'optional', secret: SECRET, frame_ancestors: [siteOrigin] } },
      channels: [{ name: 'lobby', title: 'Lobby' }],
    });
  });
  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
    await new Promise((resolve) => site?.close(resolve));
  });

  const token = (claims: Record<string, unknown>) => new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
  const guest = async () => {
    const opened = await Guest.open(browser);
    guests.push(opened);
    return opened;
  };
  /** The picture Converse shows beside a name in the participant list (an SVG <image> with a data: URL). */
  const avatarOf = (viewer: Guest, nick: string) => viewer.page.locator('li.occupant', { hasText: nick })
    .locator('converse-avatar svg image').first().getAttribute('href', { timeout: 20_000 });

  it('shows the site’s picture to the other guests, served by Palaver', async () => {
    const member = await guest();
    await member.joinByLink(`${server.httpUrl}/?channel=lobby&jwt=${await token({ sub: 'member-7', nick: 'Pictured', img: `${siteOrigin}/avatars/7.png` })}`);
    const viewer = await guest();
    // A plain guest next to the site's users ([auth.jwt] optional).
    await viewer.joinByLink(`${server.httpUrl}/?channel=lobby&nick=viewer`);
    expect(await avatarOf(viewer, 'Pictured')).toBe(`data:image/png;base64,${PICTURE}`);
    await viewer.screenshot('site-avatar.png');
    // The viewer's browser only ever talked to Palaver; Palaver asked the site once.
    viewer.expectOnlyOrigin(server.httpUrl);
    expect(siteRequests.filter((url) => url === '/avatars/7.png')).toHaveLength(1);
  });

  it('a picture over the size cap is not shown, and the guest still gets in', async () => {
    const member = await guest();
    await member.joinByLink(`${server.httpUrl}/?channel=lobby&jwt=${await token({ sub: 'member-8', nick: 'Toolarge', img: `${siteOrigin}/avatars/huge.png` })}`);
    const viewer = await guest();
    await viewer.joinByLink(`${server.httpUrl}/?channel=lobby&nick=viewer2`);
    await viewer.page.locator('li.occupant', { hasText: 'Toolarge' }).locator('.avatar-initials').first().waitFor();
    expect(await viewer.page.locator('li.occupant', { hasText: 'Toolarge' }).locator('converse-avatar svg image').count()).toBe(0);
  });
});
