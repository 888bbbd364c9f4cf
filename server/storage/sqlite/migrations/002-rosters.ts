import type { Migration } from './types.js';

/**
 * Rosters (RFC 6121), keyed by the owner's bare JID. Roster versions come from one global
 * counter (roster_version_seq), so a user's version only ever grows, and a version number
 * is never handed out twice, even after the user is deleted and recreated.
 */
export const rosters: Migration = {
  version: 2,
  name: 'rosters',
  up: `
    CREATE TABLE roster_items (
      user         TEXT NOT NULL,             -- owner's bare JID
      contact      TEXT NOT NULL,             -- contact's bare JID
      name         TEXT,
      subscription TEXT NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
      ask          INTEGER NOT NULL DEFAULT 0 CHECK (ask IN (0, 1)),
      approved     INTEGER NOT NULL DEFAULT 0 CHECK (approved IN (0, 1)),
      groups_json  TEXT NOT NULL DEFAULT '[]', -- JSON array of group names
      PRIMARY KEY (user, contact)
    ) WITHOUT ROWID;

    CREATE TABLE roster_versions (
      user    TEXT PRIMARY KEY,
      version INTEGER NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE roster_version_seq (
      id    INTEGER PRIMARY KEY CHECK (id = 1),
      value INTEGER NOT NULL
    );
    INSERT INTO roster_version_seq (id, value) VALUES (1, 0);

    -- rowid kept (no WITHOUT ROWID): it orders pending requests by arrival.
    CREATE TABLE roster_pending_in (
      user       TEXT NOT NULL,               -- recipient's bare JID
      sender     TEXT NOT NULL,               -- requester's bare JID
      stanza     TEXT NOT NULL,               -- the original <presence type='subscribe'/>
      created_at INTEGER NOT NULL,
      UNIQUE (user, sender)
    );
  `,
};
