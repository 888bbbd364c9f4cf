/**
 * `palaver migrate --to-postgres URL [--config FILE]`: copies the SQLite database of the
 * config's data_dir into an EMPTY PostgreSQL database, in one transaction, then checks that
 * every table holds as many rows there as in SQLite. The files of completed uploads are copied
 * from data_dir/uploads too (the PostgreSQL backend keeps upload bytes in the database).
 *
 * The copy is a list of table copiers, in foreign-key order; a store with tables of its own
 * adds one entry.
 */
import { copyArchiveFromSqlite } from '../storage/postgres/copy-archive.js';
import { copyUploadFilesFromDisk, countUploadFiles } from '../storage/postgres/copy-upload-files.js';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config/types.js';
import { openDatabase, DATABASE_FILE, type Database } from '../storage/sqlite/index.js';
import { postgresMigrations, runPostgresMigrations } from '../storage/postgres/index.js';
import { redactUrl } from '../startup/storage.js';
import { CliError } from './errors.js';

export interface TableCopier {
  /** The table's name, the same in SQLite and PostgreSQL; its rows are counted on both sides. */
  name: string;
  /** Copies every row; returns how many. */
  copy(source: Database, target: pg.PoolClient): Promise<number>;
  /** What the source holds to copy, when it is not the rows of a SQLite table of the same name. */
  countInSource?(source: Database): number;
}

/** Rows per INSERT: well under PostgreSQL's 65535 parameters for the widest table. */
const ROWS_PER_INSERT = 500;

/**
 * A copier of one table: `select` reads the SQLite rows in a stable order, `toRow` turns one
 * into the PostgreSQL `columns`' values.
 */
export function tableCopier<Row>(name: string, select: string, columns: readonly string[], toRow: (row: Row) => unknown[]): TableCopier {
  return {
    name,
    async copy(source, target) {
      let count = 0;
      let chunk: unknown[][] = [];
      const flush = async (): Promise<void> => {
        if (chunk.length === 0) return;
        const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
        await target.query(`INSERT INTO ${name} (${columns.join(', ')}) VALUES ${values.join(', ')}`, chunk.flat());
        count += chunk.length;
        chunk = [];
      };
      for (const row of source.prepare(select).iterate() as IterableIterator<Row>) {
        chunk.push(toRow(row));
        if (chunk.length === ROWS_PER_INSERT) await flush();
      }
      await flush();
      return count;
    },
  };
}

type Rec = Record<string, unknown>;
const same = (...names: string[]) => (row: Rec): unknown[] => names.map((n) => row[n]);

/** The kept stores' tables, parents before children. */
export const TABLE_COPIERS: TableCopier[] = [
  tableCopier('accounts', 'SELECT host, username, created_at FROM accounts ORDER BY host, username',
    ['host', 'username', 'created_at'], same('host', 'username', 'created_at')),
  tableCopier('scram_credentials', 'SELECT host, username, hash, salt, iterations, stored_key, server_key FROM scram_credentials ORDER BY host, username, hash',
    ['host', 'username', 'hash', 'salt', 'iterations', 'stored_key', 'server_key'], same('host', 'username', 'hash', 'salt', 'iterations', 'stored_key', 'server_key')),
  tableCopier('roster_items', 'SELECT user, contact, name, subscription, ask, approved, groups_json FROM roster_items ORDER BY user, contact',
    ['owner', 'contact', 'name', 'subscription', 'ask', 'approved', 'groups'],
    (row: Rec) => [row.user, row.contact, row.name, row.subscription, row.ask === 1, row.approved === 1, JSON.parse(row.groups_json as string)]),
  tableCopier('roster_versions', 'SELECT user, version FROM roster_versions ORDER BY user', ['owner', 'version'], same('user', 'version')),
  // In arrival order: PostgreSQL numbers them again (seq) in the same order.
  tableCopier('roster_pending_in', 'SELECT user, sender, stanza, created_at FROM roster_pending_in ORDER BY rowid',
    ['owner', 'sender', 'stanza', 'created_at'], same('user', 'sender', 'stanza', 'created_at')),
  tableCopier('user_data', 'SELECT user, key, value, updated_at FROM user_data ORDER BY user, key',
    ['owner', 'key', 'value', 'updated_at'], same('user', 'key', 'value', 'updated_at')),
  tableCopier('muc_rooms', 'SELECT host, name, config, subject, subject_nick, secret, creator, created_at FROM muc_rooms ORDER BY host, name',
    ['host', 'name', 'config', 'subject', 'subject_nick', 'secret', 'creator', 'created_at'],
    same('host', 'name', 'config', 'subject', 'subject_nick', 'secret', 'creator', 'created_at')),
  tableCopier('muc_affiliations', 'SELECT host, room, jid, affiliation, nick, reason, address_hash FROM muc_affiliations ORDER BY host, room, jid',
    ['host', 'room', 'jid', 'affiliation', 'nick', 'reason', 'address_hash'], same('host', 'room', 'jid', 'affiliation', 'nick', 'reason', 'address_hash')),
  tableCopier('muc_secrets', 'SELECT host, secret FROM muc_secrets ORDER BY host', ['host', 'secret'], same('host', 'secret')),
  tableCopier('server_secrets', 'SELECT name, secret FROM server_secrets ORDER BY name', ['name', 'secret'], same('name', 'secret')),
  tableCopier('uploads', 'SELECT id, secret_hash, uploader, file_name, size, content_type, created_at, expires_at, completed_at FROM uploads ORDER BY id',
    ['id', 'secret_hash', 'uploader', 'file_name', 'size', 'content_type', 'created_at', 'expires_at', 'completed_at'],
    same('id', 'secret_hash', 'uploader', 'file_name', 'size', 'content_type', 'created_at', 'expires_at', 'completed_at')),
  tableCopier('invitations', 'SELECT token_hash, expires_at, used FROM invitations ORDER BY token_hash',
    ['token_hash', 'expires_at', 'used'], (row: Rec) => [row.token_hash, row.expires_at, row.used === 1]),
  { name: 'room_archive', copy: copyArchiveFromSqlite },
  { name: 'account_archive', copy: (source, target) => copyArchiveFromSqlite(source, target, 'account_archive') },
  tableCopier('offline_messages', 'SELECT owner, id, timestamp, stanza FROM offline_messages ORDER BY seq',
    ['owner', 'id', 'timestamp', 'stanza'], same('owner', 'id', 'timestamp', 'stanza')),
  { name: 'upload_blobs', copy: copyUploadFilesFromDisk, countInSource: countUploadFiles },
];

