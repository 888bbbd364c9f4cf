/**
 * The room archive: what the MUC service uses to store and replay room messages, and what
 * the muc-archive module (server/modules/muc-archive.ts) serves over XEP-0313.
 */
import type { ServerContext } from '../../core/context.js';
import type { Database } from '../../storage/sqlite/database.js';
import { NS } from '../../xml/namespaces.js';
import type { RoomConfig } from '../types.js';
import { NS_FULLTEXT, NS_MAM_EXTENDED } from './query.js';
import { SqliteRoomArchive, type RoomArchiveStore } from './store.js';

export type { ArchivedMessage, RoomArchive } from './types.js';
export type { RoomArchiveStore, ArchiveFilter, PageRequest, ArchivePage } from './store.js';
export { ArchiveIdNotFound } from './store.js';

// One store per database: the MUC service and the MAM module share its prepared statements.
const stores = new WeakMap<Database, RoomArchiveStore>();

/** The SQLite room archive of this server. Every call returns the same store. */
export function createRoomArchive(ctx: Pick<ServerContext, 'config' | 'database' | 'now' | 'log'>): RoomArchiveStore {
  let store = stores.get(ctx.database);
  if (!store) {
    const { archive_commit_delay: commitDelayMs, archive_fsync: fsync } = ctx.config.muc;
    store = new SqliteRoomArchive(ctx.database, ctx.now, (error, messages, delivered) => {
      ctx.log.error({ err: error, messages }, delivered
        ? 'room messages could not be written to the archive; they were delivered but are not archived'
        : 'a room message could not be written to the archive; it was refused to its sender');
    }, { commitDelayMs, fsync });
    stores.set(ctx.database, store);
  }
  return store;
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
