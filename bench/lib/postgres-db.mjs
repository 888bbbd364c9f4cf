/**
 * A fresh PostgreSQL database for each benchmark run (as test/helpers/postgres.ts makes one
 * per test suite), on the machine's server: 127.0.0.1:5432, user postgres, trust auth;
 * PALAVER_BENCH_POSTGRES overrides the server URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_SERVER_URL = process.env.PALAVER_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function asAdmin(sql) {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_SERVER_URL}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database; resolves with { url, drop() }. */
export async function createBenchDatabase() {
  const name = `palaver_bench_${randomBytes(6).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_SERVER_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
