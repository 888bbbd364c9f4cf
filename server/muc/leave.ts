import { xml, type Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import { LIMITS } from './limits.js';
import { sendPresenceToRoom, sendSelfPresence, STATUS, type PresenceChange } from './outgoing-presence.js';
import { capText } from './validation.js';
import type { Room } from './room.js';

/**
 * One resource leaves (XEP-0045 §7.14): it gets its unavailable self-presence; the others hear
 * that the occupant left, or, when more of the user's resources remain, see the one that
 * now stands for them.
 */
export function leave(muc: MucContext, room: Room, occupant: Occupant, full: Jid, change: PresenceChange = {}): void {
  const entry = occupant.sessions.get(full.toString());
  if (!entry) return;
  const gone = room.removeSession(occupant, full);
  muc.track(entry.session, room, false);
  const departure: PresenceChange = { ...change, type: 'unavailable', session: entry, selfOnly: full };
  if (gone) {
    sendPresenceToRoom(muc, room, occupant, departure);
    forgetIfEmpty(muc, room);
  } else {
    sendSelfPresence(muc, room, occupant, departure);
    sendPresenceToRoom(muc, room, occupant, { othersOnly: true });
  }
}

/**
 * An error bounced by an occupant's client or server means the room can no longer reach that
 * resource: it leaves with 333, and the others read why.
 */
export function errorDeparture(stanza: Element): PresenceChange {
  const error = stanza.getChild('error');
  const condition = error?.getChildElements().find((child) => child.name !== 'text')?.name ?? 'undefined-condition';
  const text = error?.getChildText('text');
  const status = `Kicked: ${condition.replace(/-/g, ' ')}${text ? `: ${text}` : ''}`;
  return { codes: [STATUS.error], payload: [xml('status', {}, capText(status, LIMITS.reason))] };
}

/** A status text an occupant gave when leaving, which the others may read. */
export function leavePayload(stanza: Element): Element[] {
  return stanza.getChildElements().filter((child) => child.name === 'status' && child.getNS() === stanza.getNS());
}

/**
 * Removes an occupant with all their resources (kick, ban, lost membership, destroyed
 * room), telling them and everyone else why.
 */
export function expel(muc: MucContext, room: Room, occupant: Occupant, change: PresenceChange): void {
  room.removeOccupant(occupant);
  for (const entry of occupant.sessions.values()) muc.track(entry.session, room, false);
  sendPresenceToRoom(muc, room, occupant, { ...change, type: 'unavailable' });
  forgetIfEmpty(muc, room);
}

/** XEP-0045 §10.1.3: a temporary room is destroyed when its last occupant leaves. */
export function forgetIfEmpty(muc: MucContext, room: Room): void {
  if (room.isEmpty && !room.config.persistent) muc.removeRoom(room);
}
