/**
 * In-memory storage. MemoryRosterStore and MemoryUserDataStore serve anonymous guests,
 * whose data must die with their session and never touch the disk; createMemoryStorage()
 * is a complete Storage for unit tests.
 */
import type { Storage } from '../types.js';
import { MemoryAccountStore } from './accounts.js';
import { MemoryRosterStore } from './rosters.js';
import { MemoryUserDataStore } from './user-data.js';

export { MemoryAccountStore } from './accounts.js';
export { MemoryRosterStore } from './rosters.js';
export { MemoryUserDataStore } from './user-data.js';

export interface MemoryStorage extends Storage {
  readonly accounts: MemoryAccountStore;
  readonly rosters: MemoryRosterStore;
  readonly userData: MemoryUserDataStore;
}

export function createMemoryStorage(): MemoryStorage {
  const accounts = new MemoryAccountStore();
  const rosters = new MemoryRosterStore();
  const userData = new MemoryUserDataStore();
  accounts.onDelete(({ jid }) => {
    rosters.deleteUser(jid);
    userData.deleteUser(jid);
  });
  return { accounts, rosters, userData, close(): void {} };
}
