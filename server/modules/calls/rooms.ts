import type { Session } from '../../core/session.js';
import type { ServerContext } from '../../core/context.js';
import { tryParseJid } from '../../jid/jid.js';
import { MUC } from '../../muc/service.js';
import type { Room } from '../../muc/room.js';
import { roomQuestions } from '../../core/room-questions.js';

/**
 * Whether a session is in a room, and shares one with someone: what the call policy and the
 * TURN credentials of guests depend on. On a cluster only the node serving a room knows its
 * occupants, and the session may be on another node: each node answers for the rooms it
 * serves (the session there is the replica of the one on its own node), and a node that
 * cannot say yes itself asks the others (core/room-questions.ts). An answer that does not
 * come in time counts as no: a guest then gets no relay and no call, never one too many.
 */
const IN_A_ROOM = 'calls/in-a-room';
const SHARES_A_ROOM = 'calls/shares-a-room';

/** The rooms (on every MUC domain here) this session is an occupant of, among those this node serves. */
export function* roomsOf(server: ServerContext, session: Session): Generator<Room> {
  for (const host of server.hosts.all()) {
    if (host.kind !== 'muc') continue;
    const service = server.services.get(MUC, host);
    // A room this node no longer serves may linger in the session's set: its occupants are stale.
    for (const room of service.roomsOf(session)) if (service.getRoom(room.name) === room) yield room;
  }
}

/** Whether the session is an occupant of a room this node serves. */
export function isInARoom(server: ServerContext, session: Session): boolean {
  return !roomsOf(server, session).next().done;
}

/** Whether the recipient (any resource of that bare JID) is an occupant of a room this node serves that the session is in. */
export function sharesARoomWith(server: ServerContext, session: Session, recipientBare: string): boolean {
  for (const room of roomsOf(server, session)) {
    if (room.occupantsOf(recipientBare).length > 0) return true;
  }
  return false;
}

/** Whether this node alone cannot tell "no" for sure: other nodes serve rooms too. */
export function othersMayKnow(server: ServerContext): boolean {
  return roomQuestions(server.services).clustered;
}

/** Whether the session is an occupant of any room of the cluster. */
export async function isInARoomAnywhere(server: ServerContext, session: Session): Promise<boolean> {
  return await roomQuestions(server.services).ask(IN_A_ROOM, [session.jid.toString()]) === true;
}

/** Whether the session and the recipient share a room anywhere in the cluster. */
export async function sharesARoomAnywhere(server: ServerContext, session: Session, recipientBare: string): Promise<boolean> {
  return await roomQuestions(server.services).ask(SHARES_A_ROOM, [session.jid.toString(), recipientBare]) === true;
}

/** How this node answers the two questions, for the rooms it serves, about any session of the cluster. */
export function answerRoomQuestions(server: ServerContext): void {
  const questions = roomQuestions(server.services);
  const sessionOf = (jid: string | undefined): Session | undefined => {
    const parsed = jid === undefined ? null : tryParseJid(jid);
    return parsed?.resource != null ? server.sessions.get(parsed) : undefined;
  };
  questions.answer(IN_A_ROOM, ([jid]) => {
    const session = sessionOf(jid);
    return session !== undefined && isInARoom(server, session);
  });
  questions.answer(SHARES_A_ROOM, ([jid, recipientBare]) => {
    const session = sessionOf(jid);
    return session !== undefined && recipientBare !== undefined && sharesARoomWith(server, session, recipientBare);
  });
}
