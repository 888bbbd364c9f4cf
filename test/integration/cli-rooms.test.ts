/**
 * `palaver rooms list|show|destroy` as an admin runs it: the compiled CLI against a server
 * process (through its control socket) and against the database when no server runs (SQLite,
 * and PostgreSQL in the last suite), including the socket a killed server leaves behind.
 * `npm test` builds first (tsc); run `npx tsc -p tsconfig.json` before running this file alone.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN, lobbyConfig, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { openSqliteStorage } from '../../server/storage/sqlite/index.js';
import { controlSocketPath } from '../../server/startup/control-socket.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { guest, join, roomJid, xml, NS_MUC_USER, type User } from './muc-helpers.js';

interface Run { code: number | null; stdout: string; stderr: string }

/** The CLI in a child process, asynchronously: the server under test may be in this process's event loop too. */
function palaver(dir: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args, '--config', path.join(dir, 'palaver.toml')], {
      cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PALAVER_DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

/** The table's rows as objects, by its header. */
function table(output: string): Record<string, string>[] {
  const [header, ...rows] = output.trim().split('\n').map((line) => line.split(/\s{2,}/));
  return rows.map((cells) => Object.fromEntries(header!.map((title, i) => [title, cells[i] ?? ''])));
}

/** A server process whose control socket is open (it opens just after the listeners). */
async function startServer(dir: string, config = CONFIG): Promise<ServerProcess> {
  const started = await startServerProcess(dir, config);
  await expect.poll(() => fs.existsSync(controlSocketPath(path.join(dir, 'data'))), { timeout: 10_000 }).toBe(true);
  return started;
}

const CONFIG = `${lobbyConfig('warn')}
[[channels]]
name = "quiet"
title = "The quiet room"
`;

describe('palaver rooms', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-rooms-'));
  const dataDir = path.join(dir, 'data');
  let server: ServerProcess | null = null;
  let visitor: User | null = null;

  afterAll(async () => {
    await visitor?.client.stop().catch(() => {});
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the control socket is the server user’s alone: the directory 0700, the socket 0600', async () => {
    // In a test, not beforeAll: startServerProcess polls with expect.
    server = await startServer(dir);
    visitor = await guest(server);
    await join(visitor, 'lobby', 'Visitor');
    for (const body of ['one', 'two']) {
      await visitor.client.send(xml('message', { to: roomJid('lobby'), type: 'groupchat' }, xml('body', {}, body)));
      await visitor.inbox.next((stanza) => stanza.is('message') && stanza.getChildText('body') === body);
    }
    const socket = controlSocketPath(dataDir);
    expect(fs.statSync(socket).isSocket()).toBe(true);
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
  }, 60_000);

  it('lists the running server’s rooms with who is in them and their archive', async () => {
    const run = await palaver(dir, 'rooms', 'list');
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(table(run.stdout)).toEqual([
      { NAME: 'lobby', TITLE: 'lobby', PUBLIC: 'yes', PERSISTENT: 'yes', MEMBERS: '0', BANS: '0', ARCHIVED: '2', OCCUPANTS: '1' },
      { NAME: 'quiet', TITLE: 'The quiet room', PUBLIC: 'yes', PERSISTENT: 'yes', MEMBERS: '0', BANS: '0', ARCHIVED: '0', OCCUPANTS: '0' },
    ]);
  });

  it('shows one room; an unknown one is an error', async () => {
    const run = await palaver(dir, 'rooms', 'show', 'Lobby');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^room: +lobby@conference\.localhost$/m);
    expect(run.stdout).toMatch(/^occupants: +1$/m);
    expect(run.stdout).toMatch(/^archived messages: +2$/m);
    const missing = await palaver(dir, 'rooms', 'show', 'nosuch');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('palaver: there is no room "nosuch" on conference.localhost\n');
  });

  it('destroys a room on the running server: its occupants are told why, and it is gone from memory', async () => {
    const told = visitor!.inbox.next((stanza) => stanza.is('presence') && stanza.attrs.type === 'unavailable'
      && stanza.getChild('x', NS_MUC_USER)?.getChild('destroy') !== undefined);
    const run = await palaver(dir, 'rooms', 'destroy', 'lobby', '--reason', 'Moving to the quiet room');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('destroyed lobby@conference.localhost; 1 person in it was told\n');
    expect(run.stderr).toContain('"lobby" is in the config\'s [[channels]]');
    const presence = await told;
    expect(presence.getChild('x', NS_MUC_USER).getChild('destroy').getChildText('reason')).toBe('Moving to the quiet room');
    const after = await palaver(dir, 'rooms', 'list');
    expect(table(after.stdout).map((row) => row.NAME)).toEqual(['quiet']);
  });

  it('works on the database when the server is stopped: list, show (members, bans), destroy', async () => {
    await visitor!.client.stop().catch(() => {});
    visitor = null;
    expect(await server!.stop()).toBe(0);
    server = null;
    expect(fs.existsSync(controlSocketPath(dataDir))).toBe(false);
    const storage = openSqliteStorage(dataDir);
    try {
      storage.rooms.setAffiliation('conference.localhost', 'quiet', { jid: 'bob@localhost', affiliation: 'member', nick: null, reason: null, addressHash: null });
      storage.rooms.setAffiliation('conference.localhost', 'quiet', { jid: 'eve@localhost', affiliation: 'outcast', nick: null, reason: 'spam', addressHash: null });
    } finally {
      storage.close();
    }

    const list = await palaver(dir, 'rooms', 'list');
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('the server is not running: working on the database (persistent rooms only)\n');
    expect(table(list.stdout)).toEqual([
      { NAME: 'quiet', TITLE: 'The quiet room', PUBLIC: 'yes', PERSISTENT: 'yes', MEMBERS: '1', BANS: '1', ARCHIVED: '0', OCCUPANTS: '-' },
    ]);
    const show = await palaver(dir, 'rooms', 'show', 'quiet');
    expect(show.stdout).toMatch(/^members: +bob@localhost$/m);
    expect(show.stdout).toMatch(/^bans: +1$/m);

    const destroyed = await palaver(dir, 'rooms', 'destroy', 'quiet');
    expect(destroyed.code).toBe(0);
    expect(destroyed.stdout).toBe('destroyed quiet@conference.localhost (in the database; nobody was in it, as the server is not running)\n');
    expect((await palaver(dir, 'rooms', 'list')).stdout).toBe('no rooms (from the database)\n');
    expect((await palaver(dir, 'rooms', 'destroy', 'quiet')).code).toBe(1);
  });

  it('treats the socket a killed server left as not running, and the next server replaces it', async () => {
    const killed = await startServer(dir);
    await killed.kill();
    expect(fs.existsSync(controlSocketPath(dataDir))).toBe(true);
    const stale = await palaver(dir, 'rooms', 'list');
    expect(stale.code).toBe(0);
    expect(stale.stderr).toContain('did not stop cleanly');
    expect(table(stale.stdout).map((row) => row.NAME)).toEqual(['lobby', 'quiet']);

    server = await startServer(dir);
    const live = await palaver(dir, 'rooms', 'list');
    expect(live.stderr).toBe('');
    expect(table(live.stdout).map((row) => row.OCCUPANTS)).toEqual(['0', '0']);
  }, 60_000);

  it('the socket refuses what is not one small JSON request', async () => {
    const ask = (payload: string | Buffer) => new Promise<string>((resolve, reject) => {
      const socket = net.connect(controlSocketPath(dataDir));
      let answer = '';
      socket.on('data', (chunk) => { answer += chunk.toString(); });
      socket.on('error', reject);
      socket.on('close', () => resolve(answer));
      socket.write(payload);
      socket.end();
    });
    expect(JSON.parse(await ask('not json\n'))).toEqual({ ok: false, error: 'the request is not JSON' });
    expect(JSON.parse(await ask('{"command":"rooms.explode"}\n'))).toMatchObject({ ok: false });
    expect(JSON.parse(await ask('[]\n'))).toMatchObject({ ok: false });
    expect(JSON.parse(await ask(Buffer.alloc(100 * 1024, 0x20)))).toEqual({ ok: false, error: 'the request is larger than 65536 bytes' });
    expect(JSON.parse(await ask('{"command":"rooms.list"}'))).toMatchObject({ ok: true });
  });

  it('explains a wrong command line', async () => {
    expect((await palaver(dir, 'rooms')).code).toBe(2);
    expect((await palaver(dir, 'rooms', 'destroy')).stderr).toContain('needs a room name');
    expect((await palaver(dir, 'rooms', 'list', '--reason', 'x')).stderr).toContain('only "rooms destroy" takes --reason');
    expect((await palaver(dir, 'rooms', 'show', 'a@b@c')).code).toBe(2);
  });
});

