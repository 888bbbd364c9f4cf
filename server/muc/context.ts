import type { Element } from '../xml/element.js';
import type { Jid } from '../jid/jid.js';
import type { Host } from '../core/host.js';
import type { ServerContext } from '../core/context.js';
import type { Session } from '../core/session.js';
import type { RoomEvents } from './room-events.js';
import type { Room } from './room.js';

/** What the room behaviours (join, messages, admin, …) need from the MUC service. */
export interface MucContext {
  readonly server: ServerContext;
  readonly host: Host;
  /** Hands a stanza to a client session (a full JID), if it is still there. */
  deliver(to: Jid, stanza: Element): void;
  /** Routes a stanza from a room (or the service) to any address. */
  route(stanza: Element): void;
  /** The room events the room features hook (features/). */
  readonly events: RoomEvents;
  /** The persisted key for hashing banned guests' addresses. */
  readonly addressSecret: Buffer;
  /** The room's occupants or state changed (a cluster saves it for the node that may take it over). */
  noteChange(room: Room): void;
  /** The room's public listing or persistence may have changed. */
  roomChanged(room: Room): void;
  /** The room is gone (destroyed, or temporary and empty): forget it. */
  removeRoom(room: Room): void;
  /** Remembers which rooms a client session is in, so that they leave when it closes. */
  track(session: Session, room: Room, inRoom: boolean): void;
}
