/**
 * Which one-to-one messages are worth keeping, for the accounts' archive and for offline
 * storage alike: what a person wrote (chat, or normal with a body), and what the sender asked
 * to be stored (a XEP-0334 `<store/>` hint: XEP-0353 call invitations carry one so that the
 * callee's other and later devices learn of the call, issue 17); not chat states, receipts,
 * errors or groupchat (rooms keep their own archive), nor what the sender asked not to be
 * stored (XEP-0334 hints), nor copies and results that wrap another message.
 */
import type { Element } from '../xml/element.js';
import { NS } from '../xml/namespaces.js';

export function isKeptMessage(stanza: Element, hint: 'no-store' | 'no-permanent-store'): boolean {
  const type = stanza.attrs.type ?? 'normal';
  if (type !== 'chat' && type !== 'normal') return false;
  if (!stanza.getChild('body') && !stanza.getChild('store', NS.hints)) return false;
  if (stanza.getChild('no-store', NS.hints) || stanza.getChild(hint, NS.hints)) return false;
  return !stanza.getChild('sent', NS.carbons) && !stanza.getChild('received', NS.carbons) && !stanza.getChild('result', NS.mam);
}
