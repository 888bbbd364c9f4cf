import type { PostgresMigration } from './types.js';

/**
 * Holds number 3 for another branch's migration (uploads' files, the account archive) so
 * that invitations can be 5; the merge replaces this file with that migration.
 */
export const reserved3: PostgresMigration = {
  version: 3,
  name: 'reserved-3',
  up: 'SELECT 1',
};
