import type { Migration } from './types.js';

/**
 * HTTP upload slots and files (XEP-0363). A row lives from the slot request until the file
 * expires; the expiry sweeper deletes the row and the file together.
 */
export const uploads: Migration = {
  version: 6,
  name: 'uploads',
  up: `
    CREATE TABLE uploads (
      id           TEXT PRIMARY KEY,          -- random slot id, also the file name on disk
      secret_hash  BLOB NOT NULL,             -- SHA-256 of the PUT secret
      uploader     TEXT NOT NULL,             -- bare JID, for quotas
      file_name    TEXT NOT NULL,             -- sanitised name shown in the URL
      size         INTEGER NOT NULL CHECK (size >= 0),
      content_type TEXT NOT NULL,
      created_at   INTEGER NOT NULL,          -- unix milliseconds
      expires_at   INTEGER NOT NULL,          -- PUT deadline until completed, then file expiry
      completed_at INTEGER                    -- NULL while waiting for the PUT
    ) WITHOUT ROWID;
    CREATE INDEX uploads_by_uploader ON uploads (uploader, created_at);
    CREATE INDEX uploads_by_expiry ON uploads (expires_at);
  `,
};
