/**
 * A full disk under data_dir (a 3 MiB tmpfs mounted for the test: needs root, as CI has):
 * a room message the archive cannot store is refused to its sender with a `wait` error and
 * reaches nobody; an upload that does not fit gets HTTP 507; each is logged clearly; the
 * server goes on, stops cleanly while the disk is still full, and the database is intact.
 * The server runs as a child process (`palaver start`); build first.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lobbyConfig, MAIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { archivedIds, RoomGuest } from '../helpers/room-traffic.js';
import { connectClient, xml, type XmppClient } from '../helpers/clients.js';

const ROOM = 'lobby@conference.localhost';
const UPLOAD = 'urn:xmpp:http:upload:0';

let dir: string;
let dataDir: string;
let mounted = false;
const running: ServerProcess[] = [];
const clients: XmppClient[] = [];
const guests: RoomGuest[] = [];

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} does not exist: build first with "npx tsc -p tsconfig.json"`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-full-'));
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', dataDir], { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`this test mounts a small tmpfs as data_dir and must run as root: ${String(error)}`);
  }
  mounted = true;
});
afterAll(async () => {
  for (const guest of guests) guest.close();
  await Promise.all(clients.map((client) => client.stop().catch(() => {})));
  await Promise.all(running.map((server) => server.kill()));
  if (mounted) execFileSync('umount', [dataDir]);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(dir, lobbyConfig('info'));
  running.push(server);
  return server;
}

/** Fills the file system with one file until it refuses more (64 KiB, then page-sized writes); returns the file. */
function fillDisk(): string {
  const filler = path.join(dataDir, `filler-${fs.readdirSync(dataDir).length}`);
  const fd = fs.openSync(filler, 'w');
  try {
    for (const size of [64 * 1024, 4096]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          fs.writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}

async function requestSlot(client: XmppClient, size: number): Promise<{ put: string; headers: Record<string, string> }> {
  const reply = await client.iqCaller.request(xml('iq', { type: 'get', to: 'upload.localhost' },
    xml('request', { xmlns: UPLOAD, filename: 'photo.jpg', size: String(size), 'content-type': 'image/jpeg' })));
  const slot = reply.getChild('slot', UPLOAD);
  const headers: Record<string, string> = {};
  for (const header of slot.getChild('put').getChildren('header')) headers[header.attrs.name as string] = header.getText() as string;
  return { put: slot.getChild('put').attrs.url as string, headers };
}

describe('a full disk under data_dir', () => {
  it('refuses what it cannot store with clear errors, goes on, and stops cleanly', async () => {
    const server = await start();
    const alice = await RoomGuest.join(server.c2sPort, ROOM, 'alice');
    const bob = await RoomGuest.join(server.c2sPort, ROOM, 'bob');
    guests.push(alice, bob);
    const uploader = await connectClient({ port: server.c2sPort });
    clients.push(uploader);
    alice.send(5);
    await alice.settle();
    const slot = await requestSlot(uploader, 512 * 1024);

    const filler = fillDisk();

    // Messages are written before anyone gets them: the first that does not fit is refused.
    const body = (id: string) => `${id} ${'x'.repeat(2000)}`;
    for (let round = 0; round < 200 && alice.refused.size === 0; round++) {
      alice.send(10, body);
      await alice.settle();
    }
    expect([...alice.refused.values()]).toContain('resource-constraint');
    await bob.ping();
    const refusedIds = [...alice.refused.keys()];
    const reachedBob = [...bob.received].length;
    expect(reachedBob).toBe(alice.reflected.size);
    expect(server.stdout).toContain('could not be written to the archive');

    // An upload that does not fit: 507, a log line, no partial file left behind.
    const put = await fetch(slot.put.replace(/^http:\/\/[^/]+/, `http://127.0.0.1:${server.httpPort}`), {
      method: 'PUT', headers: { 'content-type': 'image/jpeg', ...slot.headers }, body: Buffer.alloc(512 * 1024, 7),
    });
    expect(put.status).toBe(507);
    await expect.poll(() => server.stdout).toContain('could not store an upload');
    // A new slot cannot be recorded either: the request gets an error, not silence.
    await expect(requestSlot(uploader, 1000)).rejects.toMatchObject({ condition: 'internal-server-error' });
    expect(fs.readdirSync(path.join(dataDir, 'uploads', 'tmp'))).toEqual([]);

    // The server goes on: the room still answers, and stops cleanly with the disk still full.
    await alice.ping();
    expect(await server.stop()).toBe(0);
    expect(server.stdout).toContain('Palaver stopped');
    const db = new BetterSqlite3(path.join(dataDir, 'palaver.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    // With space again, everything reflected before is archived, nothing refused is, and new messages go through.
    fs.rmSync(filler);
    const again = await start();
    const archived = await archivedIds(again.c2sPort, ROOM);
    expect([...alice.reflected.values()].filter((id) => !archived.has(id))).toEqual([]);
    expect(archived.size).toBe(alice.reflected.size);
    expect(refusedIds.length).toBeGreaterThan(0);
    const carol = await RoomGuest.join(again.c2sPort, ROOM, 'carol');
    guests.push(carol);
    carol.send(3);
    await carol.settle();
    expect(carol.reflected.size).toBe(3);
    expect(await again.stop()).toBe(0);
  }, 60_000);
});
