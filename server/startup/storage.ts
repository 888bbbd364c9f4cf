/**
 * Opens the storage the config names ([storage] backend): SQLite in data_dir, or
 * PostgreSQL at [storage].url. The server and the account commands both come here.
 */
import type { Config } from '../config/types.js';
import type { Logger } from '../log.js';
import type { Storage } from '../storage/types.js';
import type { ArchiveWriteFailure } from '../storage/sqlite/archive.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import { openPostgresStorage } from '../storage/postgres/index.js';
import { postgresArchiveOptions } from './postgres-archive.js';
import { createLogger } from '../log.js';

export interface OpenStorageOptions {
  log?: Logger;
  onArchiveWriteError?: ArchiveWriteFailure;
}

export async function openConfiguredStorage(config: Config, options: OpenStorageOptions = {}): Promise<Storage> {
  const { archive_commit_delay: commitDelayMs, archive_fsync: fsync, archive_max_messages: archiveMaxMessagesPerRoom } = config.muc;
  const archiveOptions = {
    archiveMaxMessagesPerRoom,
    accountArchiveMaxMessages: config.limits.archive_messages_per_account,
    ...(options.onArchiveWriteError ? { onArchiveWriteError: options.onArchiveWriteError } : {}),
  };
  if (config.storage.backend === 'postgres') {
    const log = options.log ?? createLogger(config);
    return openPostgresStorage(config.storage.url, { ...archiveOptions, log, archive: postgresArchiveOptions(config, log) });
  }
  return openSqliteStorage(config.server.data_dir, { ...archiveOptions, archiveDurability: { commitDelayMs, fsync } });
}

/** Where the configured storage lives, for messages (never the URL's password). */
export function describeStorage(config: Config): string {
  if (config.storage.backend !== 'postgres') return `the database in ${config.server.data_dir}`;
  return `the PostgreSQL database ${redactUrl(config.storage.url)}`;
}

export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
