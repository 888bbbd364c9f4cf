/**
 * The room archive on PostgreSQL as the configuration asks for it: what start-up passes to
 * openPostgresArchive next to the storage's pool when [storage] backend = "postgres".
 */
import type pg from 'pg';
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import { maxHistoryLength } from '../muc/room-config.js';
import { openPostgresArchive, type PostgresArchiveOptions, type PostgresArchiveStore } from '../storage/postgres/archive.js';

export function postgresArchiveOptions(config: Config, log: Logger): PostgresArchiveOptions {
  return {
    // History on join is served from memory: as many messages as the longest history a room may be set to.
    recentPerRoom: maxHistoryLength(config.muc),
    maxMessagesPerRoom: config.muc.archive_max_messages,
    fsync: config.muc.archive_fsync,
    commitDelayMs: config.muc.archive_commit_delay,
    onWriteError: (error, messages, delivered) => log.error({ err: error, messages }, delivered
      ? 'room messages could not be written to the archive; they were delivered but are not archived'
      : 'room messages could not be written to the archive; they were refused to their senders'),
    onMaintenanceError: (error, operation) => log.error({ err: error, operation }, 'the room archive could not be updated'),
  };
}

/** Opens the archive on the storage's pool (its migrations already applied). */
export function openConfiguredPostgresArchive(pool: pg.Pool, config: Config, log: Logger): Promise<PostgresArchiveStore> {
  return openPostgresArchive(pool, postgresArchiveOptions(config, log));
}
