import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import { fanOut } from './fan-out.js';
import type { MucContext } from './context.js';
import type { Occupant } from './occupant.js';
import { occupantIdElement } from './occupant-id.js';
import type { Room } from './room.js';
import { withoutRoomClaims } from './stamps.js';
import { roleRank } from './types.js';

/**
 * XEP-0045 §7.5: a private message between occupants, when the room allows the sender's role
 * to send one. It reaches every resource of the recipient from the sender's room JID, marked
 * with <x xmlns='…muc#user'/> so that clients keep it in the room's context.
 */
export function privateMessage(muc: MucContext, room: Room, from: Jid, nick: string, stanza: Element): void {
  if (stanza.attrs.type === 'groupchat') throw new StanzaError('modify', 'bad-request', 'send groupchat messages to the room itself');
  const sender = room.occupantByRealJid(from);
  if (!sender) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
  if (!mayMessagePrivately(room, sender)) throw new StanzaError('auth', 'forbidden', 'private messages are not allowed here');
  const recipient = room.occupantByNick(nick);
  if (!recipient) throw new StanzaError('cancel', 'item-not-found', 'nobody in this room uses that nickname');
  const message = xml('message', {
    type: stanza.attrs.type,
    id: stanza.attrs.id,
    from: room.jid.withResource(sender.nick).toString(),
    'xml:lang': stanza.attrs['xml:lang'],
  }, ...withoutRoomClaims(room, stanza), xml('x', { xmlns: NS.mucUser }), occupantIdElement(sender.occupantId));
  fanOut(message, [...recipient.sessions.values()].map((entry) => entry.jid), (to, copy) => muc.deliver(to, copy));
}

function mayMessagePrivately(room: Room, sender: Occupant): boolean {
  switch (room.config.allowPm) {
    case 'anyone': return true;
    case 'participants': return roleRank(sender.role) >= roleRank('participant');
    case 'moderators': return sender.role === 'moderator';
    case 'none': return false;
  }
}
