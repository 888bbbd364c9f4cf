import type { PostgresMigration } from './types.js';

/**
 * `palaver invite` links, as in SQLite (storage/sqlite/migrations/009-invitations.ts). Not
 * mirrored: they are read only when someone opens a link, and taking one is one UPDATE.
 */
export const invitations: PostgresMigration = {
  version: 5,
  name: 'invitations',
  up: `
    CREATE TABLE invitations (
      token_hash bytea PRIMARY KEY,         -- SHA-256 of the token in the link
      expires_at bigint NOT NULL,           -- unix milliseconds
      used       boolean NOT NULL DEFAULT false
    );
    CREATE INDEX invitations_by_expiry ON invitations (expires_at);
  `,
};
