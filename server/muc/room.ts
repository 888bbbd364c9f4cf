import { Jid } from '../jid/jid.js';
import { KeyedState } from '../core/keyed-state.js';
import type { StoredAffiliationKind } from '../storage/rooms.js';
import { nickKeys } from './nick-key.js';
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
  /** What features keep per room (the lock timer, flood counters), under their own keys. */
  readonly state = new KeyedState();
  /**
   * A guest creator's keyed address hash, counted for [muc].max_rooms_per_user. Kept in
   * memory only: after a restart a guest's JID is gone, and so is what linked rooms to them.
   */
  creatorAddress: Buffer | null = null;
  private readonly byRealJid = new Map<string, Occupant>();
  /** By both nick keys (nick-key.ts). */
  private readonly byNickKey = new Map<string, Occupant>();
  /** Reserved nicknames' keys → bare JID; built on first use, dropped when an affiliation changes. */
  private reservedNickKeys: Map<string, string> | null = null;

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

  /** The occupant with exactly this nickname: for addressing an occupant. */
  occupantByNick(nick: string): Occupant | undefined {
    return this.occupants.get(nick);
  }

  /** The occupant whose nickname is the same as this one to the room (case, width, look-alikes). */
  occupantWithNickLike(nick: string): Occupant | undefined {
    for (const key of nickKeys(nick)) {
      const occupant = this.byNickKey.get(key);
      if (occupant) return occupant;
    }
    return undefined;
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

  /** The bare JID that reserved this nickname, or one the room takes for the same (nick-key.ts), if any. */
  nickHolder(nick: string): string | undefined {
    if (!this.reservedNickKeys) {
      this.reservedNickKeys = new Map();
      for (const [jid, entry] of this.affiliations) {
        if (entry.nick === null || entry.affiliation === 'outcast') continue;
        for (const key of nickKeys(entry.nick)) this.reservedNickKeys.set(key, jid);
      }
    }
    for (const key of nickKeys(nick)) {
      const holder = this.reservedNickKeys.get(key);
      if (holder !== undefined) return holder;
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
    this.indexNick(occupant);
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
    this.forgetNick(occupant);
    return true;
  }

  removeOccupant(occupant: Occupant): void {
    for (const key of occupant.sessions.keys()) {
      if (this.byRealJid.get(key) === occupant) this.byRealJid.delete(key);
    }
    this.forgetNick(occupant);
  }

  rename(occupant: Occupant, nick: string): void {
    this.forgetNick(occupant);
    occupant.nick = nick;
    this.occupants.set(nick, occupant);
    this.indexNick(occupant);
  }

  /** Stored first: a change the store refuses (it throws) leaves the room as it was. */
  setAffiliation(bare: string, entry: AffiliationEntry | null): void {
    this.persistence.saveAffiliation(this, bare, entry);
    if (entry) this.affiliations.set(bare, entry);
    else this.affiliations.delete(bare);
    this.reservedNickKeys = null;
  }

  setSubject(text: string, nick: string | null): void {
    this.subject = { text, nick };
    this.persistence.saveRoom(this);
  }

  setConfig(config: RoomConfig): void {
    this.config = config;
    this.persistence.saveRoom(this);
  }

  private indexNick(occupant: Occupant): void {
    for (const key of nickKeys(occupant.nick)) this.byNickKey.set(key, occupant);
  }

  private forgetNick(occupant: Occupant): void {
    if (this.occupants.get(occupant.nick) === occupant) this.occupants.delete(occupant.nick);
    for (const key of nickKeys(occupant.nick)) {
      if (this.byNickKey.get(key) === occupant) this.byNickKey.delete(key);
    }
  }
}

function bareString(jid: Jid | string): string {
  if (typeof jid !== 'string') return jid.bare().toString();
  const slash = jid.indexOf('/');
  return slash === -1 ? jid : jid.slice(0, slash);
}
