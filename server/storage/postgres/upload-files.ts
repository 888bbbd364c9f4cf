/**
 * Upload bytes in PostgreSQL (migration 003): the FileStore of the PostgreSQL backend. A PUT
 * is streamed in as chunks of CHUNK_BYTES, each one INSERT committed on its own (a pooled
 * connection is held for one chunk, never for a whole slow upload), with the client read no
 * faster than the chunks are written; a GET reads the chunks a range covers, one at a time.
 * So at most one chunk per transfer is in memory.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { ReceiveError, type FileStore, type StoredFile } from '../files.js';
import type { Queryable } from './mirrored.js';
import { toNumber } from './mirrored.js';

export const CHUNK_BYTES = 256 * 1024;
/** A blob still incomplete this long after its last chunk is a leftover (a body deadline is far shorter). */
const STALE_PARTIAL_MS = 60 * 60_000;
/** A complete file without a record is deleted only after this: its record may be on its way from another node. */
const ORPHAN_GRACE_MS = 5 * 60_000;

export class PostgresFileStore implements FileStore {
  /** Blobs this node is writing now: never leftovers. */
  private readonly writing = new Set<string>();

  constructor(private readonly pool: pg.Pool, private readonly now: () => number = Date.now) {}

  async receive(id: string, source: Readable, size: number): Promise<void> {
    const blob = newBlobName();
    this.writing.add(blob);
    try {
      await writeBlob(this.pool, id, blob, source, size, this.now);
    } catch (error) {
      await this.pool.query('DELETE FROM upload_blobs WHERE blob = $1', [blob]).catch(() => undefined);
      throw error instanceof ReceiveError ? error : new ReceiveError('disk', error);
    } finally {
      this.writing.delete(blob);
    }
  }

  async open(id: string): Promise<StoredFile | undefined> {
    const { rows } = await this.pool.query<{ blob: string; size: string; chunk_size: number; completed_at: string }>(
      'SELECT blob, size, chunk_size, completed_at FROM upload_blobs WHERE file_id = $1', [id]);
    const row = rows[0];
    if (!row) return undefined;
    const pool = this.pool;
    return {
      size: toNumber(row.size),
      modifiedAt: toNumber(row.completed_at),
      read: (start, end) => Readable.from(readChunks(pool, row.blob, row.chunk_size, start, end), { objectMode: false }),
    };
  }

  async remove(id: string): Promise<void> {
    await this.pool.query('DELETE FROM upload_blobs WHERE file_id = $1', [id]);
  }

  async removeStrays(hasRecord: (id: string) => boolean): Promise<number> {
    const now = this.now();
    const partial = await this.pool.query<{ blob: string }>(
      'DELETE FROM upload_blobs WHERE file_id IS NULL AND touched_at < $1 AND NOT (blob = ANY($2::text[])) RETURNING blob',
      [now - STALE_PARTIAL_MS, [...this.writing]]);
    const { rows } = await this.pool.query<{ file_id: string }>(
      'SELECT file_id FROM upload_blobs WHERE file_id IS NOT NULL AND completed_at < $1', [now - ORPHAN_GRACE_MS]);
    const orphans = rows.map((row) => row.file_id).filter((id) => !hasRecord(id));
    if (orphans.length > 0) await this.pool.query('DELETE FROM upload_blobs WHERE file_id = ANY($1::text[])', [orphans]);
    return partial.rows.length + orphans.length;
  }
}

function newBlobName(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Streams exactly `size` bytes from `source` into a new blob and makes it the file of slot
 * `id`. The database's failures are ReceiveError 'disk', the source's 'client', a wrong
 * length 'size'. Used by the file store and by `palaver migrate` (on its transaction).
 */
export async function writeBlob(db: Queryable, id: string, blob: string, source: Readable, size: number, now: () => number): Promise<void> {
  const stored = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      throw new ReceiveError('disk', error);
    }
  };
  await stored(() => db.query('INSERT INTO upload_blobs (blob, size, chunk_size, touched_at) VALUES ($1, $2, $3, $4)', [blob, size, CHUNK_BYTES, now()]));
  let seq = 0;
  let received = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const writeChunk = (data: Buffer): Promise<unknown> => stored(() => db.query(
    `WITH chunk AS (INSERT INTO upload_chunks (blob, seq, data) VALUES ($1, $2, $3))
     UPDATE upload_blobs SET touched_at = $4 WHERE blob = $1`, [blob, seq++, data, now()]));
  try {
    // Not destroyed on a failure here: the client is still to be answered.
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (received > size) throw new ReceiveError('size');
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= CHUNK_BYTES) {
        const all = Buffer.concat(pending, pendingBytes);
        await writeChunk(all.subarray(0, CHUNK_BYTES));
        pending = [all.subarray(CHUNK_BYTES)];
        pendingBytes -= CHUNK_BYTES;
      }
    }
  } catch (error) {
    throw error instanceof ReceiveError ? error : new ReceiveError('client', error);
  }
  if (received !== size) throw new ReceiveError('size');
  if (pendingBytes > 0) await writeChunk(Buffer.concat(pending, pendingBytes));
  await stored(() => db.query('UPDATE upload_blobs SET file_id = $2, completed_at = $3 WHERE blob = $1', [blob, id, now()]));
}

/** The bytes `start`..`end` (included) of a blob, chunk by chunk. */
async function* readChunks(pool: pg.Pool, blob: string, chunkSize: number, start: number, end: number): AsyncGenerator<Buffer> {
  for (let seq = Math.floor(start / chunkSize); seq <= Math.floor(end / chunkSize); seq++) {
    const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM upload_chunks WHERE blob = $1 AND seq = $2', [blob, seq]);
    const data = rows[0]?.data;
    if (!data) throw new Error('an upload chunk is missing from the database');
    const offset = seq * chunkSize;
    yield data.subarray(Math.max(0, start - offset), Math.min(data.length, end - offset + 1));
  }
}
