/**
 * JID domainparts (RFC 7622 §3.2): an IP literal or a domain name in IDNA2008 form, stored as
 * lowercase Unicode (U-labels), so "xn--bcher-kva.example" and "Bücher.example." are one domain.
 *
 * Node's url.domainToASCII does the UTS #46 mapping and validates Punycode; UTS #46 admits more
 * than IDNA2008 (symbols, emoji), so each U-label is then held to the IdentifierClass rules, which
 * are IDNA2008's derivation plus ASCII punctuation, and the ASCII form to LDH.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { bidiRuleViolation, containsRtl, identifierClassViolation } from './precis.js';

export class DomainError extends Error {}

// Plain ASCII hostnames skip the IDNA conversion.
const ASCII_HOST = /^[A-Za-z0-9._-]+$/;
// One label of the ASCII form: 1..63 octets, letters/digits/hyphen, no hyphen at either end.
// DEVIATION: '_' is also accepted (as in Docker/Compose service names); RFC 1123 has no underscore.
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const NUMERIC = /^[0-9]+$/;

/** Normalises and validates a domainpart; throws DomainError. */
export function normaliseDomainpart(input: string): string {
  if (input.startsWith('[')) return ipv6Literal(input);

  const plain = ASCII_HOST.test(input) && !/(?:^|\.)xn--/i.test(input);
  let ascii: string;
  if (plain) {
    ascii = input.toLowerCase();
  } else {
    // The WHATWG host parser behind domainToASCII percent-decodes; a JID has no percent-encoding.
    if (input.includes('%') || input.length > 1023) throw new DomainError('not a domain name');
    ascii = domainToASCII(input);
    if (ascii === '') throw new DomainError('not a valid internationalised domain name');
  }
  // RFC 7622 §3.2: one trailing label separator is stripped (UTS #46 already mapped '。' etc. to '.').
  if (ascii.endsWith('.')) ascii = ascii.slice(0, -1);
  if (ascii.length === 0) throw new DomainError('empty domainpart');
  if (ascii.length > 253) throw new DomainError('domain name longer than 253 octets');

  const labels = ascii.split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) throw new DomainError(`invalid label "${label}"`);
    // Hyphens in positions 3 and 4 are reserved for A-labels ("xn--") (RFC 5890 §2.3.1).
    if (label[2] === '-' && label[3] === '-' && !label.startsWith('xn--')) throw new DomainError(`reserved label "${label}"`);
  }
  // A numeric last label is an IPv4 address or nothing: no top-level domain is all digits, and
  // the URL parser would read "1.2" as 1.0.0.2. Only the plain dotted-quad spelling is accepted.
  if (NUMERIC.test(labels[labels.length - 1]!)) {
    if (plain && isIPv4(ascii)) return ascii;
    throw new DomainError('not a domain name or IPv4 address');
  }
  if (plain) return ascii;

  const unicode = domainToUnicode(ascii).normalize('NFC');
  const uLabels = unicode.split('.');
  for (const label of uLabels) {
    if (/^[\x00-\x7f]*$/.test(label)) continue;
    const problem = identifierClassViolation(label);
    if (problem) throw new DomainError(`label "${label}": ${problem}`);
  }
  // RFC 5893: once any label is right-to-left, every label must keep the Bidi Rule.
  if (uLabels.some(containsRtl)) {
    for (const label of uLabels) {
      const problem = bidiRuleViolation(label);
      if (problem) throw new DomainError(`label "${label}": ${problem}`);
    }
  }
  if (Buffer.byteLength(unicode) > 1023) throw new DomainError('domainpart longer than 1023 bytes');
  return unicode;
}

/** "[IPv6]" (RFC 7622 §3.2, RFC 3986 IP-literal), in one canonical spelling (the WHATWG URL serialisation:
 * lowercase, longest zero run compressed), so "[0:0::1]" and "[::1]" compare equal. */
function ipv6Literal(input: string): string {
  const inner = input.endsWith(']') ? input.slice(1, -1) : '';
  if (!isIPv6(inner) || inner.includes('%')) throw new DomainError('invalid IPv6 literal');
  const canonical = domainToASCII(input);
  if (!canonical.startsWith('[')) throw new DomainError('invalid IPv6 literal');
  return canonical;
}
