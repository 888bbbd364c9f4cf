/**
 * docs/operations.md's embedding example is real: the page and server in
 * docs/examples/site.mjs (which the doc shows verbatim) run as an admin would run them, on
 * their own origin; Chromium opens the site's page, which frames the chat and hands it the
 * token, and the site's user is in the room under the token's name, as a moderator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/server.js';
import { canConnect, freePort, waitWhileStarting } from '../helpers/server-process.js';
import { browserAvailable, Guest, launchBrowser, startWebServer } from './browser.js';
import { framedChat, watchRoom } from './site-frame.js';

if (!browserAvailable()) throw new Error('the embedding example test needs /usr/bin/chromium');

const ROOT = path.resolve(import.meta.dirname, '../..');
const EXAMPLE = path.join(ROOT, 'docs', 'examples', 'site.mjs');
const SECRET = 'the site and the chat share this long random string';

/** The code block under the doc's "Your site's server" heading. */
function documentedExample(): string {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  const section = doc.slice(doc.indexOf("### 3. Your site's server"));
  const block = /```js\n([\s\S]*?)```\n/.exec(section);
  if (!block) throw new Error('no js block in the embedding section of docs/operations.md');
  return block[1]!;
}

/** Runs the example as its first line says (with the chat's address and a free port given), until it listens. */
async function startExampleSite(chatUrl: string, port: number): Promise<{ origin: string; child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [EXAMPLE], {
    cwd: path.dirname(EXAMPLE),
    env: { ...process.env, PALAVER_JWT_SECRET: SECRET, PALAVER_URL: chatUrl, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const state = async () => (child.exitCode !== null ? 'exited' : (await canConnect(port)) ? 'listening' : 'starting');
  if (await waitWhileStarting(state, 20_000) !== 'listening') {
    child.kill('SIGKILL');
    throw new Error(`docs/examples/site.mjs did not start: ${output}`);
  }
  return { origin: `http://127.0.0.1:${port}`, child, output: () => output };
}

describe('the embedding example of docs/operations.md', { timeout: 90_000 }, () => {
  let browser: Browser;
  let server: TestServer;
  let site: Awaited<ReturnType<typeof startExampleSite>>;
  let watcher: Awaited<ReturnType<typeof watchRoom>>;
  let visitor: Guest | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    // The chat lists the site's origin in frame_ancestors, so the site's port is chosen first.
    const port = await freePort();
    server = await startWebServer({
      auth: { jwt: { mode: 'optional', secret: SECRET, issuer: 'https://site.example', audience: 'palaver', frame_ancestors: [`http://127.0.0.1:${port}`] } },
      channels: [{ name: 'lobby', title: 'Lobby' }],
    });
    site = await startExampleSite(server.httpUrl, port);
    watcher = await watchRoom(server, 'lobby');
  }, 60_000);
  afterAll(async () => {
    await visitor?.close().catch(() => {});
    await browser?.close();
    await watcher?.client.stop().catch(() => {});
    site?.child.kill('SIGTERM');
    await server?.stop();
  });

  it('is the file the tests run, word for word', () => {
    expect(documentedExample()).toBe(fs.readFileSync(EXAMPLE, 'utf8'));
  });

  it('frames the chat from another origin; Alice is in the room under her token name, as a moderator', async () => {
    visitor = await Guest.open(browser);
    await visitor.page.goto(`${site.origin}/`);
    expect(new URL(site.origin).origin).not.toBe(new URL(server.httpUrl).origin);
    const chat = await framedChat(visitor.page, server.httpUrl);
    await expect.poll(() => watcher.roles.get('Alice'), { timeout: 15_000 }).toBe('moderator');
    await chat.locator('.occupant-nick', { hasText: 'Alice' }).first().waitFor({ timeout: 15_000 });
    await visitor.screenshot('embedding-example.png');
    expect(visitor.errors).toEqual([]);
    expect(visitor.cspViolations).toEqual([]);
    expect(site.output()).toBe('');
  });
});
