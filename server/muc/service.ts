import { randomBytes } from 'node:crypto';
import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { Jid } from '../jid/jid.js';
import type { Host, StanzaContext } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import { SessionKey, type Session } from '../core/session.js';
import { serviceKey } from '../core/services.js';
import type { RoomHosting, RoomPlacement, SavedRoom } from '../core/room-hosting.js';
import type { RoomStore, StoredRoom } from '../storage/rooms.js';
import { GUEST_NETWORK, isBanned, networkToken } from './address-ban.js';
import type { MucContext } from './context.js';
import { isListed, listPublicRooms } from './disco.js';
import { forgetIfEmpty, leave } from './leave.js';
import { LIMITS } from './limits.js';
import type { RoomFeature } from './features/feature.js';
import { defaultRoomConfig, parseStoredConfig } from './room-config.js';
import { RoomEvents } from './room-events.js';
import { Room, type AffiliationEntry, type RoomPersistence } from './room.js';
import { checkRoomName } from './validation.js';
import { saveRoom, savedOccupants, savedRoomState, type SavedOccupant } from './saved-room.js';
import { Occupant } from './occupant.js';
import { occupantIdFor } from './occupant-id.js';
import { sendPresenceToRoom, STATUS } from './outgoing-presence.js';
import { censusAcrossCluster, censusOf, creatorName, guestCreatorKey, roomListing, type RoomCensus } from './room-listing.js';

/** Creators whose rooms one claim counts across the cluster (a crowd of joiners waiting for one new room). */
const MAX_CREATORS_COUNTED = 16;

/** The MUC service of each MUC host, for what is built on it (MAM on rooms, the landing page). */
export const MUC = serviceKey<MucService>('muc');

/**
 * The rooms of one MUC host: which exist, creating and forgetting them, keeping persistent
 * ones in the store, and the plumbing every room behaviour uses (MucContext).
 */
