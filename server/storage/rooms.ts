/**
 * Persistent multi-user chat rooms. Only rooms configured persistent are stored; the MUC
 * service keeps every room in memory and writes through to this store.
 */

/** Affiliations that are stored; 'none' is the absence of a record. */
export type StoredAffiliationKind = 'owner' | 'admin' | 'member' | 'outcast';

export interface StoredRoom {
  /** The room's localpart, normalised. */
  name: string;
  /** The room configuration as JSON; its shape belongs to the MUC service. */
  config: string;
  subject: string;
  subjectNick: string | null;
  /** Per-room key for occupant-ids. */
  secret: Buffer;
  /** Bare JID of whoever created the room, if anyone (channels from the config have none). */
  creator: string | null;
  createdAt: number;
}

export interface StoredAffiliation {
  /** Bare JID, normalised. */
  jid: string;
  affiliation: StoredAffiliationKind;
  /** Reserved nickname. */
  nick: string | null;
  reason: string | null;
  /** For a banned guest: a keyed hash of their network address, never the address itself. */
  addressHash: Buffer | null;
}

export interface RoomStore {
  /** Every stored room of a MUC host. */
  rooms(host: string): StoredRoom[];
  affiliations(host: string, room: string): StoredAffiliation[];
  /** Inserts or replaces the room (not its affiliations). */
  saveRoom(host: string, room: StoredRoom): void;
  /** Deletes the room and its affiliations; false when it was not stored. */
  deleteRoom(host: string, name: string): boolean;
  /** Inserts or replaces one affiliation of a stored room. */
  setAffiliation(host: string, room: string, affiliation: StoredAffiliation): void;
  removeAffiliation(host: string, room: string, jid: string): void;
  /** A random key per host, created on first use and kept across restarts. */
  secret(host: string): Buffer;
}
