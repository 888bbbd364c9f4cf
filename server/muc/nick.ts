import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { reservedInRoom } from './nick-refusal.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import { sendPresenceToRoom, clientPayload, STATUS } from './outgoing-presence.js';
import type { Room } from './room.js';

/**
 * XEP-0045 §7.6: the occupant (all their resources) takes a new nickname. Everyone sees an
 * unavailable presence from the old one with 303 and the new nick, then the new one. The
 * role is kept.
 */
export function changeNick(muc: MucContext, room: Room, occupant: Occupant, from: Jid, nick: string, requestedNick: string, stanza: Element): void {
  const entry = occupant.sessions.get(from.toString());
  if (entry) muc.events.emit('nick-change', { room, occupant, session: entry.session, nick });
  const other = room.occupantWithNickLike(nick);
  if (other && other !== occupant) throw new StanzaError('cancel', 'conflict', 'someone in this room already uses this nickname, or one that looks the same');
  const holder = room.nickHolder(nick);
  if (holder !== undefined && holder !== occupant.bare.toString()) throw reservedInRoom();
  if (entry) {
    entry.presence = clientPayload(stanza);
    occupant.putSession(entry);
  }
  sendPresenceToRoom(muc, room, occupant, { type: 'unavailable', newNick: nick, codes: [STATUS.nickChanged] });
  room.rename(occupant, nick);
  sendPresenceToRoom(muc, room, occupant, { selfCodes: requestedNick !== nick ? [STATUS.nickModified] : [] });
}
