/**
 * A site that signs its users in ([auth.jwt]), in Chromium: a page on another origin frames
 * the chat and hands it a token by postMessage; a link carries a token; in "required" mode
 * the plain form is refused with a clear message.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { CHROMIUM, Guest, launchBrowser, startWebServer } from './browser.js';
import { framedChat, watchRoom } from './site-frame.js';

if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser tests`);

const SECRET = 'shared between the site and the chat';

async function siteToken(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ exp: Math.floor(Date.now() / 1000) + 300, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(SECRET));
}

/** The embedding site: one page that frames the chat and hands it the token its server signed. */
function embeddingPage(chatOrigin: string, token: string): string {
  return `<!doctype html><html><head><title>The site</title></head><body>
<h1>Our community</h1>
<iframe id="chat" src="${chatOrigin}/?channel=lobby&amp;jwt=postMessage" style="width:900px;height:600px"></iframe>
<script>
  const token = ${JSON.stringify(token)};
  window.addEventListener('message', (event) => {
    if (event.origin !== ${JSON.stringify(chatOrigin)} || event.data?.type !== 'palaver:ready') return;
    event.source.postMessage({ type: 'palaver:token', token }, ${JSON.stringify(chatOrigin)});
  });
</script></body></html>`;
}

async function startSite(page: () => Promise<string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const site = http.createServer((req, res) => {
    page().then((html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html),
      () => res.writeHead(500).end());
  });
  site.on('clientError', (_error, socket) => socket.destroy());
  site.setTimeout(10_000);
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  const { port } = site.address() as AddressInfo;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => site.close(() => resolve())) };
}

let browser: Browser;
const guests: Guest[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(guests.map((g) => g.close().catch(() => {})));
  await browser?.close();
});

async function guest(): Promise<Guest> {
  const opened = await Guest.open(browser);
  guests.push(opened);
  return opened;
}

describe('a site signs its users in (optional mode)', { timeout: 60_000 }, () => {
  let server: TestServer;
  let site: Awaited<ReturnType<typeof startSite>>;
  let watcher: Awaited<ReturnType<typeof watchRoom>>;

  beforeAll(async () => {
    let chatOrigin = '';
    site = await startSite(async () => embeddingPage(chatOrigin, await siteToken({ sub: 'member-7', nick: 'Siteuser', op: true })));
    server = await startWebServer({
      auth: { jwt: { mode: 'optional', secret: SECRET, frame_ancestors: [site.origin] } },
      channels: [{ name: 'lobby', title: 'Lobby' }],
    });
    chatOrigin = server.httpUrl;
    watcher = await watchRoom(server, 'lobby');
  });
  afterAll(async () => {
    await watcher?.client.stop().catch(() => {});
    await site?.close();
    await server?.stop();
  });

  it('a page on another origin frames the chat; its user appears under the token nickname, as a moderator', async () => {
    const visitor = await guest();
    await visitor.page.goto(`${site.origin}/`);
    const chat = await framedChat(visitor.page, server.httpUrl);
    await expect.poll(() => watcher.roles.get('Siteuser'), { timeout: 10_000 }).toBe('moderator');
    // Inside the frame Converse lists the signed-in user under the token's name.
    await chat.locator('.occupant-nick', { hasText: 'Siteuser' }).first().waitFor({ timeout: 10_000 });
    await visitor.screenshot('site-framed-chat.png');
  });

  it('the page may be framed by the listed site only', async () => {
    const response = await fetch(`${server.httpUrl}/?channel=lobby`);
    expect(response.headers.get('content-security-policy')).toContain(`frame-ancestors ${site.origin}`);
    expect(response.headers.get('x-frame-options')).toBeNull();
  });

  it('a link with ?jwt= signs in, skips the form, and the token leaves the address bar', async () => {
    const visitor = await guest();
    const token = await siteToken({ sub: 'member-8', nick: 'Linkuser' });
    await visitor.joinByLink(`${server.httpUrl}/?channel=lobby&jwt=${token}`);
    await expect.poll(() => watcher.roles.get('Linkuser'), { timeout: 10_000 }).toBe('participant');
    expect(visitor.page.url()).not.toContain(token);
    expect(new URL(visitor.page.url()).searchParams.get('channel')).toBe('lobby');
    // Going back does not bring the token back either: it was replaced, not pushed (the
    // tab's history is the blank page it opened with, then this page).
    expect(await visitor.page.evaluate(() => history.length)).toBe(2);
  });
});

describe('a refused token in the browser', { timeout: 60_000 }, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startWebServer({ auth: { jwt: { mode: 'optional', secret: SECRET } } });
  });
  afterAll(() => server?.stop());

  it('an expired token is told to come back from the site', async () => {
    const visitor = await guest();
    const expired = await siteToken({ sub: 'late', exp: Math.floor(Date.now() / 1000) - 3600 });
    await visitor.page.goto(`${server.httpUrl}/?channel=lobby&jwt=${expired}`);
    await visitor.page.waitForSelector('body[data-mode="join-failed"]', { state: 'attached', timeout: 40_000 });
    expect(await visitor.page.locator('#joining-text').textContent()).toContain('did not accept your sign-in from the site');
  });
});

describe('only the site\'s users may enter (required mode)', { timeout: 60_000 }, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startWebServer({
      auth: { jwt: { mode: 'required', secret: SECRET } },
      channels: [{ name: 'lobby', title: 'Lobby' }],
    });
  });
  afterAll(() => server?.stop());

  it('the plain landing form is refused with a clear message, and the page cannot be framed', async () => {
    const visitor = await guest();
    await visitor.page.goto(`${server.httpUrl}/?channel=lobby&nick=alice`);
    await visitor.page.waitForSelector('body[data-mode="form"]', { state: 'attached' });
    await expect.poll(() => visitor.page.locator('#form-message').textContent())
      .toContain('Only members of the site this chat belongs to can join it');
    // Submitting the form lands on the same refusal.
    await visitor.page.locator('#nick').fill('bob');
    await visitor.page.locator('button[type=submit]').click();
    await visitor.page.waitForURL(/nick=bob/);
    expect(await visitor.page.locator('#form-message').textContent()).toContain('Please open the chat from that site');
    expect(await visitor.page.locator('body').getAttribute('data-mode')).toBe('form');
    await visitor.screenshot('site-required-form.png');

    const response = await fetch(`${server.httpUrl}/`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('a link with a token still gets in', async () => {
    const visitor = await guest();
    await visitor.joinByLink(`${server.httpUrl}/?channel=lobby&jwt=${await siteToken({ sub: 'm', nick: 'Member' })}`);
    expect(visitor.page.url()).not.toContain('jwt=');
  });
});
