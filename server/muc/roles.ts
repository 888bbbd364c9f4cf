import { StanzaError } from '../xml/errors.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import { expel } from './leave.js';
import type { Occupant } from './occupant.js';
import { sendPresenceToRoom, STATUS } from './outgoing-presence.js';
import type { Room } from './room.js';
import { affiliationRank, type Affiliation, type Role } from './types.js';

/** Who asks for a change: their affiliation, and their occupant when they are in the room. */
export interface Actor {
  affiliation: Affiliation;
  occupant: Occupant | undefined;
}

const ADMIN = affiliationRank('admin');

export function actorOf(room: Room, from: Jid): Actor {
  return { affiliation: room.affiliationOf(from), occupant: room.occupantByRealJid(from) };
}

/**
 * XEP-0045 §8 and §9.6-9.7: moderators kick and give or take voice; admins and owners
 * also make and unmake moderators. Nobody acts on someone with a higher affiliation, and
 * admins and owners only yield to a higher affiliation than their own. Throws a StanzaError.
 */
export function checkRoleChange(room: Room, actor: Actor, target: Occupant, role: Role): void {
  const actorRank = affiliationRank(actor.affiliation);
  if (actor.occupant?.role !== 'moderator' && actorRank < ADMIN) {
    throw new StanzaError('auth', 'forbidden', 'only moderators may change roles');
  }
  if (target.role === role) return;
  const targetRank = affiliationRank(room.affiliationOf(target.bare));
  if (role === 'moderator' || target.role === 'moderator') {
    if (actorRank < ADMIN) throw new StanzaError('auth', 'forbidden', 'only admins and owners may grant or revoke moderation');
    if (targetRank >= ADMIN) throw new StanzaError('cancel', 'not-allowed', 'admins and owners are always moderators');
    return;
  }
  const allowed = targetRank >= ADMIN ? actorRank > targetRank : targetRank <= actorRank;
  if (!allowed) throw new StanzaError('cancel', 'not-allowed', 'you cannot change the role of someone with a higher affiliation');
}

/** Applies a checked role change: a kick (role none, 307) or a new role everyone sees. */
export function applyRoleChange(muc: MucContext, room: Room, actor: Actor, target: Occupant, role: Role, reason: string | undefined): void {
  if (role === 'none') {
    expel(muc, room, target, { codes: [STATUS.kicked], actor: actor.occupant ?? null, reason });
    return;
  }
  if (target.role === role) return;
  target.role = role;
  sendPresenceToRoom(muc, room, target, { actor: actor.occupant ?? null, reason });
}