export class MucService implements MucContext, RoomPersistence, RoomHosting {
  readonly rooms = new Map<string, Room>();
  /** Set on a cluster: rooms are served by one node at a time, and saved for a takeover. */
  placement: RoomPlacement | null = null;
  /** Rooms whose state changed this turn, saved for a takeover once the turn ends. */
  private readonly unsaved = new Set<Room>();
  readonly addressSecret: Buffer;
  readonly events = new RoomEvents();
  private readonly admins: ReadonlySet<string>;
  private readonly stored = new Set<string>();
  private readonly joined = new SessionKey<Set<Room>>('muc rooms', () => new Set());
  /** On a cluster, while a room's first stanzas are handled: the rooms each of their creators has, cluster-wide. */
  private readonly createdAcrossCluster = new Map<string, Map<string, Set<string>>>();
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
    const creatorAddress = session.isGuest ? guestCreatorKey(this.addressSecret, this.host.name, session) : null;
    if (!exempt && this.roomsCreatedBy(name, bare, creatorAddress) >= policy.max_rooms_per_user) {
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

  /**
   * A guest signed in on this node: the other nodes of a cluster learn their network token
   * (never the address), so that the rooms they serve can hold a ban of the guest's network.
   */
  sessionBound(session: Session): void {
    if (!session.isGuest || session.isRemote || session.remoteAddress === '') return;
    const tokens = session.get(GUEST_NETWORK);
    session.set(GUEST_NETWORK, { ...tokens, [this.host.name]: networkToken(this.addressSecret, session.remoteAddress) });
  }

  /** A closed session leaves every room at once (XEP-0045 §7.14 on its behalf). */
  sessionClosed(session: Session): void {
    for (const room of [...session.get(this.joined)]) {
      // A room this node no longer serves is another node's to update.
      if (this.rooms.get(room.name) !== room) continue;
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

  /** Rooms, occupants and the public rooms with their head counts: this node's, or on a cluster every node's. */
  async census(): Promise<RoomCensus> {
    if (!this.placement) return censusOf(this.rooms.values());
    const served = await this.placement.servedRooms(this.host.name);
    const defaults = defaultRoomConfig(this.server.config.muc, this.features);
    return censusAcrossCluster(served, this.store.rooms(this.host.name), (stored) => parseStoredConfig(stored.config, defaults, this.features));
  }

  noteChange(room: Room): void {
    if (!this.placement || this.unsaved.has(room)) return;
    if (this.unsaved.size === 0) setImmediate(() => this.saveChanged());
    this.unsaved.add(room);
  }

  /** A room made persistent is stored from then on; one made temporary leaves the store. */
  roomChanged(room: Room): void {
    if (!this.rooms.has(room.name)) return;
    this.noteChange(room);
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
    this.unsaved.delete(room);
    this.placement?.ended(this.host.name, room.name);
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
    this.noteChange(room);
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
    this.noteChange(room);
    if (!this.stored.has(room.name)) return;
    try {
      if (entry) this.store.setAffiliation(this.host.name, room.name, { jid, ...entry });
      else this.store.removeAffiliation(this.host.name, room.name, jid);
    } catch (error) {
      this.server.log.error({ err: error, room: room.name }, 'an affiliation change could not be stored');
      throw new StanzaError('wait', 'internal-server-error', 'the change could not be saved; nothing was changed, try again later');
    }
  }

  // --- RoomHosting (a cluster) --------------------------------------------------------------

  /**
   * This node serves the room from now on. What it kept in memory may be stale (the room was
   * served elsewhere meanwhile): the state the previous node saved, else the store, is the
   * truth. Occupants whose sessions are still there stay in without rejoining; the others
   * (their node died or stopped) are announced as gone.
   */
  async claimed(name: string, saved: SavedRoom | null): Promise<void> {
    this.forget(name);
    const defaults = defaultRoomConfig(this.server.config.muc, this.features);
    const state = saved && savedRoomState(saved, defaults);
    let room: Room | undefined;
    if (state) {
      room = this.newRoom(name, state.config, state.secret, state.creator, state.createdAt);
      room.subject = state.subject;
      room.creatorAddress = state.creatorAddress;
      for (const [jid, entry] of state.affiliations) room.affiliations.set(jid, entry);
      if (state.config.persistent) this.stored.add(name);
    } else {
      const stored = this.store.rooms(this.host.name).find((candidate) => candidate.name === name);
      if (stored) room = this.loadStored(stored, defaults);
    }
    listPublicRooms(this.host, this.rooms.values());
    if (!room) return;
    if (room.config.persistent) await this.server.storage.archive.loadRecent?.(room.jid.toString());
    if (saved) this.restoreOccupants(room, savedOccupants(saved));
    // Listed for the other nodes from now on.
    else this.noteChange(room);
  }

  /**
   * Joins that may create the room: each joiner's rooms across the cluster are counted now, so
   * that [muc].max_rooms_per_user holds for the whole cluster when the join is handled.
   */
  async beforeCreation(name: string, waiting: readonly StanzaContext[]): Promise<void> {
    const placement = this.placement;
    if (!placement) return;
    const creators = new Set<string>();
    for (const ctx of waiting) {
      if (creators.size >= MAX_CREATORS_COUNTED) break;
      if (ctx.stanza.name !== 'presence' || ctx.stanza.attrs.type !== undefined || ctx.to.resource === null || !ctx.origin) continue;
      const creator = this.creatorOf(ctx.from.bare().toString(), ctx.origin);
      if (creator !== null) creators.add(creator);
    }
    if (creators.size === 0) return;
    const counted = new Map<string, Set<string>>();
    await Promise.all([...creators].map(async (creator) => {
      counted.set(creator, await placement.roomsCreatedBy(this.host.name, creator));
    }));
    this.createdAcrossCluster.set(name, counted);
  }

  settled(name: string): void {
    this.createdAcrossCluster.delete(name);
  }

  /** On a cluster, disco#items of the service lists every node's public rooms (XEP-0045 §6.3). */
  serviceStanza(ctx: StanzaContext): boolean {
    const { stanza } = ctx;
    const query = stanza.name === 'iq' && stanza.attrs.type === 'get' ? stanza.getChild('query', NS.discoItems) : undefined;
    if (!query || query.attrs.node || stanza.getChildElements().length !== 1) return false;
    const answer = (rooms: { name: string; title: string }[]): void => {
      this.server.router.reply(ctx.origin, xml('iq', { type: 'result', id: stanza.attrs.id, from: ctx.to.toString(), to: ctx.from.toString() },
        xml('query', { xmlns: NS.discoItems },
          ...rooms.map((room) => xml('item', { jid: `${room.name}@${this.host.name}`, name: room.title })))));
    };
    this.census().then((census) => answer(census.listed), (error: unknown) => {
      this.server.log.warn({ err: error }, 'the rooms of the other nodes could not be read; this node lists its own');
      answer(this.publicRooms());
    }).catch((error: unknown) => this.server.log.error({ err: error }, 'could not answer disco#items of the rooms'));
    return true;
  }

  has(name: string): boolean {
    return this.rooms.has(name);
  }

  lost(name: string): void {
    this.forget(name);
    listPublicRooms(this.host, this.rooms.values());
  }

  /** Drops the room from memory without a word to anyone: another node speaks for it. */
  private forget(name: string): void {
    const room = this.rooms.get(name);
    if (!room) return;
    this.rooms.delete(name);
    this.unsaved.delete(room);
    this.stored.delete(name);
  }

  private restoreOccupants(room: Room, saved: SavedOccupant[]): void {
    const gone = new Map<string, SavedOccupant>();
    for (const entry of saved) {
      const session = this.server.sessions.get(entry.jid);
      if (!session) {
        gone.set(entry.nick, entry);
        continue;
      }
      let occupant = room.occupantByNick(entry.nick);
      if (!occupant) {
        occupant = new Occupant(entry.nick, entry.jid.bare(), entry.role, occupantIdFor(room.secret, entry.jid));
        occupant.putSession({ session, jid: entry.jid, presence: entry.presence });
        room.addOccupant(occupant);
      } else {
        occupant.putSession({ session, jid: entry.jid, presence: entry.presence });
        room.indexSession(occupant, entry.jid);
      }
      this.track(session, room, true);
    }
    // XEP-0045 333: they left for a technical reason (the node that held their connection went away).
    for (const [nick, entry] of gone) {
      if (room.occupantByNick(nick)) continue;
      const occupant = new Occupant(nick, entry.jid.bare(), entry.role, occupantIdFor(room.secret, entry.jid));
      sendPresenceToRoom(this, room, occupant, { type: 'unavailable', codes: [STATUS.error] });
    }
    this.noteChange(room);
    forgetIfEmpty(this, room);
  }

  private saveChanged(): void {
    const rooms = [...this.unsaved];
    this.unsaved.clear();
    const withNicks = this.server.config.api.statistics_list_nicks;
    for (const room of rooms) {
      if (this.rooms.get(room.name) === room) this.placement?.save(this.host.name, room.name, saveRoom(room), roomListing(room, withNicks));
    }
  }

  // --- Internals ---------------------------------------------------------------------------

  private newRoom(name: string, config: Room['config'], secret: Buffer, creator: string | null, createdAt: number): Room {
    const room = new Room(name, this.host.name, config, secret, creator, createdAt, this.admins, this);
    this.rooms.set(name, room);
    return room;
  }

  /** Whom a room this session creates counts against (creatorName). */
  private creatorOf(bare: string, session: Session): string | null {
    return creatorName(bare, session.isGuest ? guestCreatorKey(this.addressSecret, this.host.name, session) : null);
  }

  /**
   * The rooms this creator has: on a cluster, those served anywhere (counted before the join
   * was handled) and the kept ones in the shared store; else those of this node.
   */
  private roomsCreatedBy(name: string, bare: string, address: Buffer | null): number {
    const across = this.createdAcrossCluster.get(name)?.get(creatorName(bare, address) ?? '');
    if (across) {
      const names = new Set(across);
      for (const stored of this.store.rooms(this.host.name)) if (stored.creator === bare) names.add(stored.name);
      return names.size;
    }
    let count = 0;
    for (const room of this.rooms.values()) {
      if (room.creator === bare || (address !== null && room.creatorAddress?.equals(address))) count++;
    }
    return count;
  }

  /** Persistent rooms come back with their configuration, subject and affiliations. */
  private load(): void {
    const defaults = defaultRoomConfig(this.server.config.muc, this.features);
    for (const stored of this.store.rooms(this.host.name)) this.loadStored(stored, defaults);
    listPublicRooms(this.host, this.rooms.values());
  }

  private loadStored(stored: StoredRoom, defaults: Room['config']): Room | undefined {
    let name: string;
    try {
      name = Jid.of(stored.name, this.host.name).local!;
    } catch {
      this.server.log.warn({ room: stored.name }, 'skipping a stored room whose name is no longer valid');
      return undefined;
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
    return room;
  }
}
