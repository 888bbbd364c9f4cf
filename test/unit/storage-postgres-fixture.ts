/** Helpers of the PostgreSQL storage tests. */
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino, type Logger } from 'pino';

/** Empties every table of the database (when it has any), without firing the change triggers. */
export async function emptyPostgresTables(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'");
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((row) => row.name).join(', ')} RESTART IDENTITY`);
  } finally {
    await client.end();
  }
}

/** A logger whose error lines a test collects (and fails on). */
export function errorCollector(): { log: Logger; take(): string[] } {
  let lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const entry = JSON.parse(chunk.toString()) as { level: number; msg: string; err?: { message?: string } };
      if (entry.level >= 50) lines.push(`${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
      done();
    },
  });
  return {
    log: pino({ level: 'error' }, sink),
    take: () => {
      const taken = lines;
      lines = [];
      return taken;
    },
  };
}
