import type { Migration } from './types.js';

/** `palaver invite` links: the SHA-256 of each token (never the token), its expiry, and whether it was used. */
export const invitations: Migration = {
  version: 9,
  name: 'invitations',
  up: `
    CREATE TABLE invitations (
      token_hash BLOB PRIMARY KEY,          -- SHA-256 of the token in the link
      expires_at INTEGER NOT NULL,          -- unix milliseconds
      used       INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX invitations_by_expiry ON invitations (expires_at);
  `,
};
