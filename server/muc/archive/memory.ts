/**
 * The archive of temporary rooms: the same store as the lasting archive (MAM paging, search,
 * retraction behave alike), over a SQLite database that lives in this process's memory only.
 * Nothing of it is ever written to disk, so a crash takes it with the process, as
 * docs/privacy.md promises for rooms nobody made persistent.
 */
import BetterSqlite3 from 'better-sqlite3';
import { roomArchive } from '../../storage/sqlite/migrations/005-room-archive.js';
import { SqliteRoomArchive, type ArchiveWriteFailure, type RoomArchiveStore } from './store.js';

export interface MemoryArchiveOptions {
  /** The whole database's size cap; past it the oldest messages of all rooms make way. */
  maxBytes: number;
  maxMessagesPerRoom: number;
  now: () => number;
  onLost: ArchiveWriteFailure;
}

export function openMemoryArchive(options: MemoryArchiveOptions): RoomArchiveStore {
  const db = new BetterSqlite3(':memory:');
  if (typeof roomArchive.up !== 'string') throw new Error('the room archive schema is expected as SQL text');
  db.exec(roomArchive.up);
  const pageSize = Number(db.pragma('page_size', { simple: true }));
  db.pragma(`max_page_count = ${Math.max(64, Math.ceil(options.maxBytes / pageSize))}`);
  return new SqliteRoomArchive(db, options.now, options.onLost, {
    maxMessagesPerRoom: options.maxMessagesPerRoom,
    evictOldestWhenFull: true,
  });
}
