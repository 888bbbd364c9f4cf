import type pg from 'pg';

/**
 * One schema step of the PostgreSQL backend. `version` equals the migration's 1-based
 * position in migrations/index.ts (checked at open), so two features appending at once
 * collide visibly. Released migrations are never edited: a change is a new migration.
 */
export interface PostgresMigration {
  version: number;
  /** Short unique name, e.g. "kept". */
  name: string;
  /** SQL script (several statements allowed) or a function for data migrations. */
  up: string | ((client: pg.ClientBase) => Promise<void>);
}
