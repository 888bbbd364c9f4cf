/**
 * The room's tools for guests (issue 16, items 4, 5 and 9), in headless Chromium: the first
 * visit to a room one has just made, the menu in plain words, leaving; new messages while
 * the tab is in the background; searching the room's archive. Screenshots go to
 * test-artifacts/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAccount, type TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer, roomLink } from './browser.js';

const enabled = browserAvailable();

/** Makes the page believe its tab is in the background (or back in front). */
async function setHidden(guest: Guest, hidden: boolean): Promise<void> {
  await guest.page.evaluate((isHidden) => {
    Object.defineProperty(document, 'visibilityState', { value: isHidden ? 'hidden' : 'visible', configurable: true });
    Object.defineProperty(document, 'hidden', { value: isHidden, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

describe.skipIf(!enabled)('the room’s tools for guests', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const guests: Guest[] = [];
  const guest = async () => {
    const opened = await Guest.open(browser);
    guests.push(opened);
    return opened;
  };
  const link = (channel: string, nick: string) => roomLink(server, channel, nick);

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startWebServer({ channels: [{ name: 'lobby', title: 'Lobby' }], muc: { reserve_account_names: true } });
    await addAccount(server, 'alice', 'alice pw');
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it('greets whoever makes a room with its link and a copy button; the menu speaks plainly; leaving works', async () => {
    const maker = await guest();
    await maker.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.httpUrl });
    await maker.joinByLink(link('Picnic plans', 'Maya'));
    const card = maker.page.locator('#invite-card');
    await card.waitFor();
    expect(await card.locator('h2').textContent()).toBe('Your room is ready');
    const shared = await card.locator('input').inputValue();
    expect(new URL(shared).searchParams.get('channel')).toBe('Picnic plans');
    expect(new URL(shared).searchParams.get('nick')).toBeNull();
    await maker.screenshot('room-first-visit.png');
    await card.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => card.getByRole('button').first().textContent()).toBe('Copied!');
    expect(await maker.page.evaluate(() => navigator.clipboard.readText())).toBe(shared);
    await card.getByRole('button', { name: 'Got it' }).click();
    await card.waitFor({ state: 'detached' });

    // The maker is the room's host, in words; no "O"/"MO" badges, no Destroy (room-menu.test.ts has the whole menu).
    const role = maker.page.locator('li.occupant .palaver-role');
    await role.first().waitFor();
    expect(await role.allTextContents()).toEqual(['Host']);
    expect(await maker.page.locator('.occupant-badges .badge >> visible=true').count()).toBe(0);
    await maker.screenshot('room-badges.png');
    const items = await maker.roomMenuItems('room-menu.png');
    expect(items).not.toContain('Destroy');
    expect(items).toEqual(expect.arrayContaining(['Invite people', 'Leave the room', 'Notify me of new messages', 'Turn the sound on']));

    // A second guest who joins by the shared link is not told the room is new.
    const friend = await guest();
    await friend.joinByLink(`${shared}&nick=Sam`);
    await friend.page.waitForTimeout(500);
    expect(await friend.page.locator('#invite-card').count()).toBe(0);

    await maker.roomMenu('Leave the room');
    await maker.page.waitForSelector('body[data-mode="join-failed"]');
    expect(await maker.page.locator('#joining-text').textContent()).toBe('You left the room.');
    await maker.page.getByRole('link', { name: 'Join again' }).waitFor();
    await expect.poll(() => friend.occupants()).toEqual(['Sam']);
    await maker.screenshot('room-left.png');
    for (const g of [maker, friend]) expect(g.errors).toEqual([]);
  });

  it('counts new messages in the tab title while the tab is hidden, marks a mention, and notifies once allowed', async () => {
    const reader = await guest();
    const writer = await guest();
    await reader.context.grantPermissions(['notifications'], { origin: server.httpUrl });
    await reader.joinByLink(link('lobby', 'reader'));
    await writer.joinByLink(link('lobby', 'writer'));
    const title = await reader.page.title();

    // Notifications on, from the menu; the page records what it would show.
    await reader.page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shown: string[] }).shown = shown;
      const Original = window.Notification;
      class Recording extends Original {
        constructor(heading: string, options?: NotificationOptions) {
          super(heading, options);
          shown.push(`${heading}: ${options?.body ?? ''}`);
        }
      }
      Object.defineProperty(window, 'Notification', { value: Recording, configurable: true });
    });
    await reader.roomMenu('Notify me of new messages');
    await reader.page.locator('.chat-info', { hasText: 'You will be notified' }).waitFor();

    await setHidden(reader, true);
    await writer.say('first while away');
    await writer.say('second while away');
    await expect.poll(() => reader.page.title()).toBe(`(2) ${title}`);
    await writer.say('reader, are you there?');
    await expect.poll(() => reader.page.title()).toBe(`(@3) ${title}`);
    const shown = await reader.page.evaluate(() => (window as unknown as { shown: string[] }).shown);
    expect(shown).toEqual([
      'writer in Lobby: first while away',
      'writer in Lobby: second while away',
      'writer mentioned you in Lobby: reader, are you there?',
    ]);
    await reader.screenshot('unread-title.png');

    await setHidden(reader, false);
    await expect.poll(() => reader.page.title()).toBe(title);
    await writer.say('seen at once');
    await reader.sees('seen at once');
    expect(await reader.page.title()).toBe(title);
    expect(reader.errors).toEqual([]);
  });

  it('plays Palaver’s own sound once turned on', async () => {
    const reader = await guest();
    const writer = await guest();
    await reader.joinByLink(link('lobby', 'listener'));
    await writer.joinByLink(link('lobby', 'talker'));
    await reader.page.evaluate(() => {
      const played: string[] = [];
      (window as unknown as { played: string[] }).played = played;
      HTMLMediaElement.prototype.play = function play(this: HTMLMediaElement) {
        played.push(this.src);
        return Promise.resolve();
      };
    });
    await reader.roomMenu('Turn the sound on');
    await setHidden(reader, true);
    await writer.say('ding?');
    await expect.poll(() => reader.page.evaluate(() => (window as unknown as { played: string[] }).played)).toHaveLength(1);
    const [played] = await reader.page.evaluate(() => (window as unknown as { played: string[] }).played);
    expect(new URL(played!).origin).toBe(server.httpUrl);
    const response = await fetch(played!);
    expect(response.headers.get('content-type')).toMatch(/^audio\//);
    reader.expectOnlyOrigin(server.httpUrl);
  });

  it('finds an old message in the room’s archive, with date and author, and shows it in its conversation', async () => {
    const writer = await guest();
    await writer.joinByLink(link('lobby', 'historian'));
    for (const line of ['the picnic is on Sunday', 'bring lemonade please', 'who has the blanket?', 'I will bring sandwiches', 'see you at noon']) {
      await writer.say(line);
    }
    await writer.close();

    const seeker = await guest();
    await seeker.joinByLink(link('lobby', 'seeker'));
    await seeker.roomMenu('Search messages');
    const card = seeker.page.locator('#search-card');
    await card.getByRole('searchbox').fill('lemonade');
    await card.getByRole('button', { name: 'Search' }).click();
    const results = card.locator('.room-card-result');
    await expect.poll(() => results.count()).toBe(1);
    expect(await results.first().locator('.room-card-text').textContent()).toBe('bring lemonade please');
    expect(await results.first().locator('.room-card-meta strong').textContent()).toBe('historian');
    const stamp = await results.first().locator('time').getAttribute('datetime');
    expect(Math.abs(Date.parse(stamp!) - Date.now())).toBeLessThan(5 * 60_000);
    await seeker.screenshot('search-results.png');

    await results.first().click();
    await expect.poll(() => card.locator('.room-card-text').allTextContents()).toEqual(expect.arrayContaining([
      'the picnic is on Sunday', 'bring lemonade please', 'who has the blanket?', 'I will bring sandwiches',
    ]));
    expect(await card.locator('.room-card-hit .room-card-text').textContent()).toBe('bring lemonade please');
    await seeker.screenshot('search-context.png');
    await card.getByRole('button', { name: 'Back to the results' }).click();
    await expect.poll(() => results.count()).toBe(1);

    await card.getByRole('searchbox').fill('zeppelin');
    await card.getByRole('button', { name: 'Search' }).click();
    await card.locator('.room-card-status', { hasText: 'No messages found.' }).waitFor();
    expect(seeker.errors).toEqual([]);
  });

  it('keeps an account holder’s name from guests, on the form and when renaming, in words', async () => {
    const visitor = await guest();
    await visitor.page.goto(link('lobby', 'Alice'));
    await visitor.page.waitForSelector('body[data-mode="form"]', { state: 'attached', timeout: 20_000 });
    await expect.poll(() => visitor.page.locator('#form-message').textContent())
      .toBe('That name belongs to someone with an account on this server. Please pick a different nickname.');
    await visitor.screenshot('reserved-name-form.png');

    await visitor.joinByLink(link('lobby', 'notalice'));
    await visitor.page.locator('.chat-textarea').fill('/nick alice');
    await visitor.page.locator('.chat-textarea').press('Enter');
    const error = visitor.page.locator('.chat-error', { hasText: 'belongs to someone' });
    await error.waitFor();
    expect(await error.textContent()).toContain('The name “alice” belongs to someone with an account on this server. You are still “notalice”.');
    await visitor.screenshot('reserved-name-rename.png');
    expect(visitor.errors).toEqual([]);
  });
});
