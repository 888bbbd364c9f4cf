import type { RoomListing } from '../core/room-hosting.js';
import type { Logger } from '../log.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterKeys } from './keys.js';

/** Far above what a listing can be (a title, a count, a JID, nicks of a room): anything longer was not written by a node. */
const MAX_ENTRY_LENGTH = 256 * 1024;

/** A listing as kept in Redis, with the member that wrote it (`m`): short names, one per room and change. */
interface Entry {
  m: string;
  t: string;
  l: 0 | 1;
  o: number;
  n?: string[];
  c: string | null;
}

function parseEntry(text: string | null | undefined): Entry | null {
  if (typeof text !== 'string' || text.length > MAX_ENTRY_LENGTH) return null;
  try {
    const entry = JSON.parse(text) as Entry;
    if (typeof entry !== 'object' || entry === null || typeof entry.m !== 'string' || typeof entry.o !== 'number') return null;
    return entry;
  } catch {
    return null;
  }
}

function listingOf(entry: Entry): RoomListing {
  const listing: RoomListing = { title: String(entry.t ?? ''), listed: entry.l === 1, occupants: entry.o, creator: typeof entry.c === 'string' ? entry.c : null };
  if (Array.isArray(entry.n)) listing.nicks = entry.n.map(String);
  return listing;
}

/**
 * The rooms served now across the cluster, for what every node answers about all of them (the
 * public room list, the statistics, the rooms a user created): the serving node writes a room's
 * listing (`room-list:<domain>`, one field per room) after each change that alters it, and
 * deletes it when the room ends there or this node stops. A node that took a room over writes
 * it anew; the entries of a member whose heartbeat is gone (it died and nobody took its rooms
 * over yet, or the whole cluster went down) are not read. Each creator has a set of the rooms
 * they made (`rooms-created:<domain>:<creator>`), so that counting them reads a few fields.
 */
export class RoomList {
  /** What this node last wrote of each room it serves (`<domain>/<localpart>` → entry text). */
  private readonly written = new Map<string, { domain: string; local: string; text: string; creator: string | null }>();

  constructor(
    private readonly connection: ClusterConnection,
    private readonly keys: ClusterKeys,
    private readonly log: Logger,
  ) {}

  /** The room is served here and listed so: written when it differs from what was. */
  write(domain: string, local: string, listing: RoomListing): void {
    const entry: Entry = { m: this.connection.member, t: listing.title, l: listing.listed ? 1 : 0, o: listing.occupants, c: listing.creator };
    if (listing.nicks) entry.n = listing.nicks;
    const text = JSON.stringify(entry);
    const key = `${domain}/${local}`;
    const previous = this.written.get(key);
    if (previous?.text === text) return;
    this.written.set(key, { domain, local, text, creator: listing.creator });
    const transaction = this.connection.redis.multi().hset(this.keys.roomList(domain), local, text);
    if (listing.creator !== null && previous?.creator !== listing.creator) transaction.sadd(this.keys.roomsCreatedBy(domain, listing.creator), local);
    transaction.exec().catch((error: unknown) => this.log.warn({ err: error }, 'cluster: could not list a room for the other nodes'));
  }

  /** The room ended: it is no longer listed, nor counted against its creator. */
  remove(domain: string, local: string): void {
    const key = `${domain}/${local}`;
    const previous = this.written.get(key);
    this.written.delete(key);
    const transaction = this.connection.redis.multi().hdel(this.keys.roomList(domain), local);
    if (previous?.creator) transaction.srem(this.keys.roomsCreatedBy(domain, previous.creator), local);
    transaction.exec().catch((error: unknown) => this.log.warn({ err: error }, 'cluster: could not unlist a room that ended'));
  }

  /**
   * Another node serves the room now (this one lost its lease, or stops): whoever serves it next
   * lists it. The creator's set keeps it: the room still exists.
   */
  forget(domain: string, local: string): void {
    this.written.delete(`${domain}/${local}`);
  }

  /** This node stops: its rooms are unlisted until another node serves them. */
  async stop(): Promise<void> {
    const transaction = this.connection.redis.multi();
    for (const { domain, local, text } of this.written.values()) {
      // Only if it is still this node's entry (another may have claimed the room meanwhile).
      transaction.eval(`if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`, 1, this.keys.roomList(domain), local, text);
    }
    this.written.clear();
    await transaction.exec();
  }

  /** The listings of the domain's rooms whose serving nodes are alive. */
  async served(domain: string): Promise<Map<string, RoomListing>> {
    const fields = await this.connection.redis.hgetall(this.keys.roomList(domain));
    return this.alive(Object.entries(fields));
  }

  /** The localparts of the rooms served now that count against this creator. */
  async createdBy(domain: string, creator: string): Promise<Set<string>> {
    const { redis } = this.connection;
    const names = await redis.smembers(this.keys.roomsCreatedBy(domain, creator));
    if (names.length === 0) return new Set();
    const texts = await redis.hmget(this.keys.roomList(domain), ...names);
    const listings = await this.alive(names.map((name, i) => [name, texts[i] ?? null]));
    return new Set([...listings].filter(([, listing]) => listing.creator === creator).map(([name]) => name));
  }

  private async alive(fields: [string, string | null][]): Promise<Map<string, RoomListing>> {
    const entries = fields.flatMap(([name, text]) => {
      const entry = parseEntry(text);
      return entry ? [[name, entry] as const] : [];
    });
    const members = [...new Set(entries.map(([, entry]) => entry.m))].filter((member) => member !== this.connection.member);
    const beating = members.length === 0 ? [] : await this.connection.redis.pipeline(members.map((member) => ['exists', this.keys.heartbeat(member)])).exec();
    const live = new Set([this.connection.member, ...members.filter((_, i) => beating?.[i]?.[1] === 1)]);
    return new Map(entries.filter(([, entry]) => live.has(entry.m)).map(([name, entry]) => [name, listingOf(entry)]));
  }
}
