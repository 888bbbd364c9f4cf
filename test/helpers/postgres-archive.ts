/**
 * A throwaway PostgreSQL database holding the room archive's table alone (migration
 * 002-room-archive, applied here as the SQLite tests apply theirs), for the archive store's
 * tests. Fails loudly when PostgreSQL cannot be reached (test/helpers/postgres.ts).
 */
import pg from 'pg';
import { roomArchive } from '../../server/storage/postgres/migrations/002-room-archive.js';
import { openPostgresArchive, type PostgresArchiveOptions, type PostgresArchiveStore } from '../../server/storage/postgres/archive.js';
import { createTestDatabase } from './postgres.js';

export interface ArchiveTestDatabase {
  pool: pg.Pool;
  /** Empties the table (after the previous store has written everything) and opens a store on it. */
  open(options?: Partial<PostgresArchiveOptions>): Promise<PostgresArchiveStore>;
  close(): Promise<void>;
}

export async function createArchiveTestDatabase(): Promise<ArchiveTestDatabase> {
  const database = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => {});
  await pool.query(roomArchive.up);
  let previous: PostgresArchiveStore | undefined;
  return {
    pool,
    async open(options = {}) {
      await previous?.flush();
      await pool.query('TRUNCATE room_archive RESTART IDENTITY');
      previous = await openPostgresArchive(pool, { recentPerRoom: 1000, ...options });
      return previous;
    },
    async close() {
      await previous?.flush();
      await pool.end();
      await database.drop();
    },
  };
}

/** Makes every insert into room_archive fail (as a full disk would) until the returned function is called. */
export async function refuseArchiveWrites(pool: pg.Pool): Promise<() => Promise<void>> {
  await pool.query(`
    CREATE FUNCTION refuse_archive() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
    CREATE TRIGGER refuse_archive BEFORE INSERT ON room_archive FOR EACH ROW EXECUTE FUNCTION refuse_archive();`);
  return async () => {
    await pool.query('DROP TRIGGER refuse_archive ON room_archive; DROP FUNCTION refuse_archive();');
  };
}
