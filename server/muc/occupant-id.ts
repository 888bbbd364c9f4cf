import { createHmac } from 'node:crypto';
import { xml, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';
import type { Jid } from '../jid/jid.js';

/**
 * XEP-0421: an occupant's id is a keyed hash of their real bare JID under the room's own
 * key. It stays the same across visits and nick changes, reveals nothing of the JID, and
 * differs from room to room. Guests get a new bare JID per session, so theirs lasts a session.
 */
export function occupantIdFor(roomSecret: Buffer, bare: Jid): string {
  return createHmac('sha256', roomSecret).update(bare.bare().toString()).digest().subarray(0, 18).toString('base64url');
}

export function occupantIdElement(id: string): Element {
  return xml('occupant-id', { xmlns: NS.occupantId, id });
}
