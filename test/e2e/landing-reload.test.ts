/**
 * A guest who reloads the page stays in the room (issue 14): the page resumes its XEP-0198
 * session over the WebSocket, so the others see no one leave or join, and what was said
 * during the reload is shown after it. Past [limits].guest_resume_timeout the page signs in
 * anew, as on a first visit. The other occupant is a raw TCP guest, which sees every presence.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { RoomGuest } from '../helpers/room-traffic.js';
import { browserAvailable, Guest, launchBrowser, roomLink, startWebServer } from './browser.js';

const enabled = browserAvailable();
const MUC = 'conference.localhost';

/** Presence stanzas from `occupant` (room/nick) in `text`. */
function presencesFrom(text: string, occupant: string): string[] {
  const presences = text.match(/<presence\b[^>]*>[\s\S]*?<\/presence>|<presence\b[^>]*\/>/g) ?? [];
  return presences.filter((stanza) => stanza.includes(`from="${occupant}"`) || stanza.includes(`from='${occupant}'`));
}

/**
 * Reloads the page, running `meanwhile` after the old page is gone and before the new one
 * has loaded Converse (so before it can connect): the reload is "in progress" for as long as
 * `meanwhile` takes.
 */
async function reloadWith(page: Page, meanwhile: () => Promise<void>): Promise<void> {
  let released!: () => void;
  const converseReleased = new Promise<void>((resolve) => (released = resolve));
  let ran = false;
  await page.route('**/converse.min.js', async (route) => {
    if (!ran) {
      ran = true;
      await meanwhile();
    }
    await route.continue();
    released();
  });
  await page.reload();
  // The page may finish loading while the request is still held (it is preloaded, not
  // awaited by the load event in every case); unrouting then would let it through early.
  await converseReleased;
  expect(ran).toBe(true);
  await page.unroute('**/converse.min.js');
}

describe.skipIf(!enabled)('a guest reloading the page', { timeout: 120_000 }, () => {
  let browser: Browser;
  const servers: TestServer[] = [];
  const guests: Guest[] = [];
  const watchers: RoomGuest[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const watcher of watchers) watcher.close();
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await Promise.all(servers.map((s) => s.stop()));
  });

  async function setUp(channel: string, overrides: Parameters<typeof startWebServer>[0] = {}) {
    const server = await startWebServer(overrides);
    servers.push(server);
    const alice = await Guest.open(browser);
    guests.push(alice);
    await alice.joinByLink(roomLink(server, channel, 'alice'));
    // Alice first: a room made by a raw client stays locked until configured.
    const watcher = await RoomGuest.join(server.c2sPort, `${channel}@${MUC}`, 'watcher');
    watchers.push(watcher);
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'watcher']);
    await watcher.raw.waitFor(new RegExp(`from=["']${channel}@${MUC}/alice["']`));
    return { server, watcher, alice, occupant: `${channel}@${MUC}/alice` };
  }

  it('stays in the room under the same nickname, unseen by the others, and gets what was said meanwhile', async () => {
    const { watcher, alice, occupant } = await setUp('reload');
    await alice.say('before the reload');
    const before = await alice.page.evaluate(() => sessionStorage.getItem('palaver.joined'));
    const mark = watcher.raw.received.length;

    await reloadWith(alice.page, async () => {
      watcher.raw.write(`<message to='reload@${MUC}' type='groupchat' id='during'><body>said during the reload</body></message>`);
      await watcher.raw.waitFor(/id=["']during["']/, { from: mark });
    });
    await alice.waitUntilInRoom();
    await alice.sees('said during the reload');
    await alice.sees('before the reload');
    expect(new URL(alice.page.url()).searchParams.get('nick')).toBe('alice');
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'watcher']);
    expect(await alice.page.evaluate(() => sessionStorage.getItem('palaver.joined'))).toBe(before);

    // Alice talks on under her name, and the watcher saw her neither leave nor come back.
    await alice.say('after the reload');
    await watcher.raw.waitFor(/after the reload/, { from: mark });
    await watcher.ping();
    expect(presencesFrom(watcher.raw.received.slice(mark), occupant)).toEqual([]);
    // The message said meanwhile is shown once, not twice (resent and also from history).
    expect(await alice.page.locator('.chat-msg__text', { hasText: 'said during the reload' }).count()).toBe(1);
    expect(alice.errors).toEqual([]);
  });

  it('resumes again on a second reload', async () => {
    const { watcher, alice, occupant } = await setUp('twice');
    const mark = watcher.raw.received.length;
    for (const round of [1, 2]) {
      await reloadWith(alice.page, async () => {
        watcher.raw.write(`<message to='twice@${MUC}' type='groupchat' id='r${round}'><body>round ${round}</body></message>`);
        await watcher.raw.waitFor(new RegExp(`id=["']r${round}["']`), { from: mark });
      });
      await alice.waitUntilInRoom();
      await alice.sees(`round ${round}`);
    }
    await alice.say('still alice');
    await watcher.raw.waitFor(/still alice/, { from: mark });
    expect(presencesFrom(watcher.raw.received.slice(mark), occupant)).toEqual([]);
  });

  it('signs in anew, under the same nickname, once the session has expired', async () => {
    const { watcher, alice, occupant } = await setUp('expired', { limits: { guest_resume_timeout: '1s' } });
    const mark = watcher.raw.received.length;
    // The reload waits until the server has ended the old session: alice leaves the room.
    await reloadWith(alice.page, async () => {
      await watcher.raw.waitFor(new RegExp(`<presence[^>]*from=["']${occupant}["'][^>]*type=["']unavailable["']|<presence[^>]*type=["']unavailable["'][^>]*from=["']${occupant}["']`), { from: mark, timeoutMs: 15_000 });
    });
    await alice.waitUntilInRoom();
    expect(new URL(alice.page.url()).searchParams.get('nick')).toBe('alice');
    await expect.poll(() => alice.occupants()).toEqual(['alice', 'watcher']);
    await alice.say('back as a new guest');
    await watcher.raw.waitFor(/back as a new guest/, { from: mark });
    // One leave (the expiry) and one join (the new guest).
    const presences = presencesFrom(watcher.raw.received.slice(mark), occupant);
    expect(presences.filter((p) => p.includes('unavailable'))).toHaveLength(1);
    expect(presences.filter((p) => !p.includes('unavailable')).length).toBeGreaterThanOrEqual(1);
    expect(alice.errors).toEqual([]);
  });
});
