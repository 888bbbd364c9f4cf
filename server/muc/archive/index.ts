/**
 * The room archive: what the MUC service uses to store and replay room messages, and what
 * the muc-archive module (server/modules/muc-archive.ts) serves over XEP-0313.
 */
import type { ServerContext } from '../../core/context.js';
import type { Database } from '../../storage/sqlite/database.js';
import { NS } from '../../xml/namespaces.js';
import { LIMITS } from '../limits.js';
import type { RoomConfig } from '../types.js';
import { openMemoryArchive } from './memory.js';
import { NS_FULLTEXT, NS_MAM_EXTENDED } from './query.js';
import { SqliteRoomArchive, type ArchiveWriteFailure, type RoomArchiveStore } from './store.js';

export type { ArchivedMessage, RoomArchive } from './types.js';
export type { RoomArchiveStore, ArchiveFilter, PageRequest, ArchivePage } from './store.js';
export { ArchiveIdNotFound } from './store.js';

type ArchiveContext = Pick<ServerContext, 'config' | 'database' | 'now' | 'log'>;

// One store of each kind per server (keyed by its database): the MUC service and the MAM
// module share them, with their prepared statements.
const stores = new WeakMap<Database, RoomArchiveStore>();
const temporaryStores = new WeakMap<Database, RoomArchiveStore>();

/** The archive of persistent rooms, in the server's database. Every call returns the same store. */
export function createRoomArchive(ctx: ArchiveContext): RoomArchiveStore {
  let store = stores.get(ctx.database);
  if (!store) {
    const { archive_commit_delay: commitDelayMs, archive_fsync: fsync, archive_max_messages: maxMessagesPerRoom } = ctx.config.muc;
    store = new SqliteRoomArchive(ctx.database, ctx.now, reportLoss(ctx), { maxMessagesPerRoom, commitDelayMs, fsync });
    stores.set(ctx.database, store);
  }
  return store;
}

/** The archive of temporary rooms, in memory only (memory.ts). Every call returns the same store. */
export function temporaryRoomArchive(ctx: ArchiveContext): RoomArchiveStore {
  let store = temporaryStores.get(ctx.database);
  if (!store) {
    store = openMemoryArchive({
      maxBytes: LIMITS.temporaryArchiveBytes,
      maxMessagesPerRoom: ctx.config.muc.archive_max_messages,
      now: ctx.now,
      onLost: reportLoss(ctx),
    });
    temporaryStores.set(ctx.database, store);
  }
  return store;
}

function reportLoss(ctx: ArchiveContext): ArchiveWriteFailure {
  return (error, messages, delivered) => ctx.log.error({ err: error, messages }, delivered
    ? 'room messages could not be written to the archive; they were delivered but are not archived'
    : 'a room message could not be written to the archive; it was refused to its sender');
}

const ARCHIVE_FEATURES: readonly string[] = [NS.mam, NS_MAM_EXTENDED, NS_FULLTEXT];

/**
 * The disco#info features a room adds for its archive (MAM, its #extended form, XEP-0431
 * search): all of them when the room archives, none otherwise. Call it only when the server
 * archives at all ([muc].archive): the MAM handlers exist only then.
 */
export function archiveFeatures(room: { config: Pick<RoomConfig, 'archive'> }): readonly string[] {
  return room.config.archive ? ARCHIVE_FEATURES : [];
}