export interface MigrateIo {
  out?: NodeJS.WritableStream;
  copiers?: readonly TableCopier[];
}

export async function migrateToPostgres(config: Config, url: string, io: MigrateIo = {}): Promise<void> {
  const out = io.out ?? process.stdout;
  const copiers = io.copiers ?? TABLE_COPIERS;
  const dataDir = config.server.data_dir;
  if (!fs.existsSync(path.join(dataDir, DATABASE_FILE))) {
    throw new CliError(`there is no SQLite database to migrate: ${path.join(dataDir, DATABASE_FILE)} does not exist (check [server].data_dir and --config)`);
  }
  const where = redactUrl(url);
  const source = openDatabase(dataDir);
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 10_000 });
  pool.on('error', () => undefined); // the query in progress reports it
  try {
    let target: pg.PoolClient;
    try {
      target = await pool.connect();
    } catch (error) {
      throw new CliError(`cannot connect to ${where}: ${(error as Error).message}`);
    }
    try {
      await refuseNonEmpty(target, where);
      await runPostgresMigrations(target, postgresMigrations);
      const counts = await copyAll(source, target, copiers, where);
      out.write(`copied ${path.join(dataDir, DATABASE_FILE)} into ${where}:\n`);
      for (const { name, count } of counts) out.write(`  ${name.padEnd(20)} ${count} ${name === 'upload_blobs' ? 'files' : 'rows'} (the same in both)\n`);
      out.write(`Upload files were copied from ${path.join(dataDir, 'uploads')}; that folder is no longer used.\n`);
      out.write('Set [storage] backend = "postgres" and url to this database to use it.\n');
    } finally {
      target.release();
    }
  } finally {
    source.close();
    await pool.end();
  }
}

/** Refuses a database that holds any row in any table: a migration never merges. */
async function refuseNonEmpty(target: pg.PoolClient, where: string): Promise<void> {
  const { rows: tables } = await target.query<{ name: string }>(
    "SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'");
  for (const { name } of tables) {
    const { rows } = await target.query(`SELECT 1 FROM ${name} LIMIT 1`);
    if (rows.length > 0) {
      throw new CliError(`${where} is not empty (table ${name} has rows); migrate into a new, empty database (createdb) so that nothing is merged or overwritten`);
    }
  }
}

async function copyAll(source: Database, target: pg.PoolClient, copiers: readonly TableCopier[], where: string): Promise<{ name: string; count: number }[]> {
  await target.query('BEGIN');
  try {
    const counts: { name: string; count: number }[] = [];
    for (const copier of copiers) {
      const copied = await copier.copy(source, target);
      const inSource = copier.countInSource?.(source) ?? (source.prepare(`SELECT count(*) AS n FROM ${copier.name}`).get() as { n: number }).n;
      const { rows } = await target.query<{ n: string }>(`SELECT count(*) AS n FROM ${copier.name}`);
      const inTarget = Number(rows[0]!.n);
      if (copied !== inSource || inTarget !== inSource) {
        throw new CliError(`table ${copier.name}: ${inSource} rows in SQLite, ${copied} copied, ${inTarget} in PostgreSQL; nothing was written to ${where}`);
      }
      counts.push({ name: copier.name, count: copied });
    }
    await target.query('COMMIT');
    return counts;
  } catch (error) {
    await target.query('ROLLBACK').catch(() => undefined);
    if (error instanceof CliError) throw error;
    throw new CliError(`the copy failed and nothing was written to ${where}: ${(error as Error).message}`);
  }
}
