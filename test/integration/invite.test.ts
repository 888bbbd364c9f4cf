/** `palaver invite` and the /invite page: one-time links that open an account, then SCRAM sign-in. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { signIn } from '../helpers/raw-xmpp.js';
import { newInviteToken, inviteTokenHash } from '../../server/util/invite-tokens.js';
import { palaver, writeCliConfig } from './palaver-cli.js';

let server: TestServer;
let configFile: string;
const dirs: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-invite-'));
  dirs.push(dir);
  configFile = writeCliConfig(dir, server.dataDir, { backend: 'sqlite' });
  fs.appendFileSync(configFile, `\n[listen]\npublic_url = "${server.httpUrl}/"\n`);
}, 30_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function invite(): string {
  const run = palaver(['invite', '--config', configFile]);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const link = run.stdout.split('\n')[0]!;
  expect(link).toMatch(new RegExp(`^${server.httpUrl}/invite/[A-Za-z0-9_-]{43}$`));
  return link;
}

function submit(link: string, fields: Record<string, string>): Promise<Response> {
  return fetch(link, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

describe('palaver invite', () => {
  it('prints a link whose page asks for a username and password, safely', async () => {
    const link = invite();
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; form-action 'self'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('<form method="post">');
    expect(html).toContain('name="username"');
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('opens the account once; the new account signs in with SCRAM', async () => {
    const link = invite();
    const taken = await submit(link, { username: 'Dora', password: 'dora secret', confirm: 'dora typo' });
    expect(taken.status).toBe(400);
    expect(await taken.text()).toContain('The two passwords differ.');

    const created = await submit(link, { username: 'Dora', password: 'dora secret', confirm: 'dora secret' });
    expect(created.status).toBe(201);
    const html = await created.text();
    expect(html).toContain('<code>dora@localhost</code>');
    expect(html).toContain('href="xmpp:dora@localhost"');

    const again = await submit(link, { username: 'eve', password: 'eve secret', confirm: 'eve secret' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already been used');
    expect((await fetch(link)).status).toBe(410);
    expect(server.server.context.storage.accounts.exists('eve', 'localhost')).toBe(false);

    const { raw } = await signIn({ port: server.c2sPort, username: 'dora', password: 'dora secret' });
    raw.destroy();
  });

  it('keeps the link usable when the username is taken or invalid', async () => {
    const link = invite();
    expect((await submit(link, { username: 'dora', password: 'x', confirm: 'x' })).status).toBe(409);
    expect((await submit(link, { username: 'bad@name', password: 'x', confirm: 'x' })).status).toBe(400);
    expect((await submit(link, { username: 'frank', password: 'frank secret', confirm: 'frank secret' })).status).toBe(201);
  });

  it('refuses an expired link and an unknown one', async () => {
    const token = newInviteToken();
    await server.server.context.storage.invitations.create(inviteTokenHash(token), Date.now() - 1);
    const expired = await fetch(`${server.httpUrl}/invite/${token}`);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('has expired');
    expect((await submit(`${server.httpUrl}/invite/${token}`, { username: 'gina', password: 'g', confirm: 'g' })).status).toBe(410);
    expect((await fetch(`${server.httpUrl}/invite/${newInviteToken()}`)).status).toBe(410);
    expect((await fetch(`${server.httpUrl}/invite/short`)).status).toBe(410);
    expect(server.server.context.storage.accounts.exists('gina', 'localhost')).toBe(false);
  });
});
