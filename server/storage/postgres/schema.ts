/**
 * Bringing a PostgreSQL database's schema up to date at open. The missing migrations run in
 * one transaction under a transaction-scoped advisory lock, so several nodes starting
 * together apply them once: the others wait for the lock, then find them recorded in
 * schema_migrations. A database that has applied more migrations than this release knows is
 * from a newer Palaver and is refused.
 */
import type pg from 'pg';
import type { PostgresMigration } from './migrations/types.js';

/** Any number fixed for Palaver's schema; "pala" in ASCII. */
const MIGRATION_LOCK = 0x70616c61;

export class PostgresMigrationError extends Error {}

/** Applies the migrations the database has not seen yet; returns how many it applied. */
export async function runPostgresMigrations(client: pg.ClientBase, list: readonly PostgresMigration[]): Promise<number> {
  checkList(list);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = new Set(rows.map((row) => row.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > list.length) {
      throw new PostgresMigrationError(`database schema version ${newest} is newer than this Palaver supports (${list.length}); refusing to use it with an older release`);
    }
    let count = 0;
    for (const migration of list) {
      if (applied.has(migration.version)) continue;
      try {
        if (typeof migration.up === 'string') await client.query(migration.up);
        else await migration.up(client);
      } catch (error) {
        throw new PostgresMigrationError(`migration ${migration.version} "${migration.name}" failed: ${(error as Error).message}`, { cause: error });
      }
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      count++;
    }
    await client.query('COMMIT');
    return count;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function checkList(list: readonly PostgresMigration[]): void {
  const names = new Set<string>();
  list.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new PostgresMigrationError(`migration "${migration.name}" declares version ${migration.version} but is at position ${index + 1} of the list`);
    }
    if (names.has(migration.name)) throw new PostgresMigrationError(`duplicate migration name "${migration.name}"`);
    names.add(migration.name);
  });
}
