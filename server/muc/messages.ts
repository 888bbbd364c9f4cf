import { xml, type Element } from '../xml/element.js';
import { StanzaError } from '../xml/errors.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';
import type { MucContext } from './context.js';
import { tooFast, tryToken } from './flood-limits.js';
import { occupantIdElement } from './occupant-id.js';
import { fanOutToRoom } from './fan-out.js';
import { deliverInOrder } from './ordered-delivery.js';
import type { RoomEventMap } from './room-events.js';
import type { Room } from './room.js';
import { newStanzaId, stanzaIdElement, withoutRoomClaims } from './stamps.js';
import { changeSubject } from './subject.js';

/**
 * XEP-0045 §7.4: a groupchat message from an occupant goes to every occupant from the
 * sender's room JID, with the client's id kept (muc#stable_id), a stanza-id that is also its
 * MAM id, and the sender's occupant-id. Throws a StanzaError for the sender; returns a
 * Promise when the message waits for the archive's commit (it rejects with that StanzaError).
 */
export function handleGroupchat(muc: MucContext, room: Room, from: Jid, stanza: Element): void | Promise<void> {
  const sender = room.occupantByRealJid(from);
  if (!sender) throw new StanzaError('cancel', 'not-acceptable', 'you are not in this room');
  if (sender.role === 'visitor' || sender.role === 'none') {
    throw new StanzaError('auth', 'forbidden', 'you have no voice in this room');
  }
  if (!tryToken(muc, room, sender.bare.toString(), sender, 'message')) {
    // Chat states, markers and the like are best-effort (XEP-0085): over the limit they go quietly.
    if (!worthKeeping(stanza) && !stanza.getChild('subject')) return;
    throw tooFast('message');
  }
  if (stanza.getChild('subject') && !stanza.getChild('body')) {
    changeSubject(muc, room, sender, stanza);
    return;
  }
  muc.events.emit('groupchat', { room, sender, stanza });
  const message = xml('message', {
    type: 'groupchat',
    from: room.jid.withResource(sender.nick).toString(),
    id: stanza.attrs.id,
    'xml:lang': stanza.attrs['xml:lang'],
  }, ...withoutRoomClaims(room, stanza));
  let committed: Promise<void> | undefined;
  if (worthKeeping(message)) {
    const id = newStanzaId();
    message.cnode(stanzaIdElement(room, id));
    message.cnode(occupantIdElement(sender.occupantId));
    const kept: RoomEventMap['history-append'] = {
      room, entry: { id, stanza: message, nick: sender.nick, occupantId: sender.occupantId, timestamp: muc.server.now() },
    };
    muc.events.emit('history-append', kept);
    committed = kept.committed;
  } else {
    message.cnode(occupantIdElement(sender.occupantId));
  }
  return deliverInOrder(room, committed, () => fanOutToRoom(muc, room, message));
}

const ENCRYPTED = new Set(['eu.siacs.conversations.axolotl', 'urn:xmpp:omemo:2', 'urn:xmpp:openpgp:0']);
const KEPT_PAYLOADS = new Set(['urn:xmpp:message-retract:1', 'urn:xmpp:message-retract:0', 'urn:xmpp:fasten:0', 'urn:xmpp:reactions:0']);

/**
 * Messages with content are kept for history (and MAM); chat states, markers and the like
 * only pass through (XEP-0334 hints can say otherwise). Asked of the client's message too.
 */
function worthKeeping(message: Element): boolean {
  if (message.getChild('no-store', NS.hints) || message.getChild('no-permanent-store', NS.hints)) return false;
  if (message.getChild('body') || message.getChild('store', NS.hints)) return true;
  return message.getChildElements().some((child) => {
    const ns = child.getNS() ?? '';
    return ENCRYPTED.has(ns) || KEPT_PAYLOADS.has(ns);
  });
}
