/**
 * What an admin's commands look like to a guest in the web chat (Converse in Chromium): the
 * message of the day when they join, and an announcement while they are in the room, each a
 * notice in the room. The admin runs the XEP-0133 commands from slixmpp (XEP-0050).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { addAccount } from '../helpers/server.js';
import { requirePythonModules, runPythonScript, scriptResult } from '../helpers/python.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

// Browser tests need Chromium, and this one slixmpp: without them it fails (both checks throw in CI).
if (!browserAvailable()) throw new Error('the admin notices test needs /usr/bin/chromium');
const python = requirePythonModules(['slixmpp'], 'python3-slixmpp');
if (!python.available) throw new Error(`the admin notices test needs slixmpp: ${python.reason}`);

/** slixmpp signs in as the admin and runs an XEP-0133 command's two steps: execute, then complete with these fields. */
async function runCommand(server: TestServer, name: string, fields: Record<string, string>): Promise<string> {
  const run = await runPythonScript('admin_notice_slixmpp.py', [
    '127.0.0.1', String(server.c2sPort), 'admin@localhost/slixmpp', 'admin secret', name,
    ...Object.entries(fields).map(([field, value]) => `${field}=${value}`),
  ], 60_000);
  const result = scriptResult<{ status?: string; error?: string; error_condition?: string }>(run);
  if (result.error || result.error_condition) throw new Error(`slixmpp failed: ${JSON.stringify(result)}\n${run.stderr.slice(-4000)}`);
  return result.status ?? '';
}

describe('admin notices in the web chat', { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  const guests: Guest[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startWebServer({ server: { admins: ['admin@localhost'] }, channels: [{ name: 'lobby', title: 'Lobby' }] });
    await addAccount(server, 'admin', 'admin secret');
  });
  afterAll(async () => {
    await Promise.all(guests.map((guest) => guest.close().catch(() => {})));
    await browser?.close();
    await server?.stop();
  });

  it('a guest sees the message of the day on joining, and an announcement while in the room', async () => {
    expect(await runCommand(server, 'set-motd', { motd: 'Be kind to each other.' })).toBe('completed');
    const guest = await Guest.open(browser);
    guests.push(guest);
    await guest.joinByLink(`${server.httpUrl}/?channel=lobby&nick=visitor`);
    await guest.page.locator('.chat-info', { hasText: 'Message of the day: Be kind to each other.' }).waitFor({ timeout: 15_000 });

    expect(await runCommand(server, 'announce', { subject: 'Maintenance', announcement: 'The chat restarts at noon.' })).toBe('completed');
    await guest.page.locator('.chat-info', { hasText: 'Maintenance: The chat restarts at noon.' }).waitFor({ timeout: 15_000 });
    await guest.screenshot('admin-notices.png');
    expect(guest.errors).toEqual([]);
    expect(guest.cspViolations).toEqual([]);
  });
});
