import type { RoomStore, StoredAffiliation, StoredRoom } from '../rooms.js';
import type { AffiliationRow as SqliteAffiliationRow, RoomRow as SqliteRoomRow } from '../sqlite/rooms.js';
import type { MemoryRoomStore } from '../memory/rooms.js';
import type { Write } from './write-queue.js';
import { encodeParts, groupByKey, keyFilter, mirrorKey, toNumber, type KeyParts, type MirroredKind, type MirrorWriter, type Queryable } from './mirrored.js';
import { PostgresSecretStore } from './secrets.js';

interface StoredRoomEntry {
  room: StoredRoom;
  affiliations: StoredAffiliation[];
}

/** The SQLite rows, with the host (loaded for every host at once) and bigint as text. */
type RoomRow = Omit<SqliteRoomRow, 'created_at'> & { host: string; created_at: string };
type AffiliationRow = SqliteAffiliationRow & { host: string; room: string };

const KIND = 'room';

/**
 * Persistent rooms with their affiliations (a room is one mirror key, so a ban and the room
 * it belongs to are re-read together); each MUC host's secret is a key of its own.
 */
export class PostgresRoomStore implements RoomStore, MirroredKind<StoredRoomEntry> {
  readonly kind = KIND;
  /** The MUC hosts' secrets, mirrored on their own. */
  readonly hostSecrets: PostgresSecretStore;

  constructor(private readonly mirror: MemoryRoomStore, private readonly writer: MirrorWriter) {
    this.hostSecrets = new PostgresSecretStore('muc_secret', 'muc_secrets', 'host', mirror.hostSecrets, writer);
  }

  rooms(host: string): StoredRoom[] {
    return this.mirror.rooms(host);
  }

  affiliations(host: string, room: string): StoredAffiliation[] {
    return this.mirror.affiliations(host, room);
  }

  saveRoom(host: string, room: StoredRoom): void {
    this.writer.admit();
    this.mirror.saveRoom(host, room);
    const r = { ...room };
    // As in SQLite: an existing room keeps its secret, creator and creation time.
    this.write(host, room.name, (db) => db.query(
      `INSERT INTO muc_rooms (host, name, config, subject, subject_nick, secret, creator, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (host, name) DO UPDATE SET config = excluded.config, subject = excluded.subject, subject_nick = excluded.subject_nick`,
      [host, r.name, r.config, r.subject, r.subjectNick, r.secret, r.creator, r.createdAt]));
  }

  deleteRoom(host: string, name: string): boolean {
    this.writer.admit();
    if (!this.mirror.deleteRoom(host, name)) return false;
    this.write(host, name, (db) => db.query('DELETE FROM muc_rooms WHERE host = $1 AND name = $2', [host, name]));
    return true;
  }

  setAffiliation(host: string, room: string, affiliation: StoredAffiliation): void {
    this.writer.admit();
    // The memory store ignores an affiliation of a room it does not hold; so does this one.
    if (!this.mirror.hasRoom(host, room)) return;
    this.mirror.setAffiliation(host, room, affiliation);
    const a = { ...affiliation };
    this.write(host, room, (db) => db.query(
      `INSERT INTO muc_affiliations (host, room, jid, affiliation, nick, reason, address_hash) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (host, room, jid) DO UPDATE SET affiliation = excluded.affiliation, nick = excluded.nick,
         reason = excluded.reason, address_hash = excluded.address_hash`,
      [host, room, a.jid, a.affiliation, a.nick, a.reason, a.addressHash]));
  }

  removeAffiliation(host: string, room: string, jid: string): void {
    this.writer.admit();
    this.mirror.removeAffiliation(host, room, jid);
    this.write(host, room, (db) => db.query('DELETE FROM muc_affiliations WHERE host = $1 AND room = $2 AND jid = $3', [host, room, jid]));
  }

  secret(host: string): Buffer {
    return this.hostSecrets.secret(host);
  }

  async load(db: Queryable, keys?: readonly KeyParts[]): Promise<Map<string, StoredRoomEntry>> {
    const rooms = keyFilter(['host', 'name'], keys);
    const affiliations = keyFilter(['host', 'room'], keys);
    const roomRows = await db.query<RoomRow>(`SELECT host, name, config, subject, subject_nick, secret, creator, created_at FROM muc_rooms${rooms.where}`, rooms.params);
    const affiliationRows = await db.query<AffiliationRow>(`SELECT host, room, jid, affiliation, nick, reason, address_hash FROM muc_affiliations${affiliations.where}`, affiliations.params);
    const entries = groupByKey(roomRows.rows, (row) => [row.host, row.name], new Map<string, StoredRoomEntry>(), (_, row) => ({
      room: {
        name: row.name, config: row.config, subject: row.subject, subjectNick: row.subject_nick,
        secret: row.secret, creator: row.creator, createdAt: toNumber(row.created_at),
      },
      affiliations: [],
    }));
    for (const row of affiliationRows.rows) {
      entries.get(encodeParts([row.host, row.room]))?.affiliations.push({
        jid: row.jid, affiliation: row.affiliation, nick: row.nick, reason: row.reason, addressHash: row.address_hash,
      });
    }
    return entries;
  }

  replace([host, name]: KeyParts, entry: StoredRoomEntry | undefined): void {
    this.mirror.restore(host!, name!, entry);
  }

  keys(): KeyParts[] {
    return this.mirror.roomKeys();
  }

  private write(host: string, room: string, write: Write): void {
    this.writer.write([mirrorKey(KIND, [host, room])], write);
  }
}
