/**
 * The archive of temporary rooms (Storage.temporaryArchive): the same store as the lasting
 * archive (MAM paging, search, retraction behave alike), over a SQLite database that lives in
 * this process's memory only, capped in size (past it the oldest messages make way).
 * Nothing of it is ever written to disk, so a crash takes it with the process, as
 * docs/privacy.md promises for rooms nobody made persistent.
 */
import BetterSqlite3 from 'better-sqlite3';
import { roomArchive } from './migrations/005-room-archive.js';
import { SqliteArchiveStore, type ArchiveWriteFailure } from './archive.js';

export interface MemoryArchiveOptions {
  /** The whole database's size cap; past it the oldest messages of all rooms make way. */
  maxBytes: number;
  maxMessagesPerRoom: number;
  onLost: ArchiveWriteFailure;
}

export function openMemoryArchive(options: MemoryArchiveOptions): SqliteArchiveStore {
  const db = new BetterSqlite3(':memory:');
  if (typeof roomArchive.up !== 'string') throw new Error('the room archive schema is expected as SQL text');
  db.exec(roomArchive.up);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  db.pragma(`max_page_count = ${Math.max(64, Math.ceil(options.maxBytes / pageSize))}`);
  return new SqliteArchiveStore(db, options.onLost, {
    maxMessagesPerRoom: options.maxMessagesPerRoom,
    evictOldestWhenFull: true,
  });
}
