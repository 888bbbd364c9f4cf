import type { Session } from '../../core/session.js';
import type { ServerContext } from '../../core/context.js';
import { MUC } from '../../muc/service.js';
import type { Room } from '../../muc/room.js';

/**
 * The rooms (on every MUC domain here) this session is an occupant of, as this node knows
 * them: on a cluster, the rooms served by the node that holds the session's connection.
 */
export function* roomsOf(server: ServerContext, session: Session): Generator<Room> {
  for (const host of server.hosts.all()) {
    if (host.kind === 'muc') yield* server.services.get(MUC, host).roomsOf(session);
  }
}

/** Whether the session is an occupant of any room. */
export function isInARoom(server: ServerContext, session: Session): boolean {
  return !roomsOf(server, session).next().done;
}

/** Whether the recipient (any resource of that bare JID) is an occupant of a room the session is in. */
export function sharesARoomWith(server: ServerContext, session: Session, recipientBare: string): boolean {
  for (const room of roomsOf(server, session)) {
    if (room.occupantsOf(recipientBare).length > 0) return true;
  }
  return false;
}
