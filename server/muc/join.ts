import type { Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import type { Session } from '../core/session.js';
import { isBanned } from './address-ban.js';
import type { MucContext } from './context.js';
import { parseHistoryRequest, sendHistory } from './history.js';
import { LIMITS } from './limits.js';
import { Occupant, type OccupantSession } from './occupant.js';
import { occupantIdFor } from './occupant-id.js';
import { reservedInRoom } from './nick-refusal.js';
import { sendPresenceToRoom, clientPayload, sendOccupantList, STATUS } from './outgoing-presence.js';
import type { Room } from './room.js';
import { subjectMessage } from './subject.js';
import { affiliationRank } from './types.js';

export interface JoinAttempt {
  room: Room;
  /** The room was created by this join. */
  created: boolean;
  nick: string;
  /** The nickname as the client wrote it, to tell whether normalisation changed it (210). */
  requestedNick: string;
  from: Jid;
  session: Session;
  stanza: Element;
}

/**
 * XEP-0045 §7.2: checks the joiner against bans, membership, password, nick and capacity
 * (throws the StanzaError to send back), then enters them: the occupant list, their own
 * presence (and everyone's news of it), history, the subject and what features add.
 */
export function join(muc: MucContext, attempt: JoinAttempt): void {
  const { room, nick, from, session, stanza } = attempt;
  const mucX = stanza.getChild('x', NS.muc);
  const existing = checkEntry(muc, attempt, mucX);
  const entry: OccupantSession = { session, jid: from, presence: clientPayload(stanza) };
  let occupant = existing;
  if (occupant) {
    occupant.putSession(entry);
    room.indexSession(occupant, from);
  } else {
    const affiliation = room.affiliationOf(from);
    const role = { room, session, affiliation, role: room.defaultRole(affiliation) };
    muc.events.emit('join-role', role);
    occupant = new Occupant(nick, from.bare(), role.role, occupantIdFor(room.secret, from));
    occupant.putSession(entry);
    room.addOccupant(occupant);
  }
  muc.track(session, room, true);

  sendOccupantList(muc, room, occupant, from, occupant);
  sendPresenceToRoom(muc, room, occupant, {
    session: entry,
    selfOnly: from,
    selfId: stanza.attrs.id,
    selfCodes: joinCodes(muc, attempt),
  });
  sendRoomState(muc, room, from, mucX);
}

/** History, subject and what features add (a channel's welcome): what a joiner gets after the presences (also on a rejoin). */
export function sendRoomState(muc: MucContext, room: Room, to: Jid, mucX: Element | undefined): void {
  sendHistory(muc, room, to, parseHistoryRequest(mucX));
  const subject = subjectMessage(room);
  subject.attrs.to = to.toString();
  muc.deliver(to, subject);
  muc.events.emit('room-state-sent', { room, to });
}

/** The re-sent self-presence and room state when an occupant joins again under the same nick. */
export function rejoin(muc: MucContext, room: Room, occupant: Occupant, entry: OccupantSession, stanza: Element): void {
  sendOccupantList(muc, room, occupant, entry.jid, occupant);
  sendPresenceToRoom(muc, room, occupant, { session: entry, selfOnly: entry.jid, selfId: stanza.attrs.id });
  sendRoomState(muc, room, entry.jid, stanza.getChild('x', NS.muc));
}

/** Returns the occupant this resource joins (same user, same nick), or undefined for a new one. */
function checkEntry(muc: MucContext, attempt: JoinAttempt, mucX: Element | undefined): Occupant | undefined {
  const { room, nick, from, session } = attempt;
  const affiliation = room.affiliationOf(from);
  const rank = affiliationRank(affiliation);
  if (isBanned(muc.addressSecret, room, from, session)) {
    throw new StanzaError('auth', 'forbidden', 'you are banned from this room');
  }
  muc.events.emit('pre-join', { room, from, session, nick, affiliation, mucX });
  // Another resource of the same user may share the exact nickname; nobody may take a look-alike.
  const existing = room.occupantWithNickLike(nick);
  if (existing && (!existing.bare.equals(from.bare()) || existing.nick !== nick)) {
    throw new StanzaError('cancel', 'conflict', existing.nick === nick
      ? 'someone in this room already uses this nickname'
      : 'someone in this room uses a nickname that looks the same');
  }
  const holder = room.nickHolder(nick);
  if (holder !== undefined && holder !== from.bare().toString()) {
    throw reservedInRoom();
  }
  if (existing) {
    if (existing.sessions.size >= LIMITS.sessionsPerOccupant) {
      throw new StanzaError('wait', 'resource-constraint', 'too many of your clients are in this room');
    }
    return existing;
  }
  const full = room.occupants.size >= muc.server.config.muc.max_occupants ||
    (room.occupants.size >= room.config.maxUsers && rank < affiliationRank('admin'));
  if (full) throw new StanzaError('wait', 'service-unavailable', 'this room is full');
  return undefined;
}

function joinCodes(muc: MucContext, attempt: JoinAttempt): number[] {
  const { room } = attempt;
  const codes: number[] = [];
  muc.events.emit('join-status-codes', { room, codes });
  if (attempt.created) codes.push(STATUS.created);
  if (attempt.requestedNick !== attempt.nick) codes.push(STATUS.nickModified);
  return codes;
}
