import { randomBytes } from 'node:crypto';
import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { Jid } from '../jid/jid.js';
import type { Host } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { SessionKey, type Session } from '../core/session.js';
import { serviceKey } from '../core/services.js';
import type { RoomStore } from '../storage/rooms.js';
import { keyedAddressHash } from '../access/address-hash.js';
import { isBanned } from './address-ban.js';
import type { MucContext } from './context.js';
import { isListed, listPublicRooms } from './disco.js';
import { leave } from './leave.js';
import { LIMITS } from './limits.js';
import type { RoomFeature } from './features/feature.js';
import { defaultRoomConfig, parseStoredConfig } from './room-config.js';
import { RoomEvents } from './room-events.js';
import { Room, type AffiliationEntry, type RoomPersistence } from './room.js';
import { checkRoomName } from './validation.js';

/** The scope of the keyed address hash that counts the rooms a guest's address created (no '@': never a room's JID). */
const CREATOR_SCOPE = 'rooms-created';

/** The MUC service of each MUC host, for what is built on it (MAM on rooms, the landing page). */
export const MUC = serviceKey<MucService>('muc');

/**
 * The rooms of one MUC host: which exist, creating and forgetting them, keeping persistent
 * ones in the store, and the plumbing every room behaviour uses (MucContext).
 */
export class MucService implements MucContext, RoomPersistence {
  readonly rooms = new Map<string, Room>();
  readonly addressSecret: Buffer;
  readonly events = new RoomEvents();
  private readonly admins: ReadonlySet<string>;
  private readonly stored = new Set<string>();
  private readonly joined = new SessionKey<Set<Room>>('muc rooms', () => new Set());
  private stopping = false;

  constructor(
    readonly host: Host,
    readonly server: ServerContext,
    private readonly store: RoomStore,
    private readonly features: readonly RoomFeature[],
  ) {
    this.addressSecret = store.secret(host.name);
    this.admins = new Set(server.config.server.admins);
    this.load();
    for (const feature of features) feature.install?.(this);
  }

  getRoom(localpart: string): Room | undefined {
    return this.rooms.get(localpart);
  }

