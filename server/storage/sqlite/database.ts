/**
 * Opening the embedded SQLite database and bringing its schema up to date.
 *
 * The schema is a numbered list of migrations (migrations/index.ts). `PRAGMA user_version`
 * records how many have been applied; at open, the missing ones run in order, each in its
 * own transaction together with the user_version bump, so a failed migration leaves the
 * database at the previous version. A database whose user_version is higher than the list
 * is from a newer Palaver and is refused rather than silently used.
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrations as defaultMigrations, type Migration } from './migrations/index.js';

export type Database = BetterSqlite3.Database;
export type { Migration } from './migrations/index.js';

export const DATABASE_FILE = 'palaver.sqlite';

export class MigrationError extends Error {}

export interface OpenDatabaseOptions {
  /** Replaces the built-in migration list (tests of the runner). */
  migrations?: readonly Migration[];
  /** Milliseconds to wait on a locked database before SQLITE_BUSY. Default 5000. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if missing) `<dataDir>/palaver.sqlite`, sets the connection pragmas and
 * applies pending migrations. The data directory is created with mode 0700 and a new
 * database file gets mode 0600 (SQLite gives its -wal/-shm files the same mode).
 */
export function openDatabase(dataDir: string, options: OpenDatabaseOptions = {}): Database {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, DATABASE_FILE);
  const isNew = !fs.existsSync(file);
  const db = new BetterSqlite3(file);
  try {
    if (isNew) fs.chmodSync(file, 0o600);
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (typeof mode !== 'string' || mode.toLowerCase() !== 'wal') {
      throw new Error(`could not switch ${file} to WAL journal mode (got ${String(mode)})`);
    }
    // FULL: in WAL mode, every commit is fsynced before it returns, so accounts, bans, room
    // settings and upload completions survive a power cut once acknowledged. The room
    // archive, the one busy writer, relaxes this for its own commits (relaxedSync).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    runMigrations(db, options.migrations ?? defaultMigrations);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Returns a runner for writes (whole transactions) that may be undone by a power cut:
 * each runs with synchronous = NORMAL, so its commit reaches the operating system before it
 * returns (it survives the process being killed) but is fsynced only at the next
 * checkpoint. Earlier fully synchronous commits are never undone by this: the WAL is
 * replayed up to its first torn frame.
 */
export function relaxedSync(db: Database): <T>(write: () => T) => T {
  return (write) => {
    // exec, not a prepared statement: SQLite applies this pragma when it compiles the
    // statement, so re-running a prepared one changes nothing.
    db.exec('PRAGMA synchronous = NORMAL');
    try {
      return write();
    } finally {
      db.exec('PRAGMA synchronous = FULL');
    }
  };
}

/** The schema version recorded in the database (number of applied migrations). */
export function schemaVersion(db: Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/**
 * Applies the migrations the database has not seen yet. Idempotent: on an up-to-date
 * database it only reads user_version. Returns the number of migrations applied.
 */
export function runMigrations(db: Database, list: readonly Migration[]): number {
  checkMigrationList(list);
  const current = schemaVersion(db);
  if (current > list.length) {
    throw new MigrationError(
      `database schema version ${current} is newer than this Palaver supports (${list.length}); ` +
      'refusing to open it with an older release',
    );
  }
  let applied = 0;
  for (const migration of list.slice(current)) {
    applyOne(db, migration);
    applied++;
  }
  return applied;
}

function checkMigrationList(list: readonly Migration[]): void {
  const names = new Set<string>();
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new MigrationError(
        `migration "${m.name}" declares version ${m.version} but is at position ${i + 1} of the list`,
      );
    }
    if (names.has(m.name)) throw new MigrationError(`duplicate migration name "${m.name}"`);
    names.add(m.name);
  });
}

function applyOne(db: Database, m: Migration): void {
  // PRAGMA foreign_keys is a no-op inside a transaction, so table rebuilds (the SQLite
  // "12-step" ALTER) must switch enforcement off around it and check afterwards.
  const fkWasOn = Number(db.pragma('foreign_keys', { simple: true })) === 1;
  if (m.disableForeignKeys && fkWasOn) db.pragma('foreign_keys = OFF');
  try {
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      if (m.disableForeignKeys) {
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new MigrationError(`migration ${m.version} "${m.name}" leaves foreign key violations`);
        }
      }
      // user_version lives in the database header, which is journaled: it rolls back with
      // the migration if anything above throws.
      db.pragma(`user_version = ${m.version}`);
    })();
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(
      `migration ${m.version} "${m.name}" failed: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  } finally {
    if (m.disableForeignKeys && fkWasOn) db.pragma('foreign_keys = ON');
  }
}
