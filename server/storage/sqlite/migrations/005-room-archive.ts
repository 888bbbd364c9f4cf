import type { Migration } from './types.js';

/**
 * The room archive (XEP-0313 on MUC rooms): one row per groupchat message, keyed for paging
 * by `seq` (arrival order) and addressed by clients through `id` (the room's stanza-id).
 *
 * Full-text search is a contentless FTS5 index over the message text (contentless_delete,
 * SQLite ≥ 3.43, which better-sqlite3 bundles): the text already lives in the stored stanza,
 * so the index holds no second copy. Rows are indexed by the store on insert; any deletion
 * (retention, a destroyed room) drops the index entry through the trigger.
 */
export const roomArchive: Migration = {
  version: 5,
  name: 'room-archive',
  up: `
    CREATE TABLE room_archive (
      seq         INTEGER PRIMARY KEY,        -- rowid: arrival order, the paging key
      room        TEXT NOT NULL,              -- the room's bare JID
      id          TEXT NOT NULL,              -- the stanza-id given by the room (the MAM id)
      timestamp   INTEGER NOT NULL,           -- unix milliseconds
      nick        TEXT NOT NULL,              -- the sender's nick when it was sent ('with' filter)
      occupant_id TEXT NOT NULL,              -- XEP-0421 occupant-id of the sender
      stanza      TEXT NOT NULL,              -- the serialised <message/>, or its tombstone
      retracted   INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
      UNIQUE (room, id)
    );
    -- recent() on join and every page walk a room in seq order.
    CREATE INDEX room_archive_by_room ON room_archive (room, seq);
    -- The retention job deletes the oldest rows of every room.
    CREATE INDEX room_archive_by_time ON room_archive (timestamp);

    CREATE VIRTUAL TABLE room_archive_fts USING fts5 (
      text,
      content = '',
      contentless_delete = 1,
      tokenize = 'unicode61 remove_diacritics 2'
    );

    CREATE TRIGGER room_archive_fts_delete AFTER DELETE ON room_archive BEGIN
      DELETE FROM room_archive_fts WHERE rowid = old.seq;
    END;
  `,
};
