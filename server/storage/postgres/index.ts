/**
 * The PostgreSQL backend ([storage] backend = "postgres"): `openPostgresStorage(url)`, for
 * several Palaver processes (nodes) sharing one database.
 *
 * The kept stores (accounts, rosters, user data, rooms with affiliations and host secrets,
 * server secrets, upload records) keep their synchronous interfaces: each node MIRRORS
 * their tables in memory (the storage/memory stores), loaded at open with one query per
 * table. Reads never touch the network. A write changes the mirror at once and is queued;
 * one writer commits the queue to PostgreSQL in order, a transaction per batch, a batch per
 * turn of the event loop (write-queue.ts). Every table's trigger notifies
 * 'palaver_changes' with the changed key; each node listens on a connection of its own and
 * re-reads what another writer changed (mirror-sync.ts, change-listener.ts).
 *
 * Consistency model:
 * - Per key (an account, a user's roster, a room with its affiliations, a user's
 *   documents, a secret, an upload record), the last commit wins, row by row: writes are
 *   upserts and deletes of the rows the change touched, never read-modify-write of the
 *   database. A node's own writes reach PostgreSQL in the order it made them.
 * - The window: another node sees a change once it is committed (the next turn of the
 *   writer's event loop, usually under a few milliseconds) and its notification has been
 *   delivered and the key re-read (one more round trip). Within that window two nodes can
 *   disagree, and each acts on its own mirror (two nodes can both create one account name;
 *   the later commit's credentials win, and both nodes end up holding them).
 * - A node never goes back in time on a key it is writing: a notification for a key with
 *   writes queued here waits until they have committed, then the key is re-read.
 * - A lost listener connection drops notifications; on reconnecting the node reloads every
 *   mirrored table. A database that is unreachable leaves writes queued (in memory, retried)
 *   and the mirror serving reads; at close the queue is flushed, or dropped (logged) after
 *   `closeTimeoutMs`.
 * - Roster versions: see rosterVersionClock in rosters.ts.
 *
 * The room archive of persistent rooms is not mirrored (it is large, and its reads are
 * queries); the temporary rooms' archive stays in this process's memory on every backend.
 */
import pg from 'pg';
import { pino } from 'pino';
import type { Logger } from '../../log.js';
import type { Storage } from '../types.js';
import { deleteUserWithAccount } from '../delete-user.js';
import type { ArchiveWriteFailure } from '../sqlite/archive.js';
import { openMemoryArchive } from '../sqlite/memory-archive.js';
import { openPostgresArchive, type PostgresArchiveOptions } from './archive.js';
import { MemoryAccountStore } from '../memory/accounts.js';
import { MemoryRoomStore } from '../memory/rooms.js';
import { MemoryRosterStore } from '../memory/rosters.js';
import { MemorySecretStore } from '../memory/secrets.js';
import { MemoryUploadStore } from '../memory/uploads.js';
import { MemoryUserDataStore } from '../memory/user-data.js';
import { postgresMigrations, type PostgresMigration } from './migrations/index.js';
import { runPostgresMigrations } from './schema.js';
import { MirrorSync } from './mirror-sync.js';
import { ChangeListener } from './change-listener.js';
import { PostgresAccountStore } from './accounts.js';
import { PostgresRosterStore, rosterVersionClock } from './rosters.js';
import { PostgresUserDataStore } from './user-data.js';
import { PostgresRoomStore } from './rooms.js';
import { PostgresSecretStore } from './secrets.js';
import { PostgresUploadStore } from './uploads.js';
import { PostgresOfflineStore } from './offline.js';
import { MemoryOfflineStore } from '../memory/offline.js';
import { PostgresInvitationStore } from './invitations.js';
import { PostgresFileStore } from './upload-files.js';

export { PostgresMigrationError, runPostgresMigrations } from './schema.js';
export { StorageBusyError } from './mirrored.js';
export { postgresMigrations, type PostgresMigration } from './migrations/index.js';

export interface PostgresStorageOptions {
  log?: Logger;
  /** Connections in the pool (default 4): one writer, re-reads, and the archive's queries. */
  poolSize?: number;
  /** Milliseconds to wait for a connection (default 5000). */
  connectTimeoutMs?: number;
  /** Milliseconds any statement may run (default 30000). */
  statementTimeoutMs?: number;
  /** How long close() keeps trying to write the queue to an unreachable database (default 7000 ms: within `palaver start`'s 10 s to stop). */
  closeTimeoutMs?: number;
  /** Changes kept in memory while PostgreSQL is unreachable before new ones are refused (default 100000). */
  maxQueuedWrites?: number;
  /** Replaces the migration list (tests). */
  migrations?: readonly PostgresMigration[];
  onArchiveWriteError?: ArchiveWriteFailure;
  archiveMaxMessagesPerRoom?: number;
  /** [limits].archive_messages_per_account: messages kept per account in the one-to-one archive (default: no cap). */
  accountArchiveMaxMessages?: number;
  /** The size cap of the temporary rooms' archive in memory (default 64 MiB). */
  temporaryArchiveBytes?: number;
  /** The lasting room archive's settings (start-up derives them from [muc]); default: history of 20, no cap. */
  archive?: PostgresArchiveOptions;
}

