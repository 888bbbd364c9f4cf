/**
 * The room archive on PostgreSQL (storage/postgres/archive.ts): one row per archived groupchat
 * message, paged by `seq` (arrival order) and addressed by clients through `id` (the room's
 * stanza-id), as in the SQLite schema (storage/sqlite/migrations/005-room-archive.ts).
 *
 * Full-text search is a `tsvector` column under a GIN index, built by the store from the
 * words storage/search.ts defines (archive-search.ts); a retracted message's is NULL, so it
 * is never found. Deleting a row takes its index entry with it: no trigger needed.
 */
export const roomArchive = {
  version: 2,
  name: 'room-archive',
  up: `
    CREATE TABLE room_archive (
      seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- arrival order, the paging key
      room        text NOT NULL,              -- the room's bare JID
      id          text NOT NULL,              -- the stanza-id given by the room (the MAM id)
      timestamp   bigint NOT NULL,            -- unix milliseconds
      nick        text NOT NULL,              -- the sender's nick when it was sent ('with' filter)
      occupant_id text NOT NULL,              -- XEP-0421 occupant-id of the sender
      stanza      text NOT NULL,              -- the serialised <message/>, or its tombstone
      retracted   boolean NOT NULL DEFAULT false,
      search      tsvector,                   -- NULL once retracted
      UNIQUE (room, id)
    );
    -- History on join (loaded at start), every page and the per-room cap walk a room in seq order.
    CREATE INDEX room_archive_by_room ON room_archive (room, seq);
    -- The retention job deletes the oldest rows of every room.
    CREATE INDEX room_archive_by_time ON room_archive (timestamp);
    CREATE INDEX room_archive_search ON room_archive USING gin (search);
  `,
};
