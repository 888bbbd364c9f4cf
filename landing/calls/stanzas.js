// Jingle stanzas (XEP-0166) for the page's calls: the plain element trees of jingle-sdp.js
// to Strophe builders and back, and the few answers every Jingle iq gets.

import { NS } from './jingle-sdp.js';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
const NS_JINGLE_ERRORS = 'urn:xmpp:jingle:errors:1';

function appendTree(builder, node) {
  builder.c(node.name, node.attrs);
  if (node.text !== undefined) builder.t(node.text);
  for (const child of node.children) appendTree(builder, child);
  builder.up();
}

/** An element of a received stanza as a plain tree (namespaces as `xmlns` where they change). */
export function treeOf(element, parentNs = '') {
  const attrs = Object.fromEntries([...element.attributes].filter((attr) => attr.name !== 'xmlns').map((attr) => [attr.name, attr.value]));
  if (element.namespaceURI && element.namespaceURI !== parentNs) attrs.xmlns = element.namespaceURI;
  const children = [...element.children].map((child) => treeOf(child, element.namespaceURI));
  return { name: element.localName, attrs, children, ...(children.length ? {} : { text: element.textContent }) };
}

/** `<iq type="set"><jingle action=… sid=…>…</jingle></iq>` to `to`. */
export function jingleIq(env, to, attrs, children) {
  const iq = env.$iq({ type: 'set', to }).c('jingle', { xmlns: NS.jingle, ...attrs });
  for (const child of children) appendTree(iq, child);
  return iq;
}

/** A session-terminate's `<reason>` (XEP-0166 §7.4): success, decline, busy, gone, failed-transport… */
export function reason(condition) {
  return { name: 'reason', attrs: {}, children: [{ name: condition, attrs: {}, children: [] }] };
}

export function ackOf(env, iq) {
  return env.$iq({ type: 'result', to: iq.getAttribute('from'), id: iq.getAttribute('id') });
}

/** An iq error, with the Jingle condition (XEP-0166 §10) when there is one. */
export function errorOf(env, iq, condition, jingleCondition) {
  const reply = env.$iq({ type: 'error', to: iq.getAttribute('from'), id: iq.getAttribute('id') })
    .c('error', { type: 'cancel' }).c(condition, { xmlns: NS_STANZAS }).up();
  if (jingleCondition) reply.c(jingleCondition, { xmlns: NS_JINGLE_ERRORS }).up();
  return reply;
}
