import type { PostgresMigration } from './types.js';

/**
 * Holds number 4 for another branch's migration (uploads' files, the account archive) so
 * that invitations can be 5; the merge replaces this file with that migration.
 */
export const reserved4: PostgresMigration = {
  version: 4,
  name: 'reserved-4',
  up: 'SELECT 1',
};
