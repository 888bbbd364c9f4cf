import { randomId } from '../util/random-ids.js';
import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import { tryParseJid } from '../jid/jid.js';
import type { Room } from './room.js';

/** A new stanza-id (XEP-0359); the same value is the message's MAM id. */
export function newStanzaId(): string {
  return randomId(12);
}

export function stanzaIdElement(room: Room, id: string): Element {
  return xml('stanza-id', { xmlns: NS.sid, by: room.jid.toString(), id });
}

/**
 * The children a room keeps from a client's message: everything but claims that only the
 * room may make (XEP-0359 §5 stanza-ids by the room, XEP-0421 occupant-ids, delays from the
 * room) and MUC user payloads (the room writes its own).
 */
export function withoutRoomClaims(room: Room, stanza: Element): Element['children'] {
  const claimsRoom = (address: string | undefined) => room.jid.equals(tryParseJid(address)?.bare());
  return stanza.children.filter((child) => {
    if (typeof child === 'string') return false;
    const ns = child.getNS();
    if (ns === NS.occupantId) return false;
    if (ns === NS.sid && child.name === 'stanza-id') return !claimsRoom(child.attrs.by);
    if (ns === NS.delay || ns === 'jabber:x:delay') return !claimsRoom(child.attrs.from);
    return ns !== NS.mucUser;
  });
}
