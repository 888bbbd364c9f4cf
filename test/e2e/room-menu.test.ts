/**
 * The room's menu as a guest meets it (issue 16, items 9 and 10), in headless Chromium: only
 * what a guest can use, for a guest and for the room's maker; "Change your name" (a refused
 * name is explained in the form, and the chat stays); "Show/Hide who is here" on a phone;
 * roles and the head count in words; the link to share placed in the chat, over nothing;
 * the form's refused nickname leaves the keyboard in the nickname field; the host removes
 * someone from that person's menu, no /kick needed. Screenshots go to
 * test-artifacts/.
 */
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, roomLink, startWebServer } from './browser.js';

const enabled = browserAvailable();
const PHONE = { width: 390, height: 844 };

/** The menu for a guest (the room's maker sees the same), with the participant list shown. */
const GUEST_MENU = ['Search messages', 'Change your name', 'Hide who is here', 'Invite people',
  'Notify me of new messages', 'Turn the sound on', 'Leave the room'];

/** The room menu's items; every one of them is clickable: nothing of the page lies over the open menu. */
async function menuItems(guest: Guest, screenshot?: string): Promise<string[]> {
  const menu = guest.page.locator('converse-muc-heading .dropdown-menu');
  await guest.openRoomMenu(menu);
  for (const item of await menu.locator('.dropdown-item').all()) expect(await isTopmost(item)).toBe(true);
  return guest.roomMenuItems(screenshot);
}

/** Whether a click in the middle of this element would reach it. */
function isTopmost(locator: Locator): Promise<boolean> {
  return locator.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
    return hit === element || element.contains(hit);
  });
}

/** Whether two elements' boxes share any pixel. */
async function overlap(a: Locator, b: Locator): Promise<boolean> {
  const [boxA, boxB] = [await a.boundingBox(), await b.boundingBox()];
  if (!boxA || !boxB) return false;
  return boxA.x < boxB.x + boxB.width && boxB.x < boxA.x + boxA.width
    && boxA.y < boxB.y + boxB.height && boxB.y < boxA.y + boxA.height;
}

