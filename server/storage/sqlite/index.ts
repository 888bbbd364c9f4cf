/**
 * The embedded SQLite backend: `openSqliteStorage(dataDir)` is the default Storage.
 * Feature modules with their own tables take `storage.db`, prepare their statements on
 * it, and register per-user cleanup with `storage.accounts.onDelete(...)`.
 */
import type { Storage } from '../types.js';
import { openDatabase, type Database, type OpenDatabaseOptions } from './database.js';
import { SqliteAccountStore } from './accounts.js';
import { SqliteRosterStore } from './rosters.js';
import { SqliteUserDataStore } from './user-data.js';

export { openDatabase, relaxedSync, runMigrations, schemaVersion, MigrationError, DATABASE_FILE } from './database.js';
export type { Database, Migration, OpenDatabaseOptions } from './database.js';
export { migrations } from './migrations/index.js';
export { SqliteAccountStore, type AccountDeleteHook } from './accounts.js';
export { SqliteRosterStore } from './rosters.js';
export { SqliteUserDataStore } from './user-data.js';

export interface SqliteStorage extends Storage {
  readonly db: Database;
  readonly accounts: SqliteAccountStore;
  readonly rosters: SqliteRosterStore;
  readonly userData: SqliteUserDataStore;
}

export function openSqliteStorage(dataDir: string, options?: OpenDatabaseOptions): SqliteStorage {
  const db = openDatabase(dataDir, options);
  try {
    const accounts = new SqliteAccountStore(db);
    const rosters = new SqliteRosterStore(db);
    const userData = new SqliteUserDataStore(db);
    accounts.onDelete(({ jid }) => {
      rosters.deleteUser(jid);
      userData.deleteUser(jid);
    });
    return {
      db, accounts, rosters, userData,
      close(): void {
        if (!db.open) return;
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
