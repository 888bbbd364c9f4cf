import type { PostgresMigration } from './types.js';

/**
 * The kept stores that every node mirrors in memory: accounts, rosters, user data, rooms
 * with their affiliations and host secrets, server secrets and upload records. The same
 * tables as the SQLite schema (migrations 001-004, 006, 007 there), in PostgreSQL's types;
 * "user" is a reserved word here, so a roster's or document's owner is `owner`.
 *
 * Every table tells the other nodes what changed: a row trigger sends
 * pg_notify('palaver_changes', '<kind>:<key as a JSON array>'), where the key names the
 * unit a node re-reads (one account, one user's roster, one room with its affiliations…).
 * PostgreSQL sends notifications at commit, once per distinct payload per transaction.
 */
/** Table, the kind of key it notifies, the key's columns. */
const CHANGE_TRIGGERS: readonly (readonly [string, string, ...string[]])[] = [
  ['accounts', 'account', 'host', 'username'],
  ['scram_credentials', 'account', 'host', 'username'],
  ['roster_items', 'roster', 'owner'],
  ['roster_versions', 'roster', 'owner'],
  ['roster_pending_in', 'roster', 'owner'],
  ['user_data', 'user_data', 'owner'],
  ['muc_rooms', 'room', 'host', 'name'],
  ['muc_affiliations', 'room', 'host', 'room'],
  ['muc_secrets', 'muc_secret', 'host'],
  ['server_secrets', 'secret', 'name'],
  ['uploads', 'upload', 'id'],
];

export const kept: PostgresMigration = {
  version: 1,
  name: 'kept',
  up: `
    CREATE FUNCTION palaver_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      -- TG_ARGV[0] is the kind, the rest the key columns.
      r jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
      key jsonb := '[]'::jsonb;
    BEGIN
      FOR i IN 1 .. TG_NARGS - 1 LOOP
        key := key || jsonb_build_array(r ->> TG_ARGV[i]);
      END LOOP;
      PERFORM pg_notify('palaver_changes', TG_ARGV[0] || ':' || key::text);
      RETURN NULL;
    END $$;

    CREATE TABLE accounts (
      host       text NOT NULL,
      username   text NOT NULL,
      created_at bigint NOT NULL,               -- unix milliseconds
      PRIMARY KEY (host, username)
    );
    CREATE TABLE scram_credentials (
      host       text NOT NULL,
      username   text NOT NULL,
      hash       text NOT NULL CHECK (hash IN ('SHA-1', 'SHA-256', 'SHA-512')),
      salt       bytea NOT NULL,
      iterations integer NOT NULL CHECK (iterations > 0),
      stored_key bytea NOT NULL,
      server_key bytea NOT NULL,
      PRIMARY KEY (host, username, hash),
      FOREIGN KEY (host, username) REFERENCES accounts (host, username) ON DELETE CASCADE
    );

    CREATE TABLE roster_items (
      owner        text NOT NULL,             -- the roster's user, a bare JID
      contact      text NOT NULL,
      name         text,
      subscription text NOT NULL CHECK (subscription IN ('none', 'to', 'from', 'both')),
      ask          boolean NOT NULL DEFAULT false,
      approved     boolean NOT NULL DEFAULT false,
      groups       text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (owner, contact)
    );
    CREATE TABLE roster_versions (
      owner   text PRIMARY KEY,
      version bigint NOT NULL
    );
    CREATE TABLE roster_pending_in (
      seq        bigserial PRIMARY KEY,         -- arrival order
      owner      text NOT NULL,                 -- recipient's bare JID
      sender     text NOT NULL,
      stanza     text NOT NULL,                 -- the original <presence type='subscribe'/>
      created_at bigint NOT NULL,
      UNIQUE (owner, sender)
    );

    CREATE TABLE user_data (
      owner      text NOT NULL,
      key        text NOT NULL,
      value      text NOT NULL,                 -- serialised XML
      updated_at bigint NOT NULL,
      PRIMARY KEY (owner, key)
    );

    CREATE TABLE muc_rooms (
      host         text NOT NULL,
      name         text NOT NULL,
      config       text NOT NULL,               -- JSON, validated by the MUC service on load
      subject      text NOT NULL DEFAULT '',
      subject_nick text,
      secret       bytea NOT NULL,              -- per-room key for occupant-ids (XEP-0421)
      creator      text,
      created_at   bigint NOT NULL,
      PRIMARY KEY (host, name)
    );
    CREATE TABLE muc_affiliations (
      host         text NOT NULL,
      room         text NOT NULL,
      jid          text NOT NULL,
      affiliation  text NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
      nick         text,
      reason       text,
      address_hash bytea,                       -- banned guest: keyed hash of their address
      PRIMARY KEY (host, room, jid),
      FOREIGN KEY (host, room) REFERENCES muc_rooms (host, name) ON DELETE CASCADE
    );
    CREATE TABLE muc_secrets (
      host   text PRIMARY KEY,
      secret bytea NOT NULL
    );

    CREATE TABLE server_secrets (
      name   text PRIMARY KEY,
      secret bytea NOT NULL
    );

    CREATE TABLE uploads (
      id           text PRIMARY KEY,
      secret_hash  bytea NOT NULL,
      uploader     text NOT NULL,
      file_name    text NOT NULL,
      size         bigint NOT NULL CHECK (size >= 0),
      content_type text NOT NULL,
      created_at   bigint NOT NULL,
      expires_at   bigint NOT NULL,
      completed_at bigint
    );
    CREATE INDEX uploads_by_uploader ON uploads (uploader, created_at);
    CREATE INDEX uploads_by_expiry ON uploads (expires_at);

    ${CHANGE_TRIGGERS.map(([table, kind, ...key]) => `
    CREATE TRIGGER ${table}_changed AFTER INSERT OR UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION palaver_notify_change(${[kind, ...key].map((word) => `'${word}'`).join(', ')});`).join('')}
  `,
};
