/**
 * Webcams in a room (landing/calls/): three headless Chromium pages with fake cameras. One
 * broadcasts, two watch over their own Jingle sessions through the room, frames arrive
 * (inbound-rtp framesDecoded grows), the broadcaster stops one watcher, and the broadcaster
 * leaving ends the other stream.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, FAKE_MEDIA, Guest, launchBrowser, startWebServer } from './browser.js';
import { framesDecoded, watchersShown } from './webcam-steps.js';

const enabled = browserAvailable();

describe.skipIf(!enabled)('webcams in a room', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const guests: Guest[] = [];
  const join = async (nick: string, channel = 'cams', viewport?: { width: number; height: number }) => {
    const guest = await Guest.open(browser, { viewport });
    guests.push(guest);
    // CALLS_DEBUG=1 shows what the pages log.
    guest.page.on('console', (m) => { if (process.env.CALLS_DEBUG) console.log(nick, m.type(), m.text().slice(0, 400)); });
    await guest.joinByLink(`${server.httpUrl}/?channel=${channel}&nick=${nick}`);
    return guest;
  };

  beforeAll(async () => {
    browser = await launchBrowser(FAKE_MEDIA);
    server = await startWebServer();
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it('one broadcasts, two watch and get frames; the broadcaster stops one; leaving ends the other', async () => {
    const alice = await join('alice');
    const bob = await join('bob');
    const carol = await join('carol');

    await alice.page.getByRole('button', { name: 'Camera', exact: true }).click();
    await alice.page.getByText('You are sharing your camera').waitFor();
    await expect.poll(() => alice.page.getByRole('button', { name: 'Stop camera' }).count()).toBe(1);

    for (const watcher of [bob, carol]) {
      const watch = watcher.page.locator('li.occupant', { hasText: 'alice' }).locator('button.calls-watch');
      await watch.waitFor({ timeout: 15_000 });
      expect(await watch.textContent()).toContain('Watch');
      await watch.click();
    }
    for (const watcher of [bob, carol]) await expect.poll(() => framesDecoded(watcher, 'alice'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => watchersShown(alice)).toEqual(['bob is watching', 'carol is watching']);
    await alice.screenshot('webcam-broadcaster.png');
    await bob.screenshot('webcam-watcher.png');

    // The broadcaster stops bob: bob's picture goes, carol's keeps coming.
    await alice.page.locator('.calls-watchers li', { hasText: 'bob' }).getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => bob.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => watchersShown(alice)).toEqual(['carol is watching']);
    const before = await framesDecoded(carol, 'alice');
    await expect.poll(() => framesDecoded(carol, 'alice'), { timeout: 10_000 }).toBeGreaterThan(before + 10);
    // bob can still see that alice's camera is on, and watch again.
    expect(await bob.page.locator('li.occupant', { hasText: 'alice' }).locator('button.calls-watch').textContent()).toContain('Watch');

    // alice closes her tab: carol's stream ends.
    await alice.close();
    await expect.poll(() => carol.page.locator('.calls-tile').count(), { timeout: 15_000 }).toBe(0);
    for (const g of [bob, carol]) expect([...g.errors, ...g.cspViolations]).toEqual([]);
  });

  it('one calls another with video from the participant menu; both get frames; hanging up ends it for both', async () => {
    const dave = await join('dave', 'call');
    const erin = await join('erin', 'call');
    const erinInList = dave.page.locator('li.occupant', { hasText: 'erin' });
    await erinInList.locator('converse-dropdown button').first().click();
    await erinInList.getByRole('button', { name: 'Video call' }).click();
    await dave.page.getByText('Calling erin…').waitFor();

    await erin.page.getByText('dave is calling you (video call).').waitFor({ timeout: 15_000 });
    await erin.page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => framesDecoded(erin, 'dave (call)'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => framesDecoded(dave, 'erin (call)'), { timeout: 20_000 }).toBeGreaterThan(10);
    expect(await dave.page.getByText('Calling erin…').count()).toBe(0);
    await erin.screenshot('call-callee.png');

    await erin.page.getByRole('button', { name: 'Mute', exact: true }).click();
    expect(await erin.page.evaluate(() => (document.querySelector('.calls-tile video') as unknown as { palaverPeer: RTCPeerConnection })
      .palaverPeer.getSenders().filter((sender) => sender.track?.kind === 'audio').map((sender) => sender.track!.enabled))).toEqual([false]);
    await erin.page.getByRole('button', { name: 'Unmute' }).waitFor();
    await dave.page.getByRole('button', { name: 'Hang up' }).click();
    await expect.poll(() => erin.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
    expect(await dave.page.locator('.calls-tile').count()).toBe(0);
    for (const g of [dave, erin]) expect(g.errors).toEqual([]);
  });

  it('on a phone the sharing state and the buttons fit the screen', async () => {
    const phone = await join('frank', 'phone', { width: 390, height: 844 });
    await phone.page.getByRole('button', { name: 'Camera', exact: true }).click();
    await phone.page.getByText('You are sharing your camera').waitFor();
    const box = await phone.page.locator('#palaver-calls').boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
    expect(box!.y).toBeGreaterThanOrEqual(0);
    for (const name of ['Stop camera', 'Mute microphone']) await expect.poll(() => phone.page.getByRole('button', { name }).isVisible()).toBe(true);
    await phone.screenshot('webcam-phone.png');
    await phone.page.getByRole('button', { name: 'Stop camera' }).click();
    await expect.poll(() => phone.page.getByText('You are sharing your camera').isVisible()).toBe(false);
  });
});
