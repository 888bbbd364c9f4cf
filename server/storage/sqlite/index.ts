/**
 * The embedded SQLite backend: `openSqliteStorage(dataDir)` is the default Storage. Only the
 * start-up code and the CLI open it; features see the Storage interfaces (storage/types.ts).
 * A new store adds its table in migrations/ and its class here.
 */
import type { Storage } from '../types.js';
import { deleteUserWithAccount } from '../delete-user.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './database.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteRosterStore } from './rosters.js';
import { SqliteUserDataStore } from './user-data.js';
import { SqliteRoomStore } from './rooms.js';
import { SqliteArchiveStore, type ArchiveDurability, type ArchiveWriteFailure } from './archive.js';
import { openMemoryArchive } from './memory-archive.js';
import { SqliteSecretStore } from './secrets.js';
import { SqliteUploadStore } from './uploads.js';
import { SqliteOfflineStore } from './offline.js';
import { SqliteInvitationStore } from './invitations.js';

export { openDatabase, relaxedSync, runMigrations, schemaVersion, MigrationError, DATABASE_FILE } from './database.js';
export type { Database, Migration, OpenDatabaseOptions } from './database.js';
export { migrations } from './migrations/index.js';
export { SqliteAccountStore, type AccountDeleteHook } from './accounts.js';
export { SqliteRosterStore } from './rosters.js';
export { SqliteUserDataStore } from './user-data.js';
export { SqliteRoomStore } from './rooms.js';
export { SqliteArchiveStore, type ArchiveDurability, type ArchiveWriteFailure } from './archive.js';
export { SqliteSecretStore } from './secrets.js';
export { SqliteUploadStore } from './uploads.js';
export { SqliteOfflineStore } from './offline.js';

export interface SqliteStorage extends Storage {
  readonly db: Database;
  readonly accounts: SqliteAccountStore;
  readonly rosters: SqliteRosterStore;
  readonly userData: SqliteUserDataStore;
  readonly archive: SqliteArchiveStore;
  readonly temporaryArchive: SqliteArchiveStore;
  readonly accountArchive: SqliteArchiveStore;
}

export interface SqliteStorageOptions extends OpenDatabaseOptions {
  /** An archive write that fails is reported here (default: thrown). */
  onArchiveWriteError?: ArchiveWriteFailure;
  /** [muc].archive_commit_delay and archive_fsync for the lasting archive (default: commit at once, no fsync). */
  archiveDurability?: ArchiveDurability;
  /** [muc].archive_max_messages: messages kept per room in either archive (default: no cap). */
  archiveMaxMessagesPerRoom?: number;
  /** The size cap of the temporary rooms' archive in memory, over all rooms (default 64 MiB; the oldest messages go first). */
  temporaryArchiveBytes?: number;
  /** [limits].archive_messages_per_account: messages kept per account in the one-to-one archive (default: no cap). */
  accountArchiveMaxMessages?: number;
}

const DEFAULT_TEMPORARY_ARCHIVE_BYTES = 64 * 1024 * 1024;

export function openSqliteStorage(dataDir: string, options: SqliteStorageOptions = {}): SqliteStorage {
  const db = openDatabase(dataDir, options);
  try {
    const accounts = new SqliteAccountStore(db);
    const rosters = new SqliteRosterStore(db);
    const userData = new SqliteUserDataStore(db);
    const maxMessagesPerRoom = options.archiveMaxMessagesPerRoom;
    const archive = new SqliteArchiveStore(db, options.onArchiveWriteError, { ...options.archiveDurability, maxMessagesPerRoom });
    const temporaryArchive = openMemoryArchive({
      maxBytes: options.temporaryArchiveBytes ?? DEFAULT_TEMPORARY_ARCHIVE_BYTES,
      maxMessagesPerRoom: maxMessagesPerRoom ?? Number.MAX_SAFE_INTEGER,
      onLost: options.onArchiveWriteError ?? ((error) => { throw error; }),
    });
    // One-to-one messages commit at once: there is no busy room whose commits to share.
    const accountArchive = new SqliteArchiveStore(db, options.onArchiveWriteError, {
      table: 'account_archive', maxMessagesPerRoom: options.accountArchiveMaxMessages,
    });
    const offline = new SqliteOfflineStore(db);
    const deleteUser = deleteUserWithAccount({ accounts, rosters, userData, accountArchive, offline });
    return {
      db, accounts, rosters, userData, deleteUser, archive, temporaryArchive, accountArchive, offline,
      secrets: new SqliteSecretStore(db),
      rooms: new SqliteRoomStore(db),
      uploads: new SqliteUploadStore(db),
      invitations: new SqliteInvitationStore(db),
      close(): Promise<void> {
        // Done before returning (the promise is for the networked backend): callers that
        // cannot await, such as tests' cleanup, still find the file closed.
        try {
          closeDatabase(db, [archive, accountArchive]);
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}

function closeDatabase(db: Database, archives: readonly SqliteArchiveStore[]): void {
  if (!db.open) return;
  // The last turn's archived messages are written before the database closes.
  for (const archive of archives) archive.flush();
  try {
    db.pragma('optimize');
    // Fold the WAL back into the main file and truncate it, so a stopped server
    // leaves a single self-contained palaver.sqlite.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
