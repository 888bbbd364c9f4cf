/**
 * The PostgreSQL schema, in order. To change it, add `NNN-<name>.ts` exporting a
 * PostgresMigration with `version: NNN` and append it here; the table schema_migrations
 * records which ones a database has applied.
 */
import type { PostgresMigration } from './types.js';
import { kept } from './001-kept.js';
import { roomArchive } from './002-room-archive.js';
import { uploadFiles } from './003-upload-files.js';
import { accountArchive } from './004-account-archive.js';
import { invitations } from './005-invitations.js';

export type { PostgresMigration } from './types.js';

export const postgresMigrations: readonly PostgresMigration[] = [
  kept,
  roomArchive,
  uploadFiles,
  accountArchive,
  invitations,
];
