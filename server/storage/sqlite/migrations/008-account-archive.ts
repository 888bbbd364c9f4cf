import type { Migration } from './types.js';

/**
 * The accounts' one-to-one archive (XEP-0313 on an account's bare JID), as the room archive
 * (005-room-archive) with the account's bare JID in `room` and the peer's bare JID in `nick`
 * (the 'with' filter); `occupant_id` stays empty. Both directions of a conversation are rows
 * of each account that keeps it.
 */
export const ACCOUNT_ARCHIVE_SQL = `
    CREATE TABLE account_archive (
      seq         INTEGER PRIMARY KEY,        -- rowid: arrival order, the paging key
      room        TEXT NOT NULL,              -- the account's bare JID
      id          TEXT NOT NULL,              -- the stanza-id by the account (the MAM id)
      timestamp   INTEGER NOT NULL,           -- unix milliseconds
      nick        TEXT NOT NULL,              -- the peer's bare JID ('with' filter)
      occupant_id TEXT NOT NULL,              -- unused: ''
      stanza      TEXT NOT NULL,              -- the serialised <message/>
      retracted   INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
      UNIQUE (room, id)
    );
    CREATE INDEX account_archive_by_room ON account_archive (room, seq);
    CREATE INDEX account_archive_by_time ON account_archive (timestamp);

    CREATE VIRTUAL TABLE account_archive_fts USING fts5 (
      text,
      content = '',
      contentless_delete = 1,
      tokenize = 'unicode61 remove_diacritics 2'
    );

    CREATE TRIGGER account_archive_fts_delete AFTER DELETE ON account_archive BEGIN
      DELETE FROM account_archive_fts WHERE rowid = old.seq;
    END;
`;

/**
 * Offline messages (RFC 6121 §8.5.2.2.1): one row per message held for an account with no
 * session, delivered and deleted at its next initial presence, oldest first, or deleted
 * unread after [server].archive_expires_after.
 */
export const OFFLINE_MESSAGES_SQL = `
    CREATE TABLE offline_messages (
      seq       INTEGER PRIMARY KEY,          -- arrival order
      owner     TEXT NOT NULL,                -- the recipient account's bare JID
      id        TEXT NOT NULL,                -- random, names the row across nodes
      timestamp INTEGER NOT NULL,             -- unix milliseconds (the <delay/> stamp)
      stanza    TEXT NOT NULL,                -- the serialised <message/>
      UNIQUE (owner, id)
    );
    CREATE INDEX offline_messages_by_owner ON offline_messages (owner, seq);
    -- Messages nobody came back for expire with the archive's retention.
    CREATE INDEX offline_messages_by_time ON offline_messages (timestamp);
`;

/**
 * Numbered 008 as the next free SQLite version on main; another branch adding 008 at the
 * same time renumbers at merge (the list's check makes the clash visible).
 */
export const accountArchive: Migration = {
  version: 8,
  name: 'account-archive',
  up: ACCOUNT_ARCHIVE_SQL + OFFLINE_MESSAGES_SQL,
};
