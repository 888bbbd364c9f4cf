/**
 * Webcams with [calls].relay_only: Debian's coturn on loopback, the page's peer connections
 * with iceTransportPolicy 'relay' and TURN credentials from XEP-0215, so the media flow
 * through coturn and nowhere else.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCoturn, type Coturn } from '../helpers/coturn.js';
import type { TestServer } from '../helpers/server.js';
import { browserAvailable, FAKE_MEDIA, Guest, launchBrowser, startWebServer } from './browser.js';
import { framesDecoded, localCandidateType } from './webcam-steps.js';

const enabled = browserAvailable();
const SECRET = 'webcam relay secret';

describe.skipIf(!enabled)('webcams through TURN only', { timeout: 120_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let coturn: Coturn;
  const guests: Guest[] = [];

  beforeAll(async () => {
    coturn = await startCoturn(SECRET, 'palaver.test', ['--allow-loopback-peers', '--verbose']);
    browser = await launchBrowser(FAKE_MEDIA);
    server = await startWebServer({
      calls: { turn_uri: `turn:127.0.0.1:${coturn.port}?transport=udp`, turn_secret: SECRET, relay_only: true },
    });
  });

  afterAll(async () => {
    await Promise.all(guests.map((g) => g.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
    await coturn?.stop();
  });

  it('a watcher gets frames over a relayed candidate pair, with credentials coturn accepts', async () => {
    const [alice, bob] = [await Guest.open(browser), await Guest.open(browser)];
    guests.push(alice, bob);
    await alice.joinByLink(`${server.httpUrl}/?channel=relayed&nick=alice`);
    await bob.joinByLink(`${server.httpUrl}/?channel=relayed&nick=bob`);
    await alice.page.getByRole('button', { name: 'Camera', exact: true }).click();
    const watch = bob.page.locator('li.occupant', { hasText: 'alice' }).locator('button.calls-watch');
    await watch.click({ timeout: 15_000 });

    await expect.poll(() => framesDecoded(bob, 'alice'), { timeout: 30_000 }).toBeGreaterThan(10);
    expect(await localCandidateType(bob, 'alice')).toBe('relay');
    // coturn allocated relays for the page's credentials (time-limited user names from Palaver).
    expect(coturn.log()).toMatch(/ALLOCATE processed, success/);
    for (const g of [alice, bob]) expect(g.errors).toEqual([]);
  });
});
