/**
 * What an admin's commands look like to a guest in the web chat (Converse in Chromium): the
 * message of the day when they join, and an announcement while they are in the room, each a
 * notice in the room. The admin runs the XEP-0133 commands from @xmpp/client.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { addAccount } from '../helpers/server.js';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';

// Browser tests need Chromium: without it they fail (browserAvailable throws in CI).
if (!browserAvailable()) throw new Error('the admin notices test needs /usr/bin/chromium');

const NS_COMMANDS = 'http://jabber.org/protocol/commands';
const ADMIN = 'http://jabber.org/protocol/admin';

/** Runs an XEP-0133 command's two steps: execute, then complete with these fields. */
async function runCommand(admin: XmppClient, name: string, fields: Record<string, string>): Promise<string> {
  const node = `${ADMIN}#${name}`;
  const started = await admin.iqCaller.request(xml('iq', { type: 'set', to: 'localhost' }, xml('command', { xmlns: NS_COMMANDS, node, action: 'execute' })));
  const sessionid = started.getChild('command', NS_COMMANDS).attrs.sessionid;
  const done = await admin.iqCaller.request(xml('iq', { type: 'set', to: 'localhost' },
    xml('command', { xmlns: NS_COMMANDS, node, sessionid, action: 'complete' },
      xml('x', { xmlns: 'jabber:x:data', type: 'submit' },
        xml('field', { var: 'FORM_TYPE' }, xml('value', {}, ADMIN)),
        ...Object.entries(fields).map(([name, value]) => xml('field', { var: name }, xml('value', {}, value)))))));
  return done.getChild('command', NS_COMMANDS).attrs.status;
}

describe('admin notices in the web chat', { timeout: 60_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let admin: XmppClient;
  const guests: Guest[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startWebServer({ server: { admins: ['admin@localhost'] }, channels: [{ name: 'lobby', title: 'Lobby' }] });
    await addAccount(server, 'admin', 'admin secret');
    admin = await connectClient({ port: server.c2sPort, username: 'admin', password: 'admin secret' });
  });
  afterAll(async () => {
    await Promise.all(guests.map((guest) => guest.close().catch(() => {})));
    await browser?.close();
    await admin?.stop().catch(() => {});
    await server?.stop();
  });

  it('a guest sees the message of the day on joining, and an announcement while in the room', async () => {
    expect(await runCommand(admin, 'set-motd', { motd: 'Be kind to each other.' })).toBe('completed');
    const guest = await Guest.open(browser);
    guests.push(guest);
    await guest.joinByLink(`${server.httpUrl}/?channel=lobby&nick=visitor`);
    await guest.page.locator('.chat-info', { hasText: 'Message of the day: Be kind to each other.' }).waitFor({ timeout: 15_000 });

    expect(await runCommand(admin, 'announce', { subject: 'Maintenance', announcement: 'The chat restarts at noon.' })).toBe('completed');
    await guest.page.locator('.chat-info', { hasText: 'Maintenance: The chat restarts at noon.' }).waitFor({ timeout: 15_000 });
    await guest.screenshot('admin-notices.png');
    expect(guest.errors).toEqual([]);
    expect(guest.cspViolations).toEqual([]);
  });
});
