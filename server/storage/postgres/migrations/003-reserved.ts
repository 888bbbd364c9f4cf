import type { PostgresMigration } from './types.js';

/**
 * Holds position 3, which the http branch's migration 003 (upload files in PostgreSQL) takes
 * at merge: this file is then deleted and that migration listed in its place. Versions must
 * equal positions (schema.ts), and 004-account-archive was numbered to follow it.
 */
export const reserved: PostgresMigration = {
  version: 3,
  name: 'reserved-003',
  up: 'SELECT 1',
};
