import type { RoomStore, StoredAffiliation, StoredRoom } from '../rooms.js';
import { MemorySecretStore } from './secrets.js';

/** Rooms (storage/rooms.ts) in memory, answering as the SQLite store does. */
export class MemoryRoomStore implements RoomStore {
  /** host → room name → the room and its affiliations by JID. */
  private readonly hosts = new Map<string, Map<string, { room: StoredRoom; affiliations: Map<string, StoredAffiliation> }>>();
  /** Each MUC host's secret, named by the host. */
  private readonly secrets = new MemorySecretStore();

  rooms(host: string): StoredRoom[] {
    return [...this.roomsOf(host).values()].map(({ room }) => ({ ...room }))
      .sort((a, b) => compare(a.name, b.name));
  }

  affiliations(host: string, room: string): StoredAffiliation[] {
    return [...(this.roomsOf(host).get(room)?.affiliations.values() ?? [])].map((entry) => ({ ...entry }))
      .sort((a, b) => compare(a.jid, b.jid));
  }

  saveRoom(host: string, room: StoredRoom): void {
    const rooms = this.roomsOf(host);
    const existing = rooms.get(room.name);
    if (existing) {
      // As an upsert of the configuration: secret, creator and creation time stay the first ones.
      existing.room = { ...existing.room, config: room.config, subject: room.subject, subjectNick: room.subjectNick };
    } else {
      rooms.set(room.name, { room: { ...room }, affiliations: new Map() });
    }
    this.hosts.set(host, rooms);
  }

  deleteRoom(host: string, name: string): boolean {
    return this.roomsOf(host).delete(name);
  }

  setAffiliation(host: string, room: string, affiliation: StoredAffiliation): void {
    this.roomsOf(host).get(room)?.affiliations.set(affiliation.jid, { ...affiliation });
  }

  removeAffiliation(host: string, room: string, jid: string): void {
    this.roomsOf(host).get(room)?.affiliations.delete(jid);
  }

  secret(host: string): Buffer {
    return this.secrets.secret(host);
  }

  hasRoom(host: string, name: string): boolean {
    return this.roomsOf(host).has(name);
  }

  /** Sets (or, with undefined, removes) a room and all its affiliations as another copy of the data holds them. */
  restore(host: string, name: string, stored: { room: StoredRoom; affiliations: readonly StoredAffiliation[] } | undefined): void {
    const rooms = this.roomsOf(host);
    if (stored === undefined) {
      if (rooms.delete(name) && rooms.size === 0) this.hosts.delete(host);
      return;
    }
    const affiliations = new Map(stored.affiliations.map((entry) => [entry.jid, { ...entry }]));
    rooms.set(name, { room: { ...stored.room }, affiliations });
    this.hosts.set(host, rooms);
  }

  /** Every stored room, as [host, name]. */
  roomKeys(): [host: string, name: string][] {
    return [...this.hosts].flatMap(([host, rooms]) => [...rooms.keys()].map((name): [string, string] => [host, name]));
  }

  /** The MUC hosts' secrets, which a mirror keeps in step like any other key. */
  get hostSecrets(): MemorySecretStore {
    return this.secrets;
  }

  private roomsOf(host: string): Map<string, { room: StoredRoom; affiliations: Map<string, StoredAffiliation> }> {
    return this.hosts.get(host) ?? new Map();
  }
}

/** SQLite's default (binary) collation, which ORDER BY uses in the SQLite store. */
function compare(a: string, b: string): number {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return Buffer.compare(left, right);
}
