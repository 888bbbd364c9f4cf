/**
 * The landing page as guests use it: headless Chromium opens links, fills the form and
 * chats through Converse.js served by Palaver. Screenshots go to test-artifacts/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

const enabled = browserAvailable();

let browser: Browser;
const guests: Guest[] = [];

async function guest(options?: Parameters<typeof Guest.open>[1]): Promise<Guest> {
  const opened = await Guest.open(browser, options);
  guests.push(opened);
  return opened;
}

function linkTo(origin: string, channel: string, nick: string, extra = ''): string {
  return `${origin}/?channel=${encodeURIComponent(channel)}&nick=${encodeURIComponent(nick)}${extra}`;
}

beforeAll(async () => {
  if (enabled) browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.all(guests.map((g) => g.close().catch(() => {})));
  await browser?.close();
});

describe.skipIf(!enabled)('the landing page in a browser', { timeout: 60_000 }, () => {
  let server: TestServer;
  let origin: string;
  const link = (channel: string, nick: string, extra = '') => linkTo(origin, channel, nick, extra);

  beforeAll(async () => {
    server = await startWebServer({
      landing: { title: 'Palaver', info: 'Trouble? Reload this page to get back to the start.' },
      channels: [{ name: 'lobby', title: 'Lobby', welcome: 'Welcome! Be kind.' }, { name: 'help', title: 'Help desk' }],
    });
    origin = server.httpUrl;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('two guests who open links chat both ways over WebSocket', async () => {
    const alice = await guest();
    const bob = await guest();
    await alice.joinByLink(link('tea', 'alice'));
    await bob.joinByLink(link('tea', 'bob'));

    await alice.say('Hello from alice');
    await bob.sees('Hello from alice');
    await bob.say('Hi alice, bob here');
    await alice.sees('Hi alice, bob here');

    // The address still names the room and the nickname, ready to share or reload.
    const address = new URL(alice.page.url());
    expect(address.searchParams.get('channel')).toBe('tea');
    expect(address.searchParams.get('nick')).toBe('alice');
    expect(alice.websockets).toEqual([`${origin.replace('http', 'ws')}/xmpp-websocket`]);
    expect(alice.requests.filter((url) => url.includes('/http-bind'))).toEqual([]);
    await alice.screenshot('chat-websocket.png');

    // A guest who changes their nickname keeps it across a reload: the address follows.
    await bob.page.locator('.chat-textarea').fill('/nick robert');
    await bob.page.locator('.chat-textarea').press('Enter');
    await expect.poll(() => new URL(bob.page.url()).searchParams.get('nick')).toBe('robert');
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'robert']);

    for (const g of [alice, bob]) {
      g.expectOnlyOrigin(origin);
      expect(g.errors).toEqual([]);
      expect(g.cspViolations).toEqual([]);
    }
  });

  it('two guests chat both ways over BOSH', async () => {
    const alice = await guest();
    const bob = await guest();
    await alice.joinByLink(link('coffee', 'alice', '&transport=bosh'));
    await bob.joinByLink(link('coffee', 'bob', '&transport=bosh'));

    await alice.say('Hello over BOSH');
    await bob.sees('Hello over BOSH');
    await bob.say('BOSH works both ways');
    await alice.sees('BOSH works both ways');

    expect(alice.websockets).toEqual([]);
    expect(alice.requests.some((url) => url === `${origin}/http-bind`)).toBe(true);
    for (const g of [alice, bob]) g.expectOnlyOrigin(origin);
  });

  it('a guest who joins later sees what was said before', async () => {
    const alice = await guest();
    await alice.joinByLink(link('history', 'alice'));
    await alice.say('First message, before carol');
    await alice.say('Second message, before carol');

    const carol = await guest();
    await carol.joinByLink(link('history', 'carol'));
    await carol.sees('First message, before carol');
    await carol.sees('Second message, before carol');
    carol.expectOnlyOrigin(origin);
  });

  it('a guest picks a nickname on the form and lands in the room', async () => {
    const dave = await guest();
    await dave.page.goto(`${origin}/?channel=lobby`);
    expect(await dave.page.locator('#channel').inputValue()).toBe('lobby');
    expect(await dave.page.locator('#xmpp-link').getAttribute('href')).toBe('xmpp:lobby@conference.localhost?join');
    await dave.screenshot('form.png');

    // A blank nickname is answered on the form.
    await dave.page.getByRole('button', { name: 'Join the chat' }).click();
    await expect.poll(() => dave.page.locator('#form-message').textContent()).toBe('Please choose a nickname.');

    await dave.page.locator('#nick').fill('dave');
    await dave.page.getByRole('button', { name: 'Join the chat' }).click();
    await dave.waitUntilInRoom();
    const address = new URL(dave.page.url());
    expect(address.searchParams.get('channel')).toBe('lobby');
    expect(address.searchParams.get('nick')).toBe('dave');
    // The channel's welcome: a message from the room's own nickname, who is not a participant.
    const welcome = dave.page.locator('.chat-msg', { hasText: 'Welcome! Be kind.' });
    await welcome.waitFor();
    expect((await welcome.locator('.chat-msg__author').textContent())?.trim()).toBe('Welcome');
    await expect.poll(() => dave.occupants()).toEqual(['dave']);
    expect(await dave.page.locator('.occupants-heading').textContent()).toBe('1 in the room');
    await dave.say('dave came in through the form');
    await dave.screenshot('chat-after-form.png');
    dave.expectOnlyOrigin(origin);

    // Someone else asking for the same name is told so on the form, not in a chat error.
    const other = await guest();
    await other.page.goto(link('lobby', 'dave'));
    await expect.poll(() => other.page.locator('#form-message').textContent()).toContain('already called “dave”');
    expect(await other.page.locator('body').getAttribute('data-mode')).toBe('form');
    expect(new URL(other.page.url()).searchParams.get('nick')).toBeNull();
    await other.screenshot('form-nick-taken.png');

    // Two guests racing for the same name: the check said yes, but the room said no.
    const racer = await guest();
    await racer.page.route('**/api/rooms/**', (route) => route.fulfill({ json: { available: true } }));
    await racer.page.goto(link('lobby', 'dave'));
    await racer.page.waitForURL((url) => url.searchParams.get('taken') === 'dave');
    await expect.poll(() => racer.page.locator('#form-message').textContent()).toContain('already called “dave”');
    expect(await racer.page.locator('#nick').inputValue()).toBe('dave');
  });

  it('the form shows the configured rooms and reads well on a dark phone', async () => {
    const phone = await guest({ colorScheme: 'dark', viewport: { width: 390, height: 844 } });
    await phone.page.goto(`${origin}/`);
    expect(await phone.page.locator('#channel option').allTextContents()).toEqual(['Lobby', 'Help desk']);
    await phone.page.locator('#channel').selectOption('help');
    expect(await phone.page.locator('#share-link').textContent()).toBe(`${origin}/?channel=help`);
    await phone.screenshot('form-phone-dark.png');

    await phone.page.locator('#nick').fill('erin');
    await phone.page.getByRole('button', { name: 'Join the chat' }).click();
    await phone.waitUntilInRoom();
    await phone.say('Hello from a phone');
    await phone.screenshot('chat-phone-dark.png');
    phone.expectOnlyOrigin(origin);
  });

  it('a visitor without JavaScript is told the chat needs it, and gets the link for XMPP apps', async () => {
    const visitor = await guest({ javaScriptEnabled: false });
    await visitor.page.goto(link('lobby', 'nojs'));
    expect(await visitor.page.locator('.notice').isVisible()).toBe(true);
    expect(await visitor.page.locator('.notice').textContent()).toContain('This chat needs JavaScript');
    expect(await visitor.page.locator('#join-form').isVisible()).toBe(false);
    expect(await visitor.page.locator('#xmpp-link').isVisible()).toBe(true);
    await visitor.screenshot('no-javascript.png');
  });

  it.each(['websocket', 'bosh'])('a guest who reloads the page is back in the room under the same nickname (%s)', async (transport) => {
    const alice = await guest();
    const bob = await guest();
    const room = `reload-${transport}`;
    await alice.joinByLink(link(room, 'alice', `&transport=${transport}`));
    await bob.joinByLink(link(room, 'bob', `&transport=${transport}`));
    await expect.poll(() => bob.occupants()).toEqual(['alice', 'bob']);

    await alice.page.reload();
    await alice.waitUntilInRoom();
    expect(new URL(alice.page.url()).searchParams.get('nick')).toBe('alice');
    await alice.say(`alice is back after a reload over ${transport}`);
    await bob.sees(`alice is back after a reload over ${transport}`);
    // No alice-2, and no ghost of the first alice either.
    await expect.poll(() => bob.occupants()).toEqual(['alice', 'bob']);
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'bob']);
    alice.expectOnlyOrigin(origin);
  });

  it('a file one guest uploads reaches the other', async () => {
    const alice = await guest();
    const bob = await guest();
    await alice.joinByLink(link('files', 'alice'));
    await bob.joinByLink(link('files', 'bob'));

    // A small picture: a piece of the page itself.
    const picture = await alice.page.screenshot({ clip: { x: 0, y: 0, width: 48, height: 48 } });
    await alice.page.locator('input.fileupload').setInputFiles({ name: 'hello.png', mimeType: 'image/png', buffer: picture });

    const image = bob.page.locator(`.chat-msg img[src^="${origin}/upload/"]`);
    await image.first().waitFor({ timeout: 15_000 });
    const src = await image.first().getAttribute('src');
    const response = await fetch(src!);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(picture)).toBe(true);
    await bob.screenshot('chat-upload.png');
    for (const g of [alice, bob]) {
      g.expectOnlyOrigin(origin);
      expect(g.cspViolations).toEqual([]);
    }
  });
});

describe.skipIf(!enabled)('the landing page when the server turns guests away', { timeout: 60_000 }, () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startWebServer({ access: { anonymous_logins_per_minute: 1 } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('a guest over the sign-in limit is told so, with a way to try again', async () => {
    const first = await guest();
    await first.joinByLink(linkTo(server.httpUrl, 'busy', 'first'));

    const second = await guest();
    await second.page.goto(linkTo(server.httpUrl, 'busy', 'second'));
    await second.page.waitForSelector('body[data-mode="join-failed"]', { state: 'attached', timeout: 20_000 });
    expect(await second.page.locator('#joining-text').textContent()).toContain('not letting guests in right now');
    expect(await second.page.getByRole('link', { name: 'Try again' }).getAttribute('href')).toBe(second.page.url());
    await second.screenshot('join-refused.png');
    second.expectOnlyOrigin(server.httpUrl);
  });
});

describe.skipIf(!enabled)('the landing page opened at another address than public_url', { timeout: 60_000 }, () => {
  let server: TestServer;

  beforeAll(async () => {
    // public_url stays at its default, http://localhost:5280; the browser uses 127.0.0.1.
    server = await startTestServer({});
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('still connects, to the address the page came from', async () => {
    const lou = await guest();
    await lou.joinByLink(linkTo(server.httpUrl, 'local', 'lou'));
    await lou.say('a local install works whatever public_url says');
    expect(lou.websockets).toEqual([`${server.httpUrl.replace('http', 'ws')}/xmpp-websocket`]);
    lou.expectOnlyOrigin(server.httpUrl);
  });
});