/** The panel in the chat covers neither the text box nor the menu's button, and sits inside the screen. */
async function expectPlacedInChat(page: Page, panel: Locator, width: number): Promise<void> {
  const textarea = page.locator('.chat-textarea');
  const toggle = page.locator('converse-muc-heading .dropdown-toggle').first();
  expect(await overlap(panel, textarea)).toBe(false);
  expect(await overlap(panel, toggle)).toBe(false);
  expect(await isTopmost(textarea)).toBe(true);
  expect(await isTopmost(toggle)).toBe(true);
  const box = (await panel.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(width);
}

/** The word shown by each name in the participant list: `name: word`, or just the name. */
async function roleWords(page: Page): Promise<string[]> {
  const entries = await page.locator('li.occupant >> visible=true').evaluateAll((items) => items.map((item) => {
    const nick = item.querySelector('.occupant-nick')?.textContent?.trim() ?? '';
    const word = item.querySelector('.palaver-role')?.textContent;
    return word ? `${nick}: ${word}` : nick;
  }));
  return entries.sort();
}

describe.skipIf(!enabled)('the room’s menu for guests', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const guests: Guest[] = [];
  const guest = async (viewport?: { width: number; height: number }) => {
    const opened = await Guest.open(browser, { viewport });
    guests.push(opened);
    return opened;
  };
  const link = (channel: string, nick: string) => roomLink(server, channel, nick);

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startWebServer();
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it('offers a guest and the room’s maker only what they can use, names roles in words, and counts people', async () => {
    const maker = await guest();
    await maker.joinByLink(link('menu-words', 'Maya'));
    const card = maker.page.locator('#invite-card');
    await card.waitFor();
    await expectPlacedInChat(maker.page, card, 1100);
    expect(await menuItems(maker, 'room-menu-maker.png')).toEqual(GUEST_MENU);
    // Escape closed the menu, not the card; a second one closes the card.
    expect(await card.isVisible()).toBe(true);
    await maker.page.keyboard.press('Escape');
    await card.waitFor({ state: 'detached' });
    expect(await maker.page.locator('.occupants-heading').textContent()).toBe('1 in the room');
    await expect.poll(() => roleWords(maker.page)).toEqual(['Maya: Host']);

    const friend = await guest();
    await friend.joinByLink(link('menu-words', 'Sam'));
    expect(await menuItems(friend, 'room-menu-guest.png')).toEqual(GUEST_MENU);
    await expect.poll(() => maker.page.locator('.occupants-heading').textContent()).toBe('2 in the room');
    await expect.poll(() => friend.page.locator('.occupants-heading').textContent()).toBe('2 in the room');
    await expect.poll(() => roleWords(friend.page)).toEqual(['Maya: Host', 'Sam']);

    // The moderators' commands still work without their menu items.
    await maker.page.locator('.chat-textarea').fill('/op Sam');
    await maker.page.locator('.chat-textarea').press('Enter');
    await expect.poll(() => roleWords(maker.page)).toEqual(['Maya: Host', 'Sam: Can remove people']);
    await expect.poll(() => roleWords(friend.page)).toEqual(['Maya: Host', 'Sam: Can remove people']);
    await maker.screenshot('room-role-words.png');
    await maker.page.locator('.chat-textarea').fill('/deop Sam');
    await maker.page.locator('.chat-textarea').press('Enter');
    await expect.poll(() => roleWords(maker.page)).toEqual(['Maya: Host', 'Sam']);
    await maker.page.locator('.chat-textarea').fill('/kick Sam');
    await maker.page.locator('.chat-textarea').press('Enter');
    await expect.poll(() => maker.occupants()).toEqual(['Maya']);
    await expect.poll(() => maker.page.locator('.occupants-heading').textContent()).toBe('1 in the room');
    expect(maker.errors).toEqual([]);
  });

  it('lets the host remove someone from that person’s menu in the list, after asking; others get no such item', async () => {
    const host = await guest();
    await host.joinByLink(link('menu-remove', 'Hana'));
    const sam = await guest();
    await sam.joinByLink(link('menu-remove', 'Sam'));
    const tom = await guest();
    await tom.joinByLink(link('menu-remove', 'Tom'));
    await expect.poll(() => host.occupants()).toEqual(['Hana', 'Sam', 'Tom']);
    await expect.poll(() => sam.occupants()).toEqual(['Hana', 'Sam', 'Tom']);

    const itemsFor = async (viewer: Guest, nick: string) => {
      const entry = viewer.page.locator('li.occupant', { hasText: nick });
      await entry.locator('converse-dropdown button').first().click();
      return entry.locator('.dropdown-item');
    };
    // A guest who is not a moderator has nothing to remove anyone with.
    expect(await (await itemsFor(sam, 'Tom')).allTextContents()).not.toContain('Remove from the room');
    await sam.page.keyboard.press('Escape');

    // The host is asked first; saying no keeps Tom.
    const asked: string[] = [];
    host.page.once('dialog', (dialog) => { asked.push(dialog.message()); void dialog.dismiss(); });
    await (await itemsFor(host, 'Tom')).filter({ hasText: 'Remove from the room' }).click();
    await expect.poll(() => asked).toEqual(['Remove Tom from the room? They can come back unless the room is closed to them.']);
    await host.page.keyboard.press('Escape');
    await expect.poll(() => host.occupants()).toEqual(['Hana', 'Sam', 'Tom']);

    host.page.once('dialog', (dialog) => void dialog.accept());
    await (await itemsFor(host, 'Tom')).filter({ hasText: 'Remove from the room' }).click();
    await expect.poll(() => host.occupants()).toEqual(['Hana', 'Sam']);
    await expect.poll(() => sam.occupants()).toEqual(['Hana', 'Sam']);
    for (const g of [host, sam]) await g.page.getByText('Tom was removed from the room by Hana').waitFor();
    await expect.poll(() => host.page.locator('.occupants-heading').textContent()).toBe('2 in the room');
    await host.screenshot('room-removed-someone.png');
    // Tom is told by whom, and may come back: no dead end.
    await tom.page.waitForSelector('body[data-mode="join-failed"]');
    expect(await tom.page.locator('#joining-text').textContent()).toBe('You were removed from the room by Hana.');
    await tom.screenshot('room-removed-me.png');
    await tom.page.getByRole('link', { name: 'Join again' }).click();
    await tom.waitUntilInRoom();
    await expect.poll(() => host.occupants()).toEqual(['Hana', 'Sam', 'Tom']);
    for (const g of [host, sam]) expect(g.errors).toEqual([]);
  });

  it('tells a banned guest so in the page, when banned and again when trying to come back', async () => {
    const host = await guest();
    await host.joinByLink(link('menu-ban', 'Hana'));
    const tom = await guest();
    await tom.joinByLink(link('menu-ban', 'Tom'));
    await expect.poll(() => host.occupants()).toEqual(['Hana', 'Tom']);
    await host.page.locator('.chat-textarea').fill('/ban Tom spam');
    await host.page.locator('.chat-textarea').press('Enter');
    await tom.page.waitForSelector('body[data-mode="join-failed"]');
    const banned = await tom.page.locator('#joining-text').textContent();
    expect(banned).toMatch(/^You have been banned from this room by Hana\. \(spam\)$/);
    await tom.page.getByRole('link', { name: 'Join again' }).click();
    await tom.page.waitForSelector('body[data-mode="join-failed"]');
    // The room refuses the same guest again, and the page says why once more.
    await expect.poll(() => tom.page.locator('#joining-text').textContent()).toBe('You have been banned from this room. (you are banned from this room)');
    expect(await host.occupants()).toEqual(['Hana']);
  });

  it('renames from the menu; a taken name is explained in the form and the chat goes on', async () => {
    const alice = await guest();
    const bob = await guest();
    await alice.joinByLink(link('menu-rename', 'alice'));
    await bob.joinByLink(link('menu-rename', 'bob'));
    await expect.poll(() => bob.occupants()).toEqual(['alice', 'bob']);

    await bob.roomMenu('Change your name');
    const form = bob.page.locator('#rename-form');
    const field = form.getByLabel('Your new name');
    await field.waitFor();
    expect(await field.inputValue()).toBe('bob');
    expect(await field.evaluate((input) => input === document.activeElement)).toBe(true);
    await expectPlacedInChat(bob.page, form, 1100);

    await field.fill('alice');
    await form.getByRole('button', { name: 'Change' }).click();
    const reason = form.locator('.message');
    await expect.poll(() => reason.textContent())
      .toBe('That name is taken: someone in this room is already called “alice”. You are still “bob”.');
    expect(await reason.isVisible()).toBe(true);
    // Said once, where the guest is looking; the field is ready for another try.
    expect(await bob.page.locator('.chat-error', { hasText: 'That name is taken' }).count()).toBe(0);
    expect(await field.evaluate((input) => input === document.activeElement)).toBe(true);
    await bob.screenshot('rename-form-taken.png');
    expect(await bob.page.locator('.chat-textarea').isVisible()).toBe(true);
    expect(new URL(bob.page.url()).searchParams.get('nick')).toBe('bob');

    await field.fill('robert');
    await field.press('Enter');
    await form.waitFor({ state: 'detached' });
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'robert']);
    await expect.poll(() => new URL(bob.page.url()).searchParams.get('nick')).toBe('robert');
    await bob.say('robert now');
    await alice.sees('robert now');

    // Escape closes the form and gives the keyboard back to the text box.
    await bob.roomMenu('Change your name');
    await field.waitFor();
    await bob.page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    expect(await bob.page.locator('.chat-textarea').evaluate((textarea) => textarea === document.activeElement)).toBe(true);
    for (const g of [alice, bob]) expect(g.errors).toEqual([]);
  });

  it('shows and hides who is here on a phone, and places the link to share over nothing', async () => {
    const other = await guest();
    await other.joinByLink(link('menu-phone', 'quinn'));
    const phone = await guest(PHONE);
    await phone.joinByLink(link('menu-phone', 'pat'));
    const list = phone.page.locator('converse-muc-sidebar');
    const textarea = phone.page.locator('.chat-textarea');
    // On a phone the list would take the whole screen: it starts hidden, and the menu says how to see it.
    expect(await list.count()).toBe(0);
    expect(await menuItems(phone, 'room-menu-phone.png')).toContain('Show who is here');

    await phone.roomMenu('Show who is here');
    await phone.page.locator('li.occupant', { hasText: 'quinn' }).waitFor({ state: 'visible' });
    expect(await phone.occupants()).toEqual(['pat', 'quinn']);
    expect(await phone.page.locator('.occupants-heading').textContent()).toBe('2 in the room');
    expect(await textarea.isVisible()).toBe(false);
    await phone.screenshot('room-who-is-here-phone.png');
    expect(await menuItems(phone)).toContain('Hide who is here');
    await phone.roomMenu('Hide who is here');
    await textarea.waitFor({ state: 'visible' });
    expect(await list.count()).toBe(0);

    await phone.roomMenu('Invite people');
    const card = phone.page.locator('#invite-card');
    await card.waitFor();
    expect(await card.locator('h2').textContent()).toBe('Invite people');
    await expectPlacedInChat(phone.page, card, PHONE.width);
    await phone.screenshot('room-invite-phone.png');
    await card.getByRole('button', { name: 'Got it' }).click();
    await card.waitFor({ state: 'detached' });
    for (const g of [other, phone]) expect(g.errors).toEqual([]);
  });

  it('leaves the keyboard in the nickname field when the form refuses a name', async () => {
    const holder = await guest();
    await holder.joinByLink(link('menu-form', 'kim'));

    const late = await guest();
    await late.page.goto(link('menu-form', 'kim'));
    await expect.poll(() => late.page.locator('#form-message').textContent()).toContain('already called “kim”');
    expect(await late.page.evaluate(() => document.activeElement?.id)).toBe('nick');

    // The same from the form itself, sent with the button.
    await late.page.locator('#channel').focus();
    await late.page.getByRole('button', { name: 'Join the chat' }).click();
    await expect.poll(() => late.page.evaluate(() => document.activeElement?.id)).toBe('nick');
    expect(await late.page.locator('#form-message').textContent()).toContain('already called “kim”');
    await late.screenshot('form-refused-focus.png');
  });
});
