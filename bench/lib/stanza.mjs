/**
 * Light reading of one stanza's source text (as cut by StanzaFramer): its name, the
 * attributes of its own start tag, and a few children the scenarios look for. Every search
 * runs inside a single stanza, so nothing matches across stanza boundaries; the bodies the
 * load generator sends contain no markup, so a child's text never contains a '<'.
 */
import { startTagEnd } from './framer.mjs';

/** The element name, with its prefix if any ("message", "stream:features"). */
export function stanzaName(stanza) {
  let i = 1;
  while (i < stanza.length) {
    const c = stanza.charCodeAt(i);
    // space, tab, CR, LF, '/', '>'
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f || c === 0x3e) break;
    i++;
  }
  return stanza.slice(1, i);
}

/** The local name, without a prefix. */
export function localName(stanza) {
  const name = stanzaName(stanza);
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

const attrPatterns = new Map();

/** An attribute of the stanza's own start tag (not of its children), unescaped; or undefined. */
export function attr(stanza, name) {
  const end = startTagEnd(stanza, 0);
  const tag = end === -1 ? stanza : stanza.slice(0, end);
  let pattern = attrPatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`\\s${name.replace(/[.:]/g, '\\$&')}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`);
    attrPatterns.set(name, pattern);
  }
  const match = pattern.exec(tag);
  if (!match) return undefined;
  return unescape(match[1] ?? match[2]);
}

const childPatterns = new Map();

/** The text of the first child element called `name` (any depth), or undefined. */
export function childText(stanza, name) {
  let pattern = childPatterns.get(name);
  if (!pattern) {
    pattern = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`);
    childPatterns.set(name, pattern);
  }
  const match = pattern.exec(stanza);
  return match ? unescape(match[1]) : undefined;
}

/** Whether a child element called `name` is present (any depth, any form). */
export function hasChild(stanza, name) {
  const at = stanza.indexOf(`<${name}`, 1);
  if (at === -1) return false;
  const after = stanza.charCodeAt(at + name.length + 1);
  return after === 0x20 || after === 0x2f || after === 0x3e || after === 0x09 || after === 0x0a || after === 0x0d;
}

/** MUC status codes carried by a presence (<status code='110'/> …). */
export function statusCodes(stanza) {
  const codes = [];
  const pattern = /<status\s+code\s*=\s*['"](\d+)['"]/g;
  let match;
  while ((match = pattern.exec(stanza)) !== null) codes.push(match[1]);
  return codes;
}

const ENTITIES = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function unescape(text) {
  if (text.indexOf('&') === -1) return text;
  return text.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, entity) => {
    if (entity[0] !== '#') return ENTITIES[entity];
    return String.fromCodePoint(entity[1] === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10));
  });
}

export function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}
