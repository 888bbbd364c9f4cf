/**
 * What remains of a message a moderator retracted (XEP-0425 §Tombstones): the envelope, its
 * stanza-id and occupant-id, and a marker saying who retracted it and when. The body and
 * every other payload that could leak the original text are dropped.
 *
 * The marker is written twice: `urn:xmpp:message-retract:1` (XEP-0425 0.3, what Converse.js
 * reads first) and the older `urn:xmpp:message-moderate:0` form that Gajim's nbxmpp and
 * earlier Converse.js releases understand.
 */
import { xml, clone, type Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';

export const NS_RETRACT = 'urn:xmpp:message-retract:1';
export const NS_RETRACT_0 = 'urn:xmpp:message-retract:0';
export const NS_MODERATE = 'urn:xmpp:message-moderate:1';
export const NS_MODERATE_0 = 'urn:xmpp:message-moderate:0';

/** Children that identify the message and its author without saying anything it said. */
const KEPT = new Set<string>([NS.sid, NS.occupantId]);

export interface Retraction {
  /** The moderator: their occupant JID (room/nick) or real JID, as the room chooses. */
  by: string;
  /** XEP-0082 time of the retraction. */
  stamp: string;
  reason?: string;
}

export function tombstone(original: Element, retraction: Retraction): Element {
  const { by, stamp, reason } = retraction;
  const kept = original.getChildElements()
    .filter((child) => KEPT.has(child.getNS() ?? ''))
    .map((child) => clone(child));
  const reasonElement = () => (reason ? xml('reason', {}, reason) : undefined);
  return xml('message', { ...original.attrs, to: undefined },
    ...kept,
    xml('retracted', { xmlns: NS_RETRACT, stamp, by },
      xml('moderated', { xmlns: NS_MODERATE, by }),
      reasonElement()),
    xml('moderated', { xmlns: NS_MODERATE_0, by },
      xml('retracted', { xmlns: NS_RETRACT_0, stamp }),
      reasonElement()));
}
