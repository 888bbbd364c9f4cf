/**
 * The embedded SQLite backend: `openSqliteStorage(dataDir)` is the default Storage. Only the
 * start-up code and the CLI open it; features see the Storage interfaces (storage/types.ts).
 * A new store adds its table in migrations/ and its class here.
 */
import type { Storage } from '../types.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './database.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteRosterStore } from './rosters.js';
import { SqliteUserDataStore } from './user-data.js';
import { SqliteRoomStore } from './rooms.js';
import { SqliteArchiveStore } from './archive.js';
import { SqliteUploadStore } from './uploads.js';

export { openDatabase, runMigrations, schemaVersion, MigrationError, DATABASE_FILE } from './database.js';
export type { Database, Migration, OpenDatabaseOptions } from './database.js';
export { migrations } from './migrations/index.js';
export { SqliteAccountStore, type AccountDeleteHook } from './accounts.js';
export { SqliteRosterStore } from './rosters.js';
export { SqliteUserDataStore } from './user-data.js';
export { SqliteRoomStore } from './rooms.js';
export { SqliteArchiveStore } from './archive.js';
export { SqliteUploadStore } from './uploads.js';

export interface SqliteStorage extends Storage {
  readonly db: Database;
  readonly accounts: SqliteAccountStore;
  readonly rosters: SqliteRosterStore;
  readonly userData: SqliteUserDataStore;
  readonly archive: SqliteArchiveStore;
}

export interface SqliteStorageOptions extends OpenDatabaseOptions {
  /** Archive appends are batched; a batch that cannot be written is reported here (default: thrown). */
  onArchiveWriteError?: (error: unknown, lost: number) => void;
}

export function openSqliteStorage(dataDir: string, options: SqliteStorageOptions = {}): SqliteStorage {
  const db = openDatabase(dataDir, options);
  try {
    const accounts = new SqliteAccountStore(db);
    const rosters = new SqliteRosterStore(db);
    const userData = new SqliteUserDataStore(db);
    const archive = new SqliteArchiveStore(db, options.onArchiveWriteError);
    const deleteUser = (user: string): void => {
      rosters.deleteUser(user);
      userData.deleteUser(user);
    };
    accounts.onDelete(({ jid }) => deleteUser(jid));
    return {
      db, accounts, rosters, userData, deleteUser, archive,
      rooms: new SqliteRoomStore(db),
      uploads: new SqliteUploadStore(db),
      close(): void {
        if (!db.open) return;
        // The last turn's archived messages are written before the database closes.
        archive.flush();
        try {
          db.pragma('optimize');
          // Fold the WAL back into the main file and truncate it, so a stopped server
          // leaves a single self-contained palaver.sqlite.
          db.pragma('wal_checkpoint(TRUNCATE)');
        } finally {
          db.close();
        }
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
