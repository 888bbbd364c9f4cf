import type { Migration } from './types.js';

/**
 * Random keys the server generates once and keeps, by purpose (e.g. the key of guests'
 * upload quota hashes). They never leave the database; see docs/privacy.md.
 */
export const serverSecrets: Migration = {
  version: 7,
  name: 'server-secrets',
  up: `
    CREATE TABLE server_secrets (
      name   TEXT PRIMARY KEY,              -- what the key is for
      secret BLOB NOT NULL                  -- 32 random bytes
    ) WITHOUT ROWID;
  `,
};
