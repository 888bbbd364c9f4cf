import type { PostgresMigration } from './types.js';

/**
 * The accounts' one-to-one archive (XEP-0313 on an account's bare JID) and offline messages,
 * as the SQLite migration 008-account-archive. The archive is room_archive's shape
 * (002-room-archive) with the account's bare JID in `room` and the peer's in `nick`; it is
 * queried, not mirrored. Offline messages are mirrored in memory like the kept stores, so
 * their table notifies changes (kind 'offline', key: the owner).
 */
export const accountArchive: PostgresMigration = {
  version: 4,
  name: 'account-archive',
  up: `
    CREATE TABLE account_archive (
      seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- arrival order, the paging key
      room        text NOT NULL,              -- the account's bare JID
      id          text NOT NULL,              -- the stanza-id by the account (the MAM id)
      timestamp   bigint NOT NULL,            -- unix milliseconds
      nick        text NOT NULL,              -- the peer's bare JID ('with' filter)
      occupant_id text NOT NULL,              -- unused: ''
      stanza      text NOT NULL,              -- the serialised <message/>
      retracted   boolean NOT NULL DEFAULT false,
      search      tsvector,
      UNIQUE (room, id)
    );
    CREATE INDEX account_archive_by_room ON account_archive (room, seq);
    CREATE INDEX account_archive_by_time ON account_archive (timestamp);
    CREATE INDEX account_archive_search ON account_archive USING gin (search);

    CREATE TABLE offline_messages (
      seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner     text NOT NULL,                -- the recipient account's bare JID
      id        text NOT NULL,                -- random, names the row across nodes
      timestamp bigint NOT NULL,              -- unix milliseconds (the <delay/> stamp)
      stanza    text NOT NULL,
      UNIQUE (owner, id)
    );
    CREATE INDEX offline_messages_by_owner ON offline_messages (owner, seq);
    CREATE INDEX offline_messages_by_time ON offline_messages (timestamp);
    CREATE TRIGGER offline_messages_changed AFTER INSERT OR UPDATE OR DELETE ON offline_messages
      FOR EACH ROW EXECUTE FUNCTION palaver_notify_change('offline', 'owner');
  `,
};