  /** The rooms anyone may find (public and open), by name: what disco#items lists. */
  publicRooms(): Room[] {
    return [...this.rooms.values()].filter(isListed).sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Creates a room for its first joiner, who owns it, within [muc] policy (guests creating
   * rooms, rooms per user) and the service's caps. Throws a StanzaError. A guest's rooms are
   * counted by their address (keyed hash, IPv6 by /64), since every sign-in is a new JID.
   */
  createRoom(name: string, creator: Jid, session: Session): Room {
    const nameProblem = checkRoomName(name);
    if (nameProblem) throw nameProblem;
    const policy = this.server.config.muc;
    const bare = creator.bare().toString();
    const exempt = this.admins.has(bare);
    if (session.isGuest && !policy.anonymous_can_create_rooms) {
      throw new StanzaError('cancel', 'not-allowed', 'guests cannot create rooms here; join an existing one');
    }
    if (this.rooms.size >= LIMITS.rooms) throw new StanzaError('wait', 'resource-constraint', 'no more rooms can be created now');
    const creatorAddress = session.isGuest ? keyedAddressHash(this.addressSecret, CREATOR_SCOPE, session.remoteAddress) : null;
    if (!exempt && this.roomsCreatedBy(bare, creatorAddress) >= policy.max_rooms_per_user) {
      throw new StanzaError('cancel', 'not-allowed', `you may create at most ${policy.max_rooms_per_user} rooms`);
    }
    const room = this.newRoom(name, defaultRoomConfig(policy, this.features), randomBytes(32), bare, this.server.now());
    room.creatorAddress = creatorAddress;
    room.setAffiliation(bare, { affiliation: 'owner', nick: null, reason: null, addressHash: null });
    this.roomChanged(room);
    return room;
  }

  /** [[channels]]: persistent public rooms from the config, with their title and description. */
  ensureChannels(): void {
    for (const channel of this.server.config.channels) {
      let room = this.rooms.get(channel.name);
      if (!room) {
        room = this.newRoom(channel.name, { ...defaultRoomConfig(this.server.config.muc, this.features), public: true }, randomBytes(32), null, this.server.now());
      }
      room.setConfig({ ...room.config, persistent: true, name: channel.title, description: channel.description });
      this.roomChanged(room);
    }
  }

  /** The server is stopping: the departures that follow touch memory only, never the store. */
  shutdown(): void {
    this.stopping = true;
  }

  /** Whether this user (a full JID of a local session, or any JID) is banned from the room. */
  isBanned(room: Room, jid: Jid): boolean {
    return isBanned(this.addressSecret, room, jid, this.server.sessions.get(jid));
  }

  /** The bare JIDs of the rooms kept in the store. */
  storedRoomJids(): string[] {
    return [...this.stored].map((name) => Jid.of(name, this.host.name).toString());
  }

  /** The rooms this session is an occupant of. */
  roomsOf(session: Session): ReadonlySet<Room> {
    return session.get(this.joined);
  }

  /** A closed session leaves every room at once (XEP-0045 §7.14 on its behalf). */
  sessionClosed(session: Session): void {
    for (const room of [...session.get(this.joined)]) {
      const occupant = room.occupantByRealJid(session.jid);
      if (occupant?.sessions.get(session.jid.toString())?.session === session) leave(this, room, occupant, session.jid);
    }
    session.get(this.joined).clear();
  }

  // --- MucContext --------------------------------------------------------------------------

  deliver(to: Jid, stanza: Element): void {
    // Rooms talk to occupants' resources only: a bare JID here is nobody's session.
    if (to.resource !== null) this.server.router.deliverTo(to, stanza);
  }

  route(stanza: Element): void {
    this.server.router.route(stanza);
  }

  /** A room made persistent is stored from then on; one made temporary leaves the store. */
  roomChanged(room: Room): void {
    if (!this.rooms.has(room.name)) return;
    const persistent = room.config.persistent;
    if (persistent && !this.stored.has(room.name)) {
      this.stored.add(room.name);
      this.saveRoom(room);
      for (const [bare, entry] of room.affiliations) this.saveAffiliation(room, bare, entry);
      this.events.emit('persistence-changed', { room, persistent });
    } else if (!persistent && this.stored.has(room.name)) {
      this.stored.delete(room.name);
      this.store.deleteRoom(this.host.name, room.name);
      this.events.emit('persistence-changed', { room, persistent });
    }
    listPublicRooms(this.host, this.rooms.values());
  }

  removeRoom(room: Room): void {
    if (this.rooms.get(room.name) !== room) return;
    this.rooms.delete(room.name);
    listPublicRooms(this.host, this.rooms.values());
    this.events.emit('room-destroyed', { room, serverStopping: this.stopping });
    if (this.stopping) return;
    if (this.stored.delete(room.name)) this.store.deleteRoom(this.host.name, room.name);
  }

  track(session: Session, room: Room, inRoom: boolean): void {
    if (inRoom) session.get(this.joined).add(room);
    else if (!room.occupantByRealJid(session.jid)) session.get(this.joined).delete(room);
  }

  // --- RoomPersistence ---------------------------------------------------------------------

  saveRoom(room: Room): void {
    if (!this.stored.has(room.name)) return;
    this.store.saveRoom(this.host.name, {
      name: room.name,
      config: JSON.stringify(room.config),
      subject: room.subject.text,
      subjectNick: room.subject.nick,
      secret: room.secret,
      creator: room.creator,
      createdAt: room.createdAt,
    });
  }

  /**
   * A change that cannot be stored is refused (the room changes it in memory only after
   * this returns): a ban that lived in memory alone would vanish at the next restart.
   */
  saveAffiliation(room: Room, jid: string, entry: AffiliationEntry | null): void {
    if (!this.stored.has(room.name)) return;
    try {
      if (entry) this.store.setAffiliation(this.host.name, room.name, { jid, ...entry });
      else this.store.removeAffiliation(this.host.name, room.name, jid);
    } catch (error) {
      this.server.log.error({ err: error, room: room.name }, 'an affiliation change could not be stored');
      throw new StanzaError('wait', 'internal-server-error', 'the change could not be saved; nothing was changed, try again later');
    }
  }

  // --- Internals ---------------------------------------------------------------------------

  private newRoom(name: string, config: Room['config'], secret: Buffer, creator: string | null, createdAt: number): Room {
    const room = new Room(name, this.host.name, config, secret, creator, createdAt, this.admins, this);
    this.rooms.set(name, room);
    return room;
  }

  private roomsCreatedBy(bare: string, address: Buffer | null): number {
    let count = 0;
    for (const room of this.rooms.values()) {
      if (room.creator === bare || (address !== null && room.creatorAddress?.equals(address))) count++;
    }
    return count;
  }

  /** Persistent rooms come back with their configuration, subject and affiliations. */
  private load(): void {
    const defaults = defaultRoomConfig(this.server.config.muc, this.features);
    for (const stored of this.store.rooms(this.host.name)) {
      let name: string;
      try {
        name = Jid.of(stored.name, this.host.name).local!;
      } catch {
        this.server.log.warn({ room: stored.name }, 'skipping a stored room whose name is no longer valid');
        continue;
      }
      const config = { ...parseStoredConfig(stored.config, defaults, this.features), persistent: true };
      const room = this.newRoom(name, config, stored.secret, stored.creator, stored.createdAt);
      room.subject = { text: stored.subject, nick: stored.subjectNick };
      for (const entry of this.store.affiliations(this.host.name, stored.name)) {
        room.affiliations.set(entry.jid, {
          affiliation: entry.affiliation, nick: entry.nick, reason: entry.reason, addressHash: entry.addressHash,
        });
      }
      this.stored.add(name);
    }
    listPublicRooms(this.host, this.rooms.values());
  }
}
