import ipaddr from 'ipaddr.js';
import { canonicalAddress, parseAddress } from './networks.js';

/**
 * A client address in canonical form: IPv4-mapped IPv6 (::ffff:a.b.c.d, as dual-stack
 * listeners report IPv4 clients) becomes plain IPv4, so one client has one key.
 */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return canonicalAddress(address) ?? address;
}

/** Leading 16-bit groups of an IPv6 address that one subscriber holds: a /64 (RFC 6177). */
const IPV6_SUBSCRIBER_GROUPS = 4;

/**
 * The key under which a client address is counted by every per-address limit (connections,
 * guest sign-ins, SASL failures) and hashed for guest upload quotas and bans: an IPv4 address
 * (an IPv4-mapped IPv6 address counts as its IPv4 address), or the /64 of an IPv6 address,
 * which one home or phone usually owns entirely, so hopping between its addresses does not
 * help. Anything that is not an IP address is its own key. The text format is the one ban
 * hashes were stored with (server/muc/address-ban.ts): changing it would unban people.
 */
export function addressLimitKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return address;
  if (!(parsed instanceof ipaddr.IPv6)) return parsed.toString();
  return `${parsed.parts.slice(0, IPV6_SUBSCRIBER_GROUPS).map((group) => group.toString(16)).join(':')}::/64`;
}
