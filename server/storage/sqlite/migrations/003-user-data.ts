import type { Migration } from './types.js';

/** Small per-user XML documents (vcard-temp, private XML storage). */
export const userData: Migration = {
  version: 3,
  name: 'user-data',
  up: `
    CREATE TABLE user_data (
      user       TEXT NOT NULL,               -- bare JID
      key        TEXT NOT NULL,               -- namespace-like key
      value      TEXT NOT NULL,               -- serialised XML
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (user, key)
    ) WITHOUT ROWID;
  `,
};
