/**
 * Webcams and calls on a phone: Playwright's mobile emulation (a 390x844 touch screen,
 * isMobile) in headless Chromium with fake media, beside a desktop guest. Every control is
 * used by a tap, not a click: the phone watches the desktop's camera, shares its own (mute,
 * stop a watcher, stop), and calls the desktop (mute, hang up). Each control must be inside the
 * screen and not covered by anything else when it is tapped.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { ARTIFACTS, browserAvailable, FAKE_MEDIA, Guest, launchBrowser, roomLink, startWebServer } from './browser.js';
import { framesDecoded, watchersShown } from './webcam-steps.js';

const enabled = browserAvailable();

/** Whether this tile's video is playing a picture (a phone's autoplay rules may stop a video that has sound). */
const playing = (page: Page, key: string) => page.locator(`.calls-tile[data-nick="${key}"] video`)
  .evaluate((video: HTMLVideoElement) => ({ paused: video.paused, picture: video.videoWidth > 0 }));
const SCREEN = { width: 390, height: 844 };

/** Taps a control after checking that it is on the screen and that the tap would reach it. */
async function tap(page: Page, control: Locator): Promise<void> {
  await control.waitFor({ state: 'visible', timeout: 15_000 });
  await control.scrollIntoViewIfNeeded();
  const box = (await control.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(SCREEN.width + 0.5);
  expect(box.y).toBeGreaterThanOrEqual(0);
  expect(box.y + box.height).toBeLessThanOrEqual(SCREEN.height + 0.5);
  // A finger needs room: WCAG's minimum target is 24 CSS pixels (checked on the calls' own controls; Converse's are its own).
  if (await control.evaluate((element) => Boolean(element.closest('#palaver-calls, .calls-watch')))) {
    expect(Math.min(box.width, box.height)).toBeGreaterThanOrEqual(24);
  }
  const topmost = await control.evaluate((element) => {
    const rect = element.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.x + rect.width / 2, rect.y + rect.height / 2);
    return hit === element || element.contains(hit);
  });
  expect(topmost, 'the control is covered by something else').toBe(true);
  await control.tap();
}

/** Follows a room link until the room has let the page in (generous waits: two browsers share the machine). */
async function enter(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.waitForSelector('body[data-mode="chat"]', { state: 'attached', timeout: 60_000 });
  await page.locator('.chat-textarea').waitFor({ state: 'visible', timeout: 60_000 });
}