describe('palaver rooms on PostgreSQL', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-rooms-pg-'));
  let database: TestDatabase;
  let server: ServerProcess | null = null;
  let visitor: User | null = null;

  afterAll(async () => {
    await visitor?.client.stop().catch(() => {});
    await server?.stop();
    await database?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists the running server’s rooms, then works on the PostgreSQL database once it is stopped', async () => {
    database = await createTestDatabase();
    server = await startServer(dir, `${CONFIG}\n[storage]\nbackend = "postgres"\nurl = "${database.url}"\n`);
    visitor = await guest(server);
    await join(visitor, 'lobby', 'Visitor');
    await visitor.client.send(xml('message', { to: roomJid('lobby'), type: 'groupchat' }, xml('body', {}, 'kept in postgres')));
    await visitor.inbox.next((stanza) => stanza.is('message') && stanza.getChildText('body') === 'kept in postgres');

    const live = await palaver(dir, 'rooms', 'list');
    expect(live).toMatchObject({ code: 0, stderr: '' });
    expect(table(live.stdout).map((row) => [row.NAME, row.OCCUPANTS])).toEqual([['lobby', '1'], ['quiet', '0']]);

    await visitor.client.stop().catch(() => {});
    visitor = null;
    expect(await server.stop()).toBe(0);
    server = null;

    const list = await palaver(dir, 'rooms', 'list');
    expect(list.code).toBe(0);
    expect(list.stderr).toBe('the server is not running: working on the database (persistent rooms only)\n');
    expect(table(list.stdout).map((row) => [row.NAME, row.ARCHIVED, row.OCCUPANTS])).toEqual([['lobby', '1', '-'], ['quiet', '0', '-']]);
    const show = await palaver(dir, 'rooms', 'show', 'quiet');
    expect(show.stdout).toMatch(/^room: +quiet@conference\.localhost$/m);
    expect(show.stdout).toMatch(/^title: +The quiet room$/m);

    const destroyed = await palaver(dir, 'rooms', 'destroy', 'quiet');
    expect(destroyed.stdout).toBe('destroyed quiet@conference.localhost (in the database; nobody was in it, as the server is not running)\n');
    expect(table((await palaver(dir, 'rooms', 'list')).stdout).map((row) => row.NAME)).toEqual(['lobby']);
    const missing = await palaver(dir, 'rooms', 'show', 'quiet');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('palaver: there is no stored room "quiet" on conference.localhost\n');
  }, 90_000);
});
