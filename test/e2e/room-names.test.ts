/**
 * Rooms named in links as people name them: `my room`, `Café Zürich`, `🎉party`. The same
 * link reaches the same room for everyone, the room shows the name as typed, and a name that
 * cannot be used is explained on the form.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

const enabled = browserAvailable();

describe.skipIf(!enabled)('natural room names in links', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const guests: Guest[] = [];
  const guest = async () => {
    const opened = await Guest.open(browser);
    guests.push(opened);
    return opened;
  };
  const link = (channel: string, nick?: string) =>
    `${server.httpUrl}/?channel=${encodeURIComponent(channel)}${nick ? `&nick=${encodeURIComponent(nick)}` : ''}`;

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startWebServer({});
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it.each([
    ['my room', 'my-room'],
    ['Café Zürich', 'café-zürich'],
    ['🎉party', /^party-[a-z2-7]{8}$/],
  ])('“%s” is one room for everyone with the link, titled as typed', async (name, address) => {
    const ann = await guest();
    const ben = await guest();
    await ann.joinByLink(link(name, 'ann'));
    await ben.joinByLink(link(name, 'ben'));
    await ann.say(`hello in ${name}`);
    await ben.sees(`hello in ${name}`);

    const jid = await ann.page.evaluate(() => JSON.parse(document.getElementById('palaver-settings')!.textContent!).channel as string);
    if (typeof address === 'string') expect(jid).toBe(address);
    else expect(jid).toMatch(address);
    // The creator's page titled the new room with the name as typed; the other guest sees it.
    await expect.poll(() => ben.page.locator('.chatbox-title__text').first().textContent()).toBe(name);
    // The address bar keeps the name as typed, for sharing and reloading.
    expect(new URL(ann.page.url()).searchParams.get('channel')).toBe(name);
    await ben.screenshot(`room-name-${address === 'my-room' ? 'my-room' : jid.replace(/[^a-z-]/g, '')}.png`);
  });

  it('a name with an invisible character is refused on the form, saying which', async () => {
    const visitor = await guest();
    await visitor.page.goto(link('bad\u200bname', 'cleo'));
    await expect.poll(() => visitor.page.locator('#form-message').textContent()).toContain('U+200B (a zero-width space)');
    expect(await visitor.page.locator('body').getAttribute('data-mode')).toBe('form');
    await visitor.screenshot('room-name-refused.png');

    // Typing a natural name on the form works, and the XMPP link follows it.
    await visitor.page.locator('#channel').fill('Book club');
    await expect.poll(() => visitor.page.locator('#xmpp-link').getAttribute('href')).toBe('xmpp:book-club@conference.localhost?join');
    await visitor.page.getByRole('button', { name: 'Join the chat' }).click();
    await visitor.waitUntilInRoom();
    expect(new URL(visitor.page.url()).searchParams.get('channel')).toBe('Book club');
  });
});
