/**
 * Headless Chromium (Debian's /usr/bin/chromium through playwright-core) for the landing
 * page's end-to-end tests, and a Palaver whose public_url is its real HTTP address.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ConfigInput } from '../../server/config/load.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.resolve('test-artifacts');

/**
 * Whether the browser tests can run here. In CI a missing browser is a failure, not a skip:
 * the landing page is what most people see of Palaver.
 */
export function browserAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package to run the browser tests`);
  console.warn(`skipping the browser tests: ${CHROMIUM} is not installed`);
  return false;
}

/** Camera and microphone without hardware or prompts: a test pattern and a beep, always allowed. */
export const FAKE_MEDIA = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

export function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

/** A free loopback port, so that public_url can name the port the listener will use. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** A Palaver whose public_url is the address the browser uses (upload URLs depend on it). */
/** The link a guest follows into a room: the page joins `channel` as `nick` at once. */
export function roomLink(server: TestServer, channel: string, nick: string): string {
  return `${server.httpUrl}/?channel=${encodeURIComponent(channel)}&nick=${encodeURIComponent(nick)}`;
}

export async function startWebServer(overrides: ConfigInput = {}): Promise<TestServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await startTestServer({
        ...overrides,
        listen: { c2s: '127.0.0.1:0', http: `127.0.0.1:${port}`, public_url: `http://127.0.0.1:${port}` },
      });
    } catch (error) {
      // Someone took the port between the probe and the listen: try another.
      if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

/** One guest: a browser context of its own (own storage), recording every request it makes. */
export class Guest {
  readonly requests: string[] = [];
  readonly websockets: string[] = [];
  readonly cspViolations: string[] = [];
  readonly errors: string[] = [];

  private constructor(readonly context: BrowserContext, readonly page: Page) {
    context.on('request', (request) => {
      // data: URLs are not requests to anywhere; blob: URLs carry their creator's origin.
      if (!request.url().startsWith('data:')) this.requests.push(request.url());
    });
    page.on('websocket', (ws) => this.websockets.push(ws.url()));
    page.on('pageerror', (error) => this.errors.push(error.message));
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy/i.test(text)) this.cspViolations.push(text);
    });
  }

  static async open(browser: Browser, options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {}): Promise<Guest> {
    const context = await browser.newContext({
      colorScheme: options.colorScheme ?? 'light',
      viewport: options.viewport ?? { width: 1100, height: 760 },
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    return new Guest(context, await context.newPage());
  }

  /** Opens a link and waits until the room has let this guest in. */
  async joinByLink(url: string): Promise<void> {
    await this.page.goto(url);
    await this.waitUntilInRoom();
  }

  async waitUntilInRoom(): Promise<void> {
    await this.page.waitForSelector('body[data-mode="chat"]', { state: 'attached', timeout: 20_000 });
    await this.page.locator('.chat-textarea').waitFor({ state: 'visible', timeout: 20_000 });
  }

  async say(text: string): Promise<void> {
    const textarea = this.page.locator('.chat-textarea');
    await textarea.fill(text);
    await textarea.press('Enter');
    await this.sees(text);
  }

  /** Waits for a chat message with this text. */
  async sees(text: string, timeout = 15_000): Promise<void> {
    await this.page.locator('.chat-msg__text', { hasText: text }).first().waitFor({ timeout });
  }

  /** Opens the room's menu (Converse's dropdown in the heading) and clicks an item. */
  async roomMenu(item: string): Promise<void> {
    const entry = this.page.locator('converse-muc-heading .dropdown-item', { hasText: item }).first();
    await this.openRoomMenu(entry);
    await entry.click();
  }

  /**
   * Opens the room's menu until `shown` is visible. Converse redraws the heading while the
   * room settles after joining (the participant list hidden on a phone, the occupants'
   * presence), and a redraw closes a menu that was just opened: it is opened again then.
   */
  async openRoomMenu(shown = this.page.locator('converse-muc-heading .dropdown-menu')): Promise<void> {
    const toggle = this.page.locator('converse-muc-heading .dropdown-toggle').first();
    await expect.poll(async () => {
      if (!(await shown.isVisible())) await toggle.click();
      return shown.isVisible();
    }, { timeout: 15_000 }).toBe(true);
  }

  /** The room menu's items, read with the menu open (and a screenshot of it, if named); the menu is closed again. */
  async roomMenuItems(screenshot?: string): Promise<string[]> {
    const menu = this.page.locator('converse-muc-heading .dropdown-menu');
    await this.openRoomMenu(menu);
    const items = (await menu.locator('.dropdown-item').allTextContents()).map((text) => text.trim());
    if (screenshot) await this.screenshot(screenshot);
    await this.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    return items;
  }

  /** Nicknames shown in the occupant list. */
  async occupants(): Promise<string[]> {
    const names = await this.page.locator('.occupant-nick >> visible=true').allTextContents();
    return names.map((name) => name.trim()).sort();
  }

  async screenshot(name: string): Promise<void> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await this.page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: false });
  }

  /** Every request and WebSocket went to this origin (http or ws), nowhere else. */
  expectOnlyOrigin(origin: string): void {
    const wsOrigin = origin.replace(/^http/, 'ws');
    expect(this.requests.length).toBeGreaterThan(0);
    for (const url of this.requests) expect(new URL(url).origin, url).toBe(origin);
    for (const url of this.websockets) expect(new URL(url).origin, url).toBe(wsOrigin);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}
