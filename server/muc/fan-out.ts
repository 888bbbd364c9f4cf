import type { Element } from '../xml/element.js';
import { StanzaTemplate } from '../xml/stanza-template.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import type { Room } from './room.js';

export { StanzaTemplate };

/**
 * Builds one copy per recipient of a stanza built once: the stanza is serialised here, once,
 * rather than once per recipient (and not at all when nobody gets it).
 */
export function fanOut(stanza: Element, recipients: Iterable<Jid>, deliver: (to: Jid, copy: Element) => void): void {
  let template: StanzaTemplate | undefined;
  for (const to of recipients) {
    template ??= new StanzaTemplate(stanza);
    deliver(to, template.copyFor(to.toString()));
  }
}

/**
 * Sends a stanza built once to every occupant resource (that `filter` accepts), straight to
 * the router: occupants' JIDs are always full, which MucContext.deliver would check again. On a
 * cluster, the router sends one frame per other node that holds occupants, not one per occupant.
 */
export function fanOutToRoom(muc: MucContext, room: Room, stanza: Element, filter?: (viewer: Occupant) => boolean): void {
  const to: Jid[] = [];
  for (const { occupant, jid } of room.sessions()) {
    if (!filter || filter(occupant)) to.push(jid);
  }
  muc.server.router.deliverToEach(stanza, to);
  if (stanza.name === 'message') muc.server.events.emit('room-delivery', to.length);
}