describe.skipIf(!enabled)('webcams and calls on a phone', { timeout: 150_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let phoneContext: BrowserContext;
  let phone: Page;
  let desktop: Guest;
  const phoneErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser(FAKE_MEDIA);
    server = await startWebServer();
    desktop = await Guest.open(browser);
    await enter(desktop.page, roomLink(server, 'pocket', 'grace'));
    phoneContext = await browser.newContext({ viewport: SCREEN, isMobile: true, hasTouch: true, deviceScaleFactor: 3 });
    phone = await phoneContext.newPage();
    phone.on('pageerror', (error) => phoneErrors.push(error.message));
    await enter(phone, roomLink(server, 'pocket', 'frank'));
  }, 150_000);

  afterAll(async () => {
    await phoneContext?.close().catch(() => {});
    await desktop?.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  /** The phone's entry for this nickname in the participant list, shown with the room menu's "Show who is here" if hidden. */
  const participant = async (nick: string): Promise<Locator> => {
    const entry = phone.locator('li.occupant', { hasText: nick });
    if (!(await entry.isVisible())) {
      const item = phone.locator('converse-muc-heading .dropdown-menu a', { hasText: 'Show who is here' });
      // Converse redraws the heading, closing its menu, while the room settles: tap again then.
      await expect.poll(async () => {
        if (!(await item.isVisible())) await tap(phone, phone.locator('converse-muc-heading .dropdown-toggle').first());
        return item.isVisible();
      }, { timeout: 15_000 }).toBe(true);
      await tap(phone, item);
    }
    await entry.waitFor({ state: 'visible', timeout: 15_000 });
    return entry;
  };

  it('watches a camera, shares its own, and calls, all by taps on a small screen', async () => {
    // The desktop broadcasts; the phone taps Watch by its name and gets frames.
    await desktop.page.getByRole('button', { name: 'Camera', exact: true }).click();
    await tap(phone, (await participant('grace')).locator('button.calls-watch'));
    await expect.poll(() => framesDecoded({ page: phone } as Guest, 'grace'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => playing(phone, 'grace')).toEqual({ paused: false, picture: true });
    await phone.screenshot({ path: `${ARTIFACTS}/calls-phone-watching.png` });
    await tap(phone, phone.locator('.calls-tile[data-nick="grace"]').getByRole('button', { name: 'Stop watching' }));
    await expect.poll(() => phone.locator('.calls-tile').count()).toBe(0);

    // The phone shares its camera, mutes the microphone, sees its watcher and stops them.
    await tap(phone, phone.getByRole('button', { name: 'Camera', exact: true }));
    await phone.getByText('You are sharing your camera').waitFor();
    // The panel floats over the chat: beside its buttons, a tap reaches the chat underneath.
    const besideButtons = await phone.evaluate(() => {
      const row = document.querySelector('.calls-controls')!.getBoundingClientRect();
      const first = document.querySelector('.calls-controls > *')!.getBoundingClientRect();
      if (first.left - row.left < 20) return 'the buttons fill the row';
      const hit = document.elementFromPoint((row.left + first.left) / 2, first.top + first.height / 2);
      return hit?.closest('.palaver-calls') ? 'the panel' : 'the chat';
    });
    expect(besideButtons).toBe('the chat');
    await tap(phone, phone.getByRole('button', { name: 'Mute microphone' }));
    await phone.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    const watch = desktop.page.locator('li.occupant', { hasText: 'frank' }).locator('button.calls-watch');
    await watch.click({ timeout: 15_000 });
    await expect.poll(() => framesDecoded(desktop, 'frank'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => watchersShown({ page: phone } as Guest)).toEqual(['grace is watching']);
    await phone.screenshot({ path: `${ARTIFACTS}/calls-phone-sharing.png` });
    await tap(phone, phone.locator('.calls-watchers li', { hasText: 'grace' }).getByRole('button', { name: 'Stop' }));
    await expect.poll(() => desktop.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
    await tap(phone, phone.getByRole('button', { name: 'Stop camera' }));
    await expect.poll(() => phone.getByText('You are sharing your camera').isVisible()).toBe(false);
    await desktop.page.getByRole('button', { name: 'Stop camera' }).click();

    // The phone calls the desktop from the participant menu; mute and hang up are taps too.
    const grace = await participant('grace');
    await tap(phone, grace.locator('converse-dropdown button').first());
    await tap(phone, grace.getByRole('button', { name: 'Video call' }));
    await desktop.page.getByText('frank is calling you (video call).').waitFor({ timeout: 15_000 });
    await desktop.page.getByRole('button', { name: 'Answer' }).click();
    await expect.poll(() => framesDecoded({ page: phone } as Guest, 'grace (call)'), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect.poll(() => playing(phone, 'grace (call)')).toEqual({ paused: false, picture: true });
    await tap(phone, phone.getByRole('button', { name: 'Mute', exact: true }));
    await phone.getByRole('button', { name: 'Unmute' }).waitFor();
    await phone.screenshot({ path: `${ARTIFACTS}/calls-phone-call.png` });
    await tap(phone, phone.getByRole('button', { name: 'Hang up' }));
    await expect.poll(() => desktop.page.locator('.calls-tile').count(), { timeout: 10_000 }).toBe(0);
    expect(phoneErrors).toEqual([]);
    expect(desktop.errors).toEqual([]);
  });
});
