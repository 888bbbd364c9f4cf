/** How a CLI command opens the server's database: for one piece of work, closed after it. */
import type { Config } from '../config/types.js';
import { openSqliteStorage } from '../storage/sqlite/index.js';
import type { Storage } from '../storage/types.js';
import { CliError } from './errors.js';

export async function withStorage<T>(config: Config, work: (storage: Storage) => Promise<T> | T): Promise<T> {
  let storage: Storage;
  try {
    storage = openSqliteStorage(config.server.data_dir);
  } catch (err) {
    throw new CliError(`cannot open the database in ${config.server.data_dir}: ${(err as Error).message}`);
  }
  try {
    return await work(storage);
  } finally {
    storage.close();
  }
}
