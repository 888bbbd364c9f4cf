#!/usr/bin/env node
/**
 * The room archive store alone, SQLite against PostgreSQL (a build in dist/): how much CPU
 * of the Palaver process an archived message costs, and how long a message waits for its
 * commit before it may be delivered (both stores commit before delivery: SQLite inside
 * append, PostgreSQL in batches per turn). Then what the PostgreSQL store's history tail
 * costs in memory per room.
 *
 *   npx tsc -p tsconfig.json && node --expose-gc bench/archive-store.mjs [--rate 1000] [--seconds 5]
 *
 * Messages (of ~330 characters) are spread over 50 rooms. PostgreSQL: the machine's server
 * at 127.0.0.1:5432 (PALAVER_TEST_POSTGRES), a throwaway database. The figures include making
 * the messages (the same for both stores); the load average printed says whether the
 * machine was quiet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { xml } from '../dist/server/xml/element.js';
import { SqliteArchiveStore } from '../dist/server/storage/sqlite/archive.js';
import { roomArchive as sqliteSchema } from '../dist/server/storage/sqlite/migrations/005-room-archive.js';
import { roomArchive as postgresSchema } from '../dist/server/storage/postgres/migrations/002-room-archive.js';
import { openPostgresArchive } from '../dist/server/storage/postgres/archive.js';

const args = Object.fromEntries(process.argv.slice(2).map((arg, i, all) => (arg.startsWith('--') ? [arg.slice(2), all[i + 1]] : null)).filter(Boolean));
const RATE = Number(args.rate ?? 1000);
const SECONDS = Number(args.seconds ?? 5);
const ROOMS = 50;
const SERVER = process.env.PALAVER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function message(i) {
  const room = `room${i % ROOMS}@conference.localhost`;
  const id = `bench-${i}-${randomBytes(4).toString('hex')}`;
  const stanza = xml('message', { from: `${room}/nick${i % 7}`, type: 'groupchat', id: `c${i}` },
    xml('body', {}, `message ${i}: the quick brown fox jumps over the lazy dog, and deploys a release on Friday`),
    xml('stanza-id', { xmlns: 'urn:xmpp:sid:0', id, by: room }),
    xml('occupant-id', { xmlns: 'urn:xmpp:occupant-id:0', id: `occ${i % 7}` }));
  return { room, entry: { id, stanza, nick: `nick${i % 7}`, occupantId: `occ${i % 7}`, timestamp: Date.now() } };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

/**
 * Offers RATE messages a second for SECONDS (a batch every 10 ms, as a busy server reads
 * several sockets per turn); measures this process's CPU per message and how long each
 * message waits from append to commit (when it may be delivered).
 */
async function run(name, store) {
  const waits = [];
  const pending = [];
  const perTick = Math.max(1, Math.round(RATE / 100));
  const total = RATE * SECONDS;
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let sent = 0; sent < total;) {
    for (let k = 0; k < perTick && sent < total; k++, sent++) {
      const { room, entry } = message(sent);
      const at = performance.now();
      const committed = store.append(room, entry);
      if (committed) pending.push(committed.then(() => waits.push(performance.now() - at)));
      else waits.push(performance.now() - at);
    }
    const due = started + (sent / RATE) * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
  await Promise.all(pending);
  await store.flush();
  const elapsed = performance.now() - started;
  const used = process.cpuUsage(cpu);
  waits.sort((a, b) => a - b);
  console.log(JSON.stringify({
    store: name, offered_per_s: RATE, achieved_per_s: Math.round(total / (elapsed / 1000)),
    cpu_us_per_message: Number(((used.user + used.system) / total).toFixed(1)),
    commit_wait_ms: { p50: Number(percentile(waits, 0.5).toFixed(2)), p99: Number(percentile(waits, 0.99).toFixed(2)) },
    load_average: os.loadavg()[0],
  }));
}

async function tailMemory(pool) {
  const rooms = 1000;
  const perRoom = 100;
  await pool.query('TRUNCATE room_archive');
  const filler = await openPostgresArchive(pool, { recentPerRoom: 0 });
  for (let r = 0; r < rooms; r++) {
    for (let i = 0; i < perRoom; i++) {
      const { entry } = message(i);
      filler.append(`tail${r}@conference.localhost`, { ...entry, id: `t${r}-${i}` });
    }
    if (r % 50 === 49) await filler.flush();
  }
  await filler.flush();
  const { rows } = await pool.query('SELECT avg(length(stanza))::int AS chars FROM room_archive');
  global.gc?.();
  const before = process.memoryUsage().heapUsed;
  const store = await openPostgresArchive(pool, { recentPerRoom: perRoom });
  global.gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(JSON.stringify({
    tail: `${rooms} rooms x ${perRoom} messages of ${rows[0].chars} characters`, gc: typeof global.gc === 'function',
    bytes_per_room: Math.round((after - before) / rooms), bytes_per_message: Math.round((after - before) / rooms / perRoom),
  }));
  return store;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-bench-archive-'));
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
const dbName = `palaver_bench_${randomBytes(4).toString('hex')}`;
await admin.query(`CREATE DATABASE ${dbName}`);
const url = new URL(SERVER);
url.pathname = `/${dbName}`;
const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
// DROP DATABASE … WITH (FORCE) ends the idle connections of a tail store left open.
pool.on('error', () => {});
try {
  const db = new BetterSqlite3(path.join(dir, 'archive.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(sqliteSchema.up);
  await run('sqlite (commit before delivery, no fsync)', new SqliteArchiveStore(db));
  db.close();

  await pool.query(postgresSchema.up);
  await run('postgres (commit before delivery, synchronous_commit off)', await openPostgresArchive(pool, { recentPerRoom: 100 }));
  await pool.query('TRUNCATE room_archive');
  await run('postgres (commit before delivery, synchronous_commit on)', await openPostgresArchive(pool, { recentPerRoom: 100, fsync: true }));
  await tailMemory(pool);
} finally {
  await pool.end();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  fs.rmSync(dir, { recursive: true, force: true });
}