export interface PostgresStorage extends Storage {
  readonly pool: pg.Pool;
  readonly accounts: PostgresAccountStore;
  /** Resolves when every write so far is committed and every notified change re-read. */
  settled(): Promise<void>;
}

const DEFAULT_TEMPORARY_ARCHIVE_BYTES = 64 * 1024 * 1024;

export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
  const log = options.log ?? pino({ level: 'silent' });
  const connection: pg.ClientConfig = {
    connectionString: url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    statement_timeout: options.statementTimeoutMs ?? 30_000,
    query_timeout: (options.statementTimeoutMs ?? 30_000) + 5_000,
    keepAlive: true,
    application_name: 'palaver',
  };
  const pool = new pg.Pool({ ...connection, max: options.poolSize ?? 4, idleTimeoutMillis: 30_000 });
  // An idle client's connection failing is reported here; the pool drops that client.
  pool.on('error', (error) => log.error({ err: error }, 'a pooled PostgreSQL connection failed'));
  const sync = new MirrorSync(pool, log, options.maxQueuedWrites);
  const listener = new ChangeListener({
    config: connection,
    log,
    onChange: (payload, sender) => sync.notified(payload, sender),
    onReconnected: () => sync.reloadAll(),
  });
  try {
    const client = await pool.connect();
    try {
      await runPostgresMigrations(client, options.migrations ?? postgresMigrations);
    } finally {
      client.release();
    }
    const accountMirror = new MemoryAccountStore();
    const accounts = new PostgresAccountStore(accountMirror, sync);
    const rosters = new PostgresRosterStore(new MemoryRosterStore(rosterVersionClock()), sync);
    const userData = new PostgresUserDataStore(new MemoryUserDataStore(), sync);
    const rooms = new PostgresRoomStore(new MemoryRoomStore(), sync);
    const secrets = new PostgresSecretStore('secret', 'server_secrets', 'name', new MemorySecretStore(), sync);
    const uploads = new PostgresUploadStore(new MemoryUploadStore(), sync);
    const offline = new PostgresOfflineStore(new MemoryOfflineStore(), sync);
    for (const kind of [accounts, rosters, userData, rooms, rooms.hostSecrets, secrets, uploads, offline]) sync.register(kind);
    // Listening before loading: a change committed during the load is re-read after it.
    await listener.start();
    await sync.loadAll();

    // No history on join to serve from memory: the one-to-one archive is only queried.
    const accountArchive = await openPostgresArchive(pool, {
      table: 'account_archive', recentPerRoom: 0, maxMessagesPerRoom: options.accountArchiveMaxMessages, onWriteError: options.onArchiveWriteError,
    });
    const deleteUser = deleteUserWithAccount({ accounts, rosters, userData, accountArchive, offline });
    const maxMessagesPerRoom = options.archiveMaxMessagesPerRoom ?? Number.MAX_SAFE_INTEGER;
    const onLost = options.onArchiveWriteError ?? ((error) => { throw error; });
    const temporaryArchiveBytes = options.temporaryArchiveBytes ?? DEFAULT_TEMPORARY_ARCHIVE_BYTES;
    const archive = await openPostgresArchive(pool, options.archive ?? { recentPerRoom: 20, maxMessagesPerRoom, onWriteError: onLost });
    const temporaryArchive = openMemoryArchive({ maxBytes: temporaryArchiveBytes, maxMessagesPerRoom, onLost });
    let closing: Promise<void> | null = null;
    return {
      pool, accounts, rosters, userData, rooms, secrets, uploads, archive, temporaryArchive, accountArchive, offline, deleteUser,
      invitations: new PostgresInvitationStore(pool),
      uploadFiles: new PostgresFileStore(pool),
      settled: () => sync.settledAll(),
      close() {
        closing ??= (async () => {
          await archive.flush();
          await accountArchive.flush();
          await sync.queue.close(options.closeTimeoutMs ?? 7_000);
          sync.close();
          await listener.close();
          await pool.end();
        })();
        return closing;
      },
    };
  } catch (error) {
    sync.close();
    await listener.close();
    await pool.end().catch(() => undefined);
    throw error;
  }
}
