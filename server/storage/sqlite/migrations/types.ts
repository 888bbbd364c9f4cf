import type BetterSqlite3 from 'better-sqlite3';

/**
 * One schema step. `version` must equal the migration's 1-based position in the list in
 * migrations/index.ts (checked at open), so two features appending concurrently collide
 * visibly instead of silently sharing a number. Migrations are never edited once released:
 * a change to an existing table is a new migration.
 */
export interface Migration {
  version: number;
  /** Short unique name, e.g. "accounts". */
  name: string;
  /** SQL script (may hold several statements) or a function for data migrations. */
  up: string | ((db: BetterSqlite3.Database) => void);
  /** Run with foreign key enforcement off (table rebuilds); a foreign_key_check follows. */
  disableForeignKeys?: boolean;
}
