import { xml } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import { guestBanHash } from './address-ban.js';
import type { MucContext } from './context.js';
import { expel } from './leave.js';
import { sendPresenceToRoom, STATUS } from './outgoing-presence.js';
import { fanOutToRoom } from './fan-out.js';
import type { AffiliationEntry, Room } from './room.js';
import type { Actor } from './roles.js';
import { affiliationRank, type Affiliation } from './types.js';
import { LIMITS } from './limits.js';

export interface AffiliationChange {
  /** Bare JID. */
  jid: string;
  affiliation: Affiliation;
  /** Reserved nickname: a string sets it, null clears it, undefined keeps it. */
  nick?: string | null;
  reason?: string;
}

const ADMIN = affiliationRank('admin');

/**
 * XEP-0045 §9-10: admins manage members and outcasts, owners everything. [server].admins
 * cannot be changed (they own every room), and a room keeps at least one owner. Checks a
 * whole batch before any of it applies. Throws a StanzaError.
 */
export function checkAffiliationChanges(room: Room, actor: Actor, changes: AffiliationChange[]): void {
  const actorRank = affiliationRank(actor.affiliation);
  if (actorRank < ADMIN) throw new StanzaError('auth', 'forbidden', 'only admins and owners may change affiliations');
  for (const change of changes) {
    if (room.isServerAdmin(change.jid)) throw new StanzaError('cancel', 'not-allowed', 'server administrators own every room');
    const current = room.affiliationOf(change.jid);
    if (actor.affiliation !== 'owner' && (affiliationRank(current) >= ADMIN || affiliationRank(change.affiliation) >= ADMIN)) {
      throw new StanzaError('auth', 'forbidden', 'only owners may change admins and owners');
    }
    if (change.affiliation !== 'none') checkRoomForAffiliation(room, change.jid);
  }
  checkLastOwner(room, changes);
}

/** The affiliation lists are capped (limits.ts). */
export function checkRoomForAffiliation(room: Room, jid: string): void {
  if (!room.affiliations.has(jid) && room.affiliations.size >= LIMITS.affiliations) {
    throw new StanzaError('wait', 'resource-constraint', 'this room has too many affiliations');
  }
}

/** A room that has owners keeps at least one (§10.6). */
export function checkLastOwner(room: Room, changes: AffiliationChange[]): void {
  const owners = new Set([...room.affiliations].filter(([, entry]) => entry.affiliation === 'owner').map(([jid]) => jid));
  const hadOwners = owners.size > 0;
  for (const change of changes) {
    if (change.affiliation === 'owner') owners.add(change.jid);
    else owners.delete(change.jid);
  }
  if (hadOwners && owners.size === 0) throw new StanzaError('cancel', 'conflict', 'a room needs an owner');
}

/**
 * Applies a checked change, then its effects (§9): a banned occupant leaves with 301, one who
 * lost membership of a members-only room with 321, others get the role of their new
 * affiliation; when the user is not in the room, those who may see real JIDs hear of it.
 */
export function applyAffiliationChange(muc: MucContext, room: Room, actor: Actor | null, change: AffiliationChange): void {
  const previous = room.affiliations.get(change.jid);
  const entry: AffiliationEntry | null = change.affiliation === 'none' ? null : {
    affiliation: change.affiliation,
    nick: change.affiliation === 'outcast' ? null : change.nick === undefined ? previous?.nick ?? null : change.nick,
    reason: change.affiliation === 'outcast' ? change.reason ?? null : null,
    addressHash: change.affiliation === 'outcast' ? guestAddressHash(muc, room, change.jid) : null,
  };
  room.setAffiliation(change.jid, entry);
  if (entry?.nick) evictFromReservedNick(muc, room, entry.nick, change.jid);
  const by = actor?.occupant ?? null;
  const occupants = room.occupantsOf(change.jid);
  for (const occupant of occupants) {
    if (change.affiliation === 'outcast') {
      expel(muc, room, occupant, { codes: [STATUS.banned], actor: by, reason: change.reason });
    } else if (change.affiliation === 'none' && room.config.membersOnly) {
      expel(muc, room, occupant, { codes: [STATUS.affiliationChanged], actor: by, reason: change.reason });
    } else {
      occupant.role = room.defaultRole(change.affiliation);
      sendPresenceToRoom(muc, room, occupant, { actor: by, reason: change.reason });
    }
  }
  if (occupants.length === 0) {
    fanOutToRoom(muc, room, xml('message', { from: room.jid.toString() },
      xml('x', { xmlns: NS.mucUser }, xml('item', { affiliation: change.affiliation, jid: change.jid }))),
    (viewer) => room.showsRealJidsTo(viewer));
  }
}

/** Someone else using a nickname that was just reserved, or one taken for it (nick-key.ts), leaves it (307). */
function evictFromReservedNick(muc: MucContext, room: Room, nick: string, holder: string): void {
  const squatter = room.occupantWithNickLike(nick);
  if (squatter && squatter.bare.toString() !== holder) {
    expel(muc, room, squatter, { codes: [STATUS.kicked], reason: 'This nickname is reserved' });
  }
}

/**
 * A banned guest's address, hashed (address-ban.ts), so that the ban survives their next
 * anonymous JID. Account holders are banned by JID only.
 */
function guestAddressHash(muc: MucContext, room: Room, jid: string): Buffer | null {
  const session = muc.server.sessions.of(jid).find((candidate) => candidate.isGuest);
  return session ? guestBanHash(muc.addressSecret, room, session) : null;
}
