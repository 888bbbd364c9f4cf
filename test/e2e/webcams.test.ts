/**
 * Webcams in a room (landing/calls/): three headless Chromium pages with fake cameras. One
 * broadcasts, two watch over their own Jingle sessions through the room, frames arrive
 * (inbound-rtp framesDecoded grows), the broadcaster stops one watcher, and the broadcaster
 * leaving ends the other stream. "Leave the room" (the room's menu) ends every stream the
 * leaver had, on both sides: its camera, what it watched, its calls.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { RoomGuest } from '../helpers/room-traffic.js';
import { browserAvailable, FAKE_MEDIA, Guest, launchBrowser, startWebServer } from './browser.js';
import { framesDecoded, mediaStates, recordMedia, watchersShown } from './webcam-steps.js';

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
    await recordMedia(guest);
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

  /** Watch button by this nickname in the guest's participant list. */
  const watchButton = (guest: Guest, nick: string) => guest.page.locator('li.occupant', { hasText: nick }).locator('button.calls-watch');

  it('a watcher who leaves the room stops its stream and drops off the broadcaster’s list', async () => {
    const hana = await join('hana', 'parting-watcher');
    const ivan = await join('ivan', 'parting-watcher');
    await hana.page.getByRole('button', { name: 'Camera', exact: true }).click();
    await watchButton(ivan, 'hana').click({ timeout: 15_000 });
    await expect.poll(() => framesDecoded(ivan, 'hana'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => watchersShown(hana)).toEqual(['ivan is watching']);

    await ivan.roomMenu('Leave the room');
    await ivan.page.waitForSelector('body[data-mode="join-failed"]');
    await expect.poll(() => mediaStates(ivan), { timeout: 10_000 }).toEqual({ peers: ['closed'], tracks: [] });
    await expect.poll(() => watchersShown(hana), { timeout: 10_000 }).toEqual([]);
    await expect.poll(() => mediaStates(hana)).toEqual({ peers: ['closed'], tracks: ['live', 'live'] });
    // hana's camera is still on, for whoever comes next.
    expect(await hana.page.getByText('You are sharing your camera').isVisible()).toBe(true);
    for (const g of [hana, ivan]) expect(g.errors).toEqual([]);
  });

  it('a broadcaster who leaves the room ends both watchers’ streams and turns its camera off', async () => {
    const lena = await join('lena', 'parting-broadcaster');
    const mia = await join('mia', 'parting-broadcaster');
    const noor = await join('noor', 'parting-broadcaster');
    await lena.page.getByRole('button', { name: 'Camera', exact: true }).click();
    for (const watcher of [mia, noor]) await watchButton(watcher, 'lena').click({ timeout: 15_000 });
    for (const watcher of [mia, noor]) await expect.poll(() => framesDecoded(watcher, 'lena'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => watchersShown(lena)).toEqual(['mia is watching', 'noor is watching']);

    await lena.roomMenu('Leave the room');
    await lena.page.waitForSelector('body[data-mode="join-failed"]');
    // The camera light goes out: both tracks stopped, both peer connections closed.
    await expect.poll(() => mediaStates(lena), { timeout: 10_000 }).toEqual({ peers: ['closed', 'closed'], tracks: ['ended', 'ended'] });
    for (const watcher of [mia, noor]) {
      await expect.poll(() => watcher.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
      await expect.poll(() => mediaStates(watcher)).toEqual({ peers: ['closed'], tracks: [] });
    }
    for (const g of [lena, mia, noor]) expect(g.errors).toEqual([]);
  });

  it('one calls another with video from the participant menu; both get frames; hanging up ends it for both', async () => {
    const dave = await join('dave', 'call');
    const erin = await join('erin', 'call');
    const erinInList = dave.page.locator('li.occupant', { hasText: 'erin' });
    await erinInList.locator('converse-dropdown button').first().click();
    const videoCall = erinInList.getByRole('button', { name: 'Video call' });
    // Converse's icon set has no camera: the page adds the symbol its menu item points at.
    const iconWidth = await videoCall.locator('converse-icon svg use').evaluate((use) => (use as SVGUseElement).getBBox().width);
    expect(iconWidth).toBeGreaterThan(0);
    await videoCall.click();
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
    await erin.page.getByText('The call with dave has ended.').waitFor();
    expect(await dave.page.locator('.calls-tile').count()).toBe(0);
    // Who hangs up is not told what they just did.
    expect(await dave.page.locator('.calls-status').textContent()).toBe('');
    for (const g of [dave, erin]) expect(g.errors).toEqual([]);
  });

  it('a call ends on both sides when one of the two leaves the room', async () => {
    const pia = await join('pia', 'parting-call');
    const quinn = await join('quinn', 'parting-call');
    const quinnInList = pia.page.locator('li.occupant', { hasText: 'quinn' });
    await quinnInList.locator('converse-dropdown button').first().click();
    await quinnInList.getByRole('button', { name: 'Video call' }).click();
    await quinn.page.getByText('pia is calling you (video call).').waitFor({ timeout: 15_000 });
    await quinn.page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => framesDecoded(quinn, 'pia (call)'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => framesDecoded(pia, 'quinn (call)'), { timeout: 20_000 }).toBeGreaterThan(10);

    await pia.roomMenu('Leave the room');
    await pia.page.waitForSelector('body[data-mode="join-failed"]');
    await expect.poll(() => mediaStates(pia), { timeout: 10_000 }).toEqual({ peers: ['closed'], tracks: ['ended', 'ended'] });
    await expect.poll(() => quinn.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
    await quinn.page.getByText('The call with pia has ended.').waitFor();
    await expect.poll(() => mediaStates(quinn)).toEqual({ peers: ['closed'], tracks: ['ended', 'ended'] });
    for (const g of [pia, quinn]) expect(g.errors).toEqual([]);
  });

  it('leaving while a call still rings calls it off (XEP-0353 retract) before the caller leaves the room', async () => {
    const rita = await join('rita', 'ringing');
    // The callee is a raw client: it sees the very stanzas, as Gajim or Conversations would.
    const sam = await RoomGuest.join(server.c2sPort, 'ringing@conference.localhost', 'sam');
    try {
      const samInList = rita.page.locator('li.occupant', { hasText: 'sam' });
      await samInList.locator('converse-dropdown button').first().click();
      await samInList.getByRole('button', { name: 'Audio call' }).click();
      const [, sid] = await sam.raw.waitFor(/<propose[^>]*\bid=["']([^"']+)["']/, { timeoutMs: 15_000 });
      const mark = sam.raw.received.length;

      await rita.roomMenu('Leave the room');
      await sam.raw.waitFor(new RegExp(`<retract[^>]*\\bid=["']${sid}["']`), { from: mark, timeoutMs: 10_000 });
      const gone = await sam.raw.waitFor(/<presence(?=[^>]*from=["']ringing@conference\.localhost\/rita["'])(?=[^>]*type=["']unavailable["'])[^>]*>/, { from: mark, timeoutMs: 10_000 });
      const after = sam.raw.received.slice(mark);
      expect(after.indexOf('<retract')).toBeLessThan(after.indexOf(gone[0]));
      await expect.poll(() => mediaStates(rita), { timeout: 10_000 }).toEqual({ peers: [], tracks: ['ended'] });
      expect(rita.errors).toEqual([]);
    } finally {
      sam.close();
    }
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
    // The camera is drawn, not a glyph from a font the phone may lack.
    expect(await phone.page.locator('button.calls-camera svg.calls-icon-camera').isVisible()).toBe(true);
    await phone.screenshot('webcam-phone.png');
    // Muted shows on the sharing bar itself, not only in the button's words.
    const muted = phone.page.locator('.calls-own figcaption .calls-muted');
    expect(await muted.isVisible()).toBe(false);
    await phone.page.getByRole('button', { name: 'Mute microphone' }).click();
    await muted.waitFor();
    expect(await muted.textContent()).toBe('Microphone off');
    await phone.screenshot('webcam-phone-muted.png');
    await phone.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await muted.waitFor({ state: 'hidden' });
    await phone.page.getByRole('button', { name: 'Stop camera' }).click();
    await expect.poll(() => phone.page.getByText('You are sharing your camera').isVisible()).toBe(false);
  });
});
