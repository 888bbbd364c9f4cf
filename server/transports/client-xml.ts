import type { Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';

const STANZAS = new Set(['message', 'presence', 'iq']);

/**
 * Serialises one top-level element for a transport whose elements do not inherit a stream
 * root's namespaces (RFC 7395 frames, XEP-0206 bodies): stanzas, which the server keeps
 * without an xmlns, get xmlns='jabber:client', and stream:* elements declare their prefix.
 * The element itself is not touched, so one built for many recipients can be shared.
 */
export function serializeForClient(element: Element): string {
  const text = element.toString();
  let declaration: string | null = null;
  if (element.attrs.xmlns === undefined && STANZAS.has(element.name)) {
    declaration = ` xmlns='${NS.client}'`;
  } else if (element.name.startsWith('stream:') && element.attrs['xmlns:stream'] === undefined) {
    declaration = ` xmlns:stream='${NS.stream}'`;
  }
  if (declaration === null) return text;
  // ltx writes "<" + name first, so the declaration goes right after the name.
  const at = 1 + element.name.length;
  return text.slice(0, at) + declaration + text.slice(at);
}
