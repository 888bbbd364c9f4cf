/**
 * The schema, in order. To change it, add a file `NNN-<name>.ts` exporting a Migration
 * with `version: NNN` and append it here. Never edit or reorder released migrations:
 * PRAGMA user_version counts how many of these a database has applied.
 */
import type { Migration } from './types.js';
import { accounts } from './001-accounts.js';
import { rosters } from './002-rosters.js';
import { userData } from './003-user-data.js';
import { rooms } from './004-rooms.js';
import { roomArchive } from './005-room-archive.js';
import { uploads } from './006-uploads.js';
import { serverSecrets } from './007-server-secrets.js';
import { accountArchive } from './008-account-archive.js';
import { invitations } from './009-invitations.js';

export type { Migration } from './types.js';

export const migrations: readonly Migration[] = [
  accounts,
  rosters,
  userData,
  rooms,
  roomArchive,
  uploads,
  serverSecrets,
  accountArchive,
  invitations,
];
