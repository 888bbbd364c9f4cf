import type { Migration } from './types.js';

/**
 * Holds number 8 for the account archive (another branch) so that invitations can be 9;
 * the merge replaces this file with that migration.
 */
export const reserved8: Migration = {
  version: 8,
  name: 'reserved-8',
  up: 'SELECT 1;',
};
