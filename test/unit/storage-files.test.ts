/** The FileStore contract (upload bytes) on both stores: a folder of data_dir, and PostgreSQL. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import { ReceiveError, type FileStore } from '../../server/storage/files.js';
import { UploadFiles } from '../../server/upload/files.js';
import { CHUNK_BYTES, PostgresFileStore } from '../../server/storage/postgres/upload-files.js';
import { openPostgresStorage, type PostgresStorage } from '../../server/storage/postgres/index.js';
import { hashSecret, newSlotId } from '../../server/upload/secrets.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { emptyPostgresTables } from './storage-postgres-fixture.js';
import { uploadFixture } from './upload-fixture.js';

const clock = { now: Date.UTC(2030, 0, 1) };
const cleanups: (() => Promise<void> | void)[] = [];
let database: TestDatabase | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(async () => {
  await database?.drop();
});

function disk(): FileStore {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-files-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return new UploadFiles(dir);
}

async function postgresStorage(): Promise<PostgresStorage> {
  database ??= await createTestDatabase();
  await emptyPostgresTables(database.url);
  const storage = await openPostgresStorage(database.url);
  cleanups.push(() => storage.close());
  return storage;
}

async function postgres(): Promise<FileStore> {
  return new PostgresFileStore((await postgresStorage()).pool, () => clock.now);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A body arriving in uneven pieces, as from a socket. */
function body(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 70_001) pieces.push(bytes.subarray(at, at + 70_001));
  return Readable.from(pieces);
}

describe.each([
  ['disk', disk],
  ['postgres', postgres],
] as const)('%s file store', (_name, open) => {
  it('stores a file over several chunks and reads it back whole and in ranges', async () => {
    const files = await open();
    const bytes = randomBytes(2 * CHUNK_BYTES + 12_345);
    const id = newSlotId();
    await files.receive(id, body(bytes), bytes.length);
    const file = (await files.open(id))!;
    expect(file.size).toBe(bytes.length);
    expect((await readAll(file.read(0, bytes.length - 1))).equals(bytes)).toBe(true);
    for (const [start, end] of [[0, 0], [CHUNK_BYTES - 10, CHUNK_BYTES + 10], [CHUNK_BYTES, 2 * CHUNK_BYTES - 1], [bytes.length - 5, bytes.length - 1]] as const) {
      expect((await readAll(file.read(start, end))).equals(bytes.subarray(start, end + 1))).toBe(true);
    }
  });

  it('stores an empty file', async () => {
    const files = await open();
    const id = newSlotId();
    await files.receive(id, Readable.from([]), 0);
    expect((await files.open(id))?.size).toBe(0);
  });

  it('refuses a body longer or shorter than the slot, and a body that breaks off, leaving nothing', async () => {
    const files = await open();
    for (const size of [10, 1_000]) {
      const id = newSlotId();
      const error = await files.receive(id, body(randomBytes(500)), size).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReceiveError);
      expect((error as ReceiveError).kind).toBe('size');
      expect(await files.open(id)).toBeUndefined();
    }
    const source = new PassThrough();
    const id = newSlotId();
    const aborted = files.receive(id, source, CHUNK_BYTES * 2).catch((e: unknown) => e);
    source.write(randomBytes(CHUNK_BYTES + 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    source.destroy(new Error('socket hang up'));
    expect(((await aborted) as ReceiveError).kind).toBe('client');
    expect(await files.open(id)).toBeUndefined();
  });

  it('deletes a file, and a deleted or unknown file is fine to delete again', async () => {
    const files = await open();
    const id = newSlotId();
    await files.receive(id, Readable.from([Buffer.from('hello')]), 5);
    await files.remove(id);
    expect(await files.open(id)).toBeUndefined();
    await files.remove(id);
    await files.remove(newSlotId());
  });

  it('removes files without a record as strays, and keeps those with one', async () => {
    const files = await open();
    const kept = newSlotId();
    const orphan = newSlotId();
    for (const id of [kept, orphan]) await files.receive(id, Readable.from([Buffer.from('hello')]), 5);
    clock.now += 10 * 60_000; // past the grace a shared store gives a record on its way from another node
    expect(await files.removeStrays((id) => id === kept)).toBe(1);
    expect(await files.open(kept)).toBeDefined();
    expect(await files.open(orphan)).toBeUndefined();
  });
});

describe('upload bytes in PostgreSQL', () => {
  it('the sweeper deletes an expired upload with its bytes', async () => {
    const storage = await postgresStorage();
    const fixture = uploadFixture({}, fs.mkdtempSync(path.join(os.tmpdir(), 'palaver-upload-')), storage);
    cleanups.push(() => fs.rmSync(fixture.dataDir, { recursive: true, force: true }));
    const { service } = fixture;
    expect(service.files).toBe(storage.uploadFiles);
    const id = newSlotId();
    const now = fixture.clock.now;
    service.store.add({ id, secretHash: hashSecret('s'), uploader: 'a@localhost', fileName: 'f.txt', size: 5, contentType: '', createdAt: now, expiresAt: now + 60_000, completedAt: now });
    await service.files.receive(id, Readable.from([Buffer.from('hello')]), 5);
    expect(await service.sweep()).toEqual({ expired: 0, strays: 0 });
    fixture.clock.now += 60_000;
    expect((await service.sweep()).expired).toBe(1);
    expect(await service.files.open(id)).toBeUndefined();
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    const { rows } = await client.query('SELECT (SELECT count(*) FROM upload_blobs) AS blobs, (SELECT count(*) FROM upload_chunks) AS chunks');
    await client.end();
    expect(rows[0]).toEqual({ blobs: '0', chunks: '0' });
    service.stop();
  });

  it('a partial upload left by a node that stopped mid-PUT is removed once stale, not while fresh', async () => {
    const storage = await postgresStorage();
    const crashed = new PostgresFileStore(storage.pool, () => clock.now);
    const source = new PassThrough();
    const id = newSlotId();
    const interrupted = crashed.receive(id, source, CHUNK_BYTES * 4).catch(() => undefined);
    source.write(randomBytes(CHUNK_BYTES * 2));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Another node sweeps while the PUT is still arriving: it is left alone.
    const other = new PostgresFileStore(storage.pool, () => clock.now);
    expect(await other.removeStrays(() => true)).toBe(0);
    const { rows } = await storage.pool.query<{ n: string }>('SELECT count(*) AS n FROM upload_chunks');
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(1);
    // …until its last chunk is an hour old.
    clock.now += 61 * 60_000;
    expect(await other.removeStrays(() => true)).toBe(1);
    source.destroy();
    await interrupted;
  });
});
