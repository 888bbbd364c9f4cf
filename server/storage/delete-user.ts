import type { AccountDeleteHook } from './sqlite/accounts.js';
import type { Storage } from './types.js';

/** The stores that keep something per account, which an account's deletion empties. */
export type PerUserStores = Pick<Storage, 'rosters' | 'userData' | 'accountArchive' | 'offline'> & {
  /** Every backend's account store has the deletion hook (the Storage interface does not say so). */
  accounts: { onDelete(hook: AccountDeleteHook): void };
};

/**
 * Every backend (memory, SQLite, PostgreSQL) forgets the same things when an account goes:
 * its roster, its documents, its one-to-one archive and its offline messages. Returns the
 * Storage's deleteUser, and wires it to the account store's deletion hook.
 */
export function deleteUserWithAccount(stores: PerUserStores): (user: string) => void {
  const deleteUser = (user: string): void => {
    stores.rosters.deleteUser(user);
    stores.userData.deleteUser(user);
    stores.accountArchive.deleteRoom(user);
    stores.offline.deleteUser(user);
  };
  stores.accounts.onDelete(({ jid }) => deleteUser(jid));
  return deleteUser;
}
