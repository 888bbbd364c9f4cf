/**
 * In-memory storage: a complete Storage for unit tests (createMemoryStorage), and the user
 * storage of guests (createMemoryUserStorage), whose data dies with their session and never
 * touches the disk.
 */
import type { Storage, UserStorage } from '../types.js';
import { deleteUserWithAccount } from '../delete-user.js';
import { MemoryAccountStore } from './accounts.js';
import { MemoryArchiveStore } from './archive.js';
import { MemoryRoomStore } from './rooms.js';
import { MemoryRosterStore } from './rosters.js';
import { MemorySecretStore } from './secrets.js';
import { MemoryUploadStore } from './uploads.js';
import { MemoryInvitationStore } from './invitations.js';
import { MemoryUserDataStore } from './user-data.js';
import { MemoryOfflineStore } from './offline.js';

export { MemoryAccountStore } from './accounts.js';
export { MemoryArchiveStore } from './archive.js';
export { MemoryRoomStore } from './rooms.js';
export { MemoryRosterStore } from './rosters.js';
export { MemorySecretStore } from './secrets.js';
export { MemoryUploadStore } from './uploads.js';
export { MemoryUserDataStore } from './user-data.js';
export { MemoryOfflineStore } from './offline.js';

export interface MemoryStorage extends Storage {
  readonly accounts: MemoryAccountStore;
  readonly rosters: MemoryRosterStore;
  readonly userData: MemoryUserDataStore;
}

export function createMemoryUserStorage(): UserStorage {
  const rosters = new MemoryRosterStore();
  const userData = new MemoryUserDataStore();
  return {
    rosters,
    userData,
    deleteUser(user) {
      rosters.deleteUser(user);
      userData.deleteUser(user);
    },
  };
}

export function createMemoryStorage(): MemoryStorage {
  const accounts = new MemoryAccountStore();
  const rosters = new MemoryRosterStore();
  const userData = new MemoryUserDataStore();
  const accountArchive = new MemoryArchiveStore();
  const offline = new MemoryOfflineStore();
  const deleteUser = deleteUserWithAccount({ accounts, rosters, userData, accountArchive, offline });
  return {
    accounts, rosters, userData, deleteUser, accountArchive, offline,
    rooms: new MemoryRoomStore(),
    archive: new MemoryArchiveStore(),
    temporaryArchive: new MemoryArchiveStore(),
    secrets: new MemorySecretStore(),
    uploads: new MemoryUploadStore(),
    invitations: new MemoryInvitationStore(),
    close: () => Promise.resolve(),
  };
}
