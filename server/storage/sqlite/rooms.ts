import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { RoomStore, StoredAffiliation, StoredAffiliationKind, StoredRoom } from '../rooms.js';
import type { Database } from './database.js';

export interface RoomRow {
  name: string;
  config: string;
  subject: string;
  subject_nick: string | null;
  secret: Buffer;
  creator: string | null;
  created_at: number;
}

export interface AffiliationRow {
  jid: string;
  affiliation: StoredAffiliationKind;
  nick: string | null;
  reason: string | null;
  address_hash: Buffer | null;
}

/** Rooms in the tables of migration 004-rooms. */
export class SqliteRoomStore implements RoomStore {
  private readonly stRooms: Statement<[string], RoomRow>;
  private readonly stAffiliations: Statement<[string, string], AffiliationRow>;
  private readonly stSaveRoom: Statement<[string, string, string, string, string | null, Buffer, string | null, number]>;
  private readonly stDeleteRoom: Statement<[string, string]>;
  private readonly stSetAffiliation: Statement<[string, string, string, string, string | null, string | null, Buffer | null]>;
  private readonly stRemoveAffiliation: Statement<[string, string, string]>;
  private readonly stSecret: Statement<[string], { secret: Buffer }>;
  private readonly stInsertSecret: Statement<[string, Buffer]>;

  constructor(db: Database) {
    this.stRooms = db.prepare(
      'SELECT name, config, subject, subject_nick, secret, creator, created_at FROM muc_rooms WHERE host = ? ORDER BY name');
    this.stAffiliations = db.prepare(
      'SELECT jid, affiliation, nick, reason, address_hash FROM muc_affiliations WHERE host = ? AND room = ? ORDER BY jid');
    this.stSaveRoom = db.prepare(
      `INSERT INTO muc_rooms (host, name, config, subject, subject_nick, secret, creator, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host, name) DO UPDATE SET config = excluded.config, subject = excluded.subject,
         subject_nick = excluded.subject_nick`);
    this.stDeleteRoom = db.prepare('DELETE FROM muc_rooms WHERE host = ? AND name = ?');
    this.stSetAffiliation = db.prepare(
      `INSERT INTO muc_affiliations (host, room, jid, affiliation, nick, reason, address_hash)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (host, room, jid) DO UPDATE SET affiliation = excluded.affiliation, nick = excluded.nick,
         reason = excluded.reason, address_hash = excluded.address_hash`);
    this.stRemoveAffiliation = db.prepare('DELETE FROM muc_affiliations WHERE host = ? AND room = ? AND jid = ?');
    this.stSecret = db.prepare('SELECT secret FROM muc_secrets WHERE host = ?');
    this.stInsertSecret = db.prepare('INSERT OR IGNORE INTO muc_secrets (host, secret) VALUES (?, ?)');
  }

  rooms(host: string): StoredRoom[] {
    return this.stRooms.all(host).map((row) => ({
      name: row.name,
      config: row.config,
      subject: row.subject,
      subjectNick: row.subject_nick,
      secret: row.secret,
      creator: row.creator,
      createdAt: row.created_at,
    }));
  }

  affiliations(host: string, room: string): StoredAffiliation[] {
    return this.stAffiliations.all(host, room).map((row) => ({
      jid: row.jid,
      affiliation: row.affiliation,
      nick: row.nick,
      reason: row.reason,
      addressHash: row.address_hash,
    }));
  }

  saveRoom(host: string, room: StoredRoom): void {
    this.stSaveRoom.run(host, room.name, room.config, room.subject, room.subjectNick, room.secret, room.creator, room.createdAt);
  }

  deleteRoom(host: string, name: string): boolean {
    return this.stDeleteRoom.run(host, name).changes > 0;
  }

  setAffiliation(host: string, room: string, entry: StoredAffiliation): void {
    this.stSetAffiliation.run(host, room, entry.jid, entry.affiliation, entry.nick, entry.reason, entry.addressHash);
  }

  removeAffiliation(host: string, room: string, jid: string): void {
    this.stRemoveAffiliation.run(host, room, jid);
  }

  secret(host: string): Buffer {
    const existing = this.stSecret.get(host);
    if (existing) return existing.secret;
    this.stInsertSecret.run(host, randomBytes(32));
    return this.stSecret.get(host)!.secret;
  }
}
