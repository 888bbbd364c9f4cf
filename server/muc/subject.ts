import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import { occupantIdElement } from './occupant-id.js';
import { fanOutToRoom } from './fan-out.js';
import type { Room } from './room.js';
import { withoutRoomClaims } from './stamps.js';

/**
 * The subject as a joiner receives it, last of all (XEP-0045 §7.2.15): from whoever set it,
 * or from the room with an empty <subject/> when nobody did.
 */
export function subjectMessage(room: Room): Element {
  const { text, nick } = room.subject;
  const from = nick === null ? room.jid : room.jid.withResource(nick);
  return xml('message', { type: 'groupchat', from: from.toString() }, xml('subject', {}, text || undefined));
}

/** §8.1: a groupchat message with a <subject/> and no <body/> changes the subject. */
export function changeSubject(muc: MucContext, room: Room, sender: Occupant, stanza: Element): void {
  const allowed = sender.role === 'moderator' || (room.config.changeSubject && sender.role === 'participant');
  if (!allowed) {
    throw new StanzaError('auth', 'forbidden', 'only moderators may change the subject of this room');
  }
  room.setSubject(stanza.getChildText('subject') ?? '', sender.nick);
  fanOutToRoom(muc, room, xml('message', {
    type: 'groupchat',
    from: room.jid.withResource(sender.nick).toString(),
    id: stanza.attrs.id,
  }, ...withoutRoomClaims(room, stanza), occupantIdElement(sender.occupantId)));
}
