/**
 * What a delivered room message promises (docs/README: "Crash safety"): with the default
 * [muc].archive_commit_delay ("0s"), a message the room reflected to its sender is in the
 * archive even when the server is killed with SIGKILL right after.
 * The server runs as a child process (`palaver start`); build first (`npx tsc -p tsconfig.json`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lobbyConfig, MAIN, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { archivedIds, RoomGuest } from '../helpers/room-traffic.js';

const ROOM = 'lobby@conference.localhost';

let dir: string;
const running: ServerProcess[] = [];

beforeAll(() => {
  if (!fs.existsSync(MAIN)) throw new Error(`${MAIN} does not exist: build first with "npx tsc -p tsconfig.json"`);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-crash-'));
});
afterAll(async () => {
  await Promise.all(running.map((server) => server.kill()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await startServerProcess(dir, lobbyConfig('warn'));
  running.push(server);
  return server;
}

describe('kill -9 in the middle of heavy room traffic', () => {
  it('keeps in the archive every message its sender saw reflected', async () => {
    const first = await start();
    const guests = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => RoomGuest.join(first.c2sPort, ROOM, `talker${n}`)));

    // Every guest keeps 20 messages in flight until the server dies. The kill comes from the
    // same loop, the moment 600 have made the round trip, so that the last ones reflected
    // are as fresh as a test can see them (a commit delay of even 25 ms loses some).
    const reflected = () => guests.reduce((sum, guest) => sum + guest.reflected.size, 0);
    let killed: Promise<number | string> | undefined;
    const deadline = Date.now() + 20_000;
    while (guests.every((guest) => guest.isOpen) && Date.now() < deadline) {
      for (const guest of guests) {
        guest.scan();
        const inFlight = guest.sentCount - guest.reflected.size - guest.refused.size;
        if (inFlight < 20) guest.send(20 - inFlight);
      }
      if (!killed && reflected() >= 600) killed = first.kill();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect(await killed).toBe('SIGKILL');
    await Promise.all(guests.map((guest) => guest.closed));
    for (const guest of guests) guest.scan();

    const sent = guests.reduce((sum, guest) => sum + guest.sentCount, 0);
    const refused = guests.flatMap((guest) => [...guest.refused.values()]);
    expect(refused).toEqual([]);
    // The kill came mid-traffic: messages were on their way that nobody saw reflected.
    expect(sent).toBeGreaterThan(reflected());

    const second = await start();
    const archived = await archivedIds(second.c2sPort, ROOM);
    const missing = guests.flatMap((guest) => [...guest.reflected.entries()].filter(([, id]) => !archived.has(id)).map(([clientId]) => clientId));
    expect(missing, `${missing.length} of ${reflected()} reflected messages are not in the archive`).toEqual([]);
    // What the others received was archived too (each message is stored before it goes to anyone).
    const receivedByAnyone = new Set(guests.flatMap((guest) => [...guest.received]));
    expect([...receivedByAnyone].filter((id) => !archived.has(id))).toEqual([]);

    expect(await second.stop()).toBe(0);
    const db = new BetterSqlite3(path.join(dir, 'data', 'palaver.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  }, 60_000);
});
