/** How a CLI command opens the server's database (the configured backend): for one piece of work, closed after it. */
import type { Config } from '../config/types.js';
import { describeStorage, openConfiguredStorage } from '../startup/storage.js';
import type { Storage } from '../storage/types.js';
import { CliError } from './errors.js';

export async function withStorage<T>(config: Config, work: (storage: Storage) => Promise<T> | T): Promise<T> {
  let storage: Storage;
  try {
    storage = await openConfiguredStorage(config);
  } catch (err) {
    throw new CliError(`cannot open ${describeStorage(config)}: ${(err as Error).message}`);
  }
  try {
    return await work(storage);
  } finally {
    // On PostgreSQL this commits the change before the command reports it done.
    await storage.close();
  }
}
