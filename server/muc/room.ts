import { Jid } from '../jid/jid.js';
import type { StoredAffiliationKind } from '../storage/rooms.js';
import { Occupant } from './occupant.js';
import type { Affiliation, Role, RoomConfig } from './types.js';

export interface AffiliationEntry {
  affiliation: StoredAffiliationKind;
  /** Reserved nickname. */
  nick: string | null;
  reason: string | null;
  /** Banned guest: the keyed hash of their address (address-ban.ts). */
  addressHash: Buffer | null;
}

/** Where a room writes its lasting state; the service decides whether the room is stored. */
export interface RoomPersistence {
  saveRoom(room: Room): void;
  saveAffiliation(room: Room, jid: string, entry: AffiliationEntry | null): void;
}

/**
 * A room's state and the questions asked of it. Behaviour (joining, messages, moderation)
 * lives in the files named after it; they change a room only through these methods, so that
 * its indexes stay consistent and lasting changes reach the store.
 */
export class Room {
  readonly jid: Jid;
  /** By nickname. */
  readonly occupants = new Map<string, Occupant>();
  /** By bare JID. */
  readonly affiliations = new Map<string, AffiliationEntry>();
  subject: { text: string; nick: string | null } = { text: '', nick: null };
  /**
   * A guest creator's keyed address hash, counted for [muc].max_rooms_per_user. Kept in
   * memory only: after a restart a guest's JID is gone, and so is what linked rooms to them.
   */
  creatorAddress: Buffer | null = null;
  private readonly byRealJid = new Map<string, Occupant>();

  constructor(
    readonly name: string,
    domain: string,
    public config: RoomConfig,
    /** Key for occupant-ids (XEP-0421). */
    readonly secret: Buffer,
    readonly creator: string | null,
    readonly createdAt: number,
    private readonly serverAdmins: ReadonlySet<string>,
    private readonly persistence: RoomPersistence,
  ) {
    this.jid = Jid.of(name, domain);
  }

  /** The shown name: the configured one, else the localpart. */
  get title(): string {
    return this.config.name || this.name;
  }

  // --- Questions ---------------------------------------------------------------------------

  /** [server].admins own every room. */
  affiliationOf(jid: Jid | string): Affiliation {
    const bare = bareString(jid);
    if (this.serverAdmins.has(bare)) return 'owner';
    return this.affiliations.get(bare)?.affiliation ?? 'none';
  }

  isServerAdmin(jid: Jid | string): boolean {
    return this.serverAdmins.has(bareString(jid));
  }

  occupantByRealJid(full: Jid | string): Occupant | undefined {
    return this.byRealJid.get(full.toString());
  }

  occupantByNick(nick: string): Occupant | undefined {
    return this.occupants.get(nick);
  }

  /** Occupants of a real bare JID (normally one). */
  occupantsOf(bare: string): Occupant[] {
    return [...this.occupants.values()].filter((occupant) => occupant.bare.toString() === bare);
  }

  /** May this user read the room's messages (MAM): an occupant, or a member of a members-only room. */
  canRead(full: Jid | string): boolean {
    if (this.occupantByRealJid(full)) return true;
    const affiliation = this.affiliationOf(full);
    if (affiliation === 'outcast') return false;
    return this.config.membersOnly && affiliation !== 'none';
  }

  /** Whether a viewer (an occupant, or null for nobody in particular) may see real JIDs. */
  showsRealJidsTo(viewer: Occupant | null): boolean {
    return this.config.whois === 'anyone' || viewer?.role === 'moderator';
  }

  /** XEP-0045 §5.1.2: the role an affiliation brings on entering. */
  defaultRole(affiliation: Affiliation): Role {
    switch (affiliation) {
      case 'owner': case 'admin': return 'moderator';
      case 'member': return 'participant';
      case 'none': return this.config.moderated ? 'visitor' : 'participant';
      case 'outcast': return 'none';
    }
  }

  /** The bare JID that reserved this nickname, if any. */
  nickHolder(nick: string): string | undefined {
    for (const [jid, entry] of this.affiliations) {
      if (entry.nick === nick && entry.affiliation !== 'outcast') return jid;
    }
    return undefined;
  }

  get isEmpty(): boolean {
    return this.occupants.size === 0;
  }

  /** Every occupant session, for broadcasts. */
  *sessions(): IterableIterator<{ occupant: Occupant; jid: Jid }> {
    for (const occupant of this.occupants.values()) {
      for (const entry of occupant.sessions.values()) yield { occupant, jid: entry.jid };
    }
  }

  // --- Changes -----------------------------------------------------------------------------

  addOccupant(occupant: Occupant): void {
    this.occupants.set(occupant.nick, occupant);
    for (const key of occupant.sessions.keys()) this.byRealJid.set(key, occupant);
  }

  /** Records a new resource of an occupant (after occupant.putSession). */
  indexSession(occupant: Occupant, full: Jid): void {
    this.byRealJid.set(full.toString(), occupant);
  }

  /** Forgets one resource; removes the occupant with its last resource. True when the occupant left. */
  removeSession(occupant: Occupant, full: Jid): boolean {
    const key = full.toString();
    occupant.sessions.delete(key);
    if (this.byRealJid.get(key) === occupant) this.byRealJid.delete(key);
    if (occupant.sessions.size > 0) return false;
    if (this.occupants.get(occupant.nick) === occupant) this.occupants.delete(occupant.nick);
    return true;
  }

  removeOccupant(occupant: Occupant): void {
    for (const key of occupant.sessions.keys()) {
      if (this.byRealJid.get(key) === occupant) this.byRealJid.delete(key);
    }
    if (this.occupants.get(occupant.nick) === occupant) this.occupants.delete(occupant.nick);
  }

  rename(occupant: Occupant, nick: string): void {
    this.occupants.delete(occupant.nick);
    occupant.nick = nick;
    this.occupants.set(nick, occupant);
  }

  /** Stored first: a change the store refuses (it throws) leaves the room as it was. */
  setAffiliation(bare: string, entry: AffiliationEntry | null): void {
    this.persistence.saveAffiliation(this, bare, entry);
    if (entry) this.affiliations.set(bare, entry);
    else this.affiliations.delete(bare);
  }

  setSubject(text: string, nick: string | null): void {
    this.subject = { text, nick };
    this.persistence.saveRoom(this);
  }

  setConfig(config: RoomConfig): void {
    this.config = config;
    this.persistence.saveRoom(this);
  }
}

function bareString(jid: Jid | string): string {
  if (typeof jid !== 'string') return jid.bare().toString();
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}
