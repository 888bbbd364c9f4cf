import type { Migration } from './types.js';

/** Accounts and their RFC 5802 credentials, one row per SCRAM hash. */
export const accounts: Migration = {
  version: 1,
  name: 'accounts',
  up: `
    CREATE TABLE accounts (
      host       TEXT NOT NULL,
      username   TEXT NOT NULL,
      created_at INTEGER NOT NULL,          -- unix milliseconds
      PRIMARY KEY (host, username)
    ) WITHOUT ROWID;

    CREATE TABLE scram_credentials (
      host       TEXT NOT NULL,
      username   TEXT NOT NULL,
      hash       TEXT NOT NULL,             -- 'SHA-1' | 'SHA-256' | 'SHA-512' (checked in code)
      salt       BLOB NOT NULL,
      iterations INTEGER NOT NULL CHECK (iterations > 0),
      stored_key BLOB NOT NULL,
      server_key BLOB NOT NULL,
      PRIMARY KEY (host, username, hash),
      FOREIGN KEY (host, username) REFERENCES accounts (host, username) ON DELETE CASCADE
    ) WITHOUT ROWID;
  `,
};
