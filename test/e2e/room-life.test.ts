/**
 * Life in a room after joining, with two guests side by side: renaming, and what the room
 * shows. Screenshots go to test-artifacts/.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, Guest, launchBrowser, startWebServer, roomLink } from './browser.js';

const enabled = browserAvailable();

describe.skipIf(!enabled)('two guests in a room', { timeout: 90_000 }, () => {
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
    server = await startWebServer({
      // A closed tab's session waits this long for a resume before its guest leaves the room.
      limits: { guest_resume_timeout: '3s' },
      channels: [{ name: 'lobby', title: 'Lobby', welcome: 'Welcome! Be kind.' }],
    });
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it('renaming to a taken nickname keeps the chat and says the name is taken', async () => {
    const alice = await guest();
    const bob = await guest();
    await alice.joinByLink(link('rename', 'alice'));
    await bob.joinByLink(link('rename', 'bob'));
    await expect.poll(() => bob.occupants()).toEqual(['alice', 'bob']);

    await bob.page.locator('.chat-textarea').fill('/nick alice');
    await bob.page.locator('.chat-textarea').press('Enter');
    await bob.page.locator('.chat-error', { hasText: 'That name is taken' }).waitFor();
    expect(await bob.page.locator('.chat-error', { hasText: 'That name is taken' }).textContent())
      .toContain('someone in this room is already called “alice”. You are still “bob”.');
    await bob.screenshot('rename-taken.png');

    // Still in the chat, under the old name, and able to talk.
    expect(await bob.page.locator('.chat-textarea').isVisible()).toBe(true);
    expect(new URL(bob.page.url()).searchParams.get('nick')).toBe('bob');
    await bob.say('still bob here');
    await alice.sees('still bob here');
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'bob']);
    for (const g of [alice, bob]) expect(g.errors).toEqual([]);
  });

  it('the channel\'s welcome comes once per join from a name nobody can take, on the form or by renaming', async () => {
    const named = await guest();
    await named.page.goto(link('lobby', 'welcome'));
    await expect.poll(() => named.page.locator('#form-message').textContent()).toContain('That name is used by the room');
    expect(await named.page.locator('body').getAttribute('data-mode')).toBe('form');

    const erin = await guest();
    await erin.joinByLink(link('lobby', 'erin'));
    const welcome = erin.page.locator('.chat-msg', { hasText: 'Welcome! Be kind.' });
    await welcome.waitFor();
    await erin.page.locator('.chat-textarea').fill('/nick Welcome');
    await erin.page.locator('.chat-textarea').press('Enter');
    const refused = erin.page.locator('.chat-error', { hasText: 'used by the room' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('The name “Welcome” is used by the room for its welcome message. You are still “erin”.');
    await erin.page.locator('.chat-textarea').fill('/nick erin2');
    await erin.page.locator('.chat-textarea').press('Enter');
    await expect.poll(() => erin.occupants()).toEqual(['erin2']);
    await erin.say('renamed');
    await erin.sees('renamed');
    expect(await welcome.count()).toBe(1);
    expect(erin.errors).toEqual([]);
  });

  it('says who joined and left in plain words, and counts the people in the room after a reload', async () => {
    const alice = await guest();
    const bob = await guest();
    const carol = await guest();
    await alice.joinByLink(link('count', 'alice'));
    // Converse tells of comings and goings for a moment above the text box.
    const notices: string[] = [];
    const watch = setInterval(() => {
      alice.page.locator('.chat-content__notifications').first().textContent()
        .then((text) => { if (text?.trim()) notices.push(text.trim()); }, () => {});
    }, 200);
    await bob.joinByLink(link('count', 'bob'));
    await carol.joinByLink(link('count', 'carol'));
    await carol.say('carol was here');
    await bob.say('bob was here');
    await expect.poll(() => notices.join('\n'), { timeout: 20_000 }).toMatch(/bob joined/);
    await carol.close();
    await expect.poll(() => notices.join('\n'), { timeout: 20_000 }).toMatch(/carol left/);
    clearInterval(watch);
    expect(notices.join('\n')).not.toMatch(/groupchat/);
    await expect.poll(() => alice.page.locator('.occupants-heading').textContent()).toBe('2 in the room');

    // After a reload the history names carol, who is gone: still two in the room, two listed.
    await alice.page.reload();
    await alice.waitUntilInRoom();
    await alice.sees('carol was here');
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'bob']);
    await expect.poll(() => alice.page.locator('.occupants-heading').textContent()).toBe('2 in the room');
    await alice.screenshot('count-after-reload.png');

    // Nothing on the page calls the room a "groupchat".
    const text = await alice.page.locator('body').innerText();
    expect(text).not.toMatch(/groupchat|Participants/i);
    expect(alice.errors).toEqual([]);
  });
});
