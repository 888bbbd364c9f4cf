import type { Migration } from './types.js';

/**
 * Persistent multi-user chat rooms (XEP-0045): their configuration, subject and affiliations.
 * Temporary rooms never reach the database. `muc_secrets` holds one random key per MUC host,
 * used to hash banned guests' addresses (see docs/privacy.md): the addresses themselves are
 * never stored.
 */
export const rooms: Migration = {
  version: 4,
  name: 'rooms',
  up: `
    CREATE TABLE muc_rooms (
      host         TEXT NOT NULL,             -- the MUC service domain
      name         TEXT NOT NULL,             -- the room's localpart, normalised
      config       TEXT NOT NULL,             -- JSON, validated by the MUC service on load
      subject      TEXT NOT NULL DEFAULT '',
      subject_nick TEXT,                      -- who set the subject, if anyone
      secret       BLOB NOT NULL,             -- per-room key for occupant-ids (XEP-0421)
      creator      TEXT,                      -- bare JID, counted for max_rooms_per_user
      created_at   INTEGER NOT NULL,          -- unix milliseconds
      PRIMARY KEY (host, name)
    ) WITHOUT ROWID;

    CREATE TABLE muc_affiliations (
      host         TEXT NOT NULL,
      room         TEXT NOT NULL,
      jid          TEXT NOT NULL,             -- bare JID, normalised
      affiliation  TEXT NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
      nick         TEXT,                      -- reserved nickname (XEP-0045 §7.10)
      reason       TEXT,
      address_hash BLOB,                      -- banned guest: keyed hash of their address, for the ban's lifetime
      PRIMARY KEY (host, room, jid),
      FOREIGN KEY (host, room) REFERENCES muc_rooms (host, name) ON DELETE CASCADE
    ) WITHOUT ROWID;

    CREATE TABLE muc_secrets (
      host   TEXT PRIMARY KEY,
      secret BLOB NOT NULL
    ) WITHOUT ROWID;
  `,
};
