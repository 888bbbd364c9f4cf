import { canonicalAddress } from './networks.js';

/**
 * A client address in canonical form: IPv4-mapped IPv6 (::ffff:a.b.c.d, as dual-stack
 * listeners report IPv4 clients) becomes plain IPv4, so one client has one key.
 */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return canonicalAddress(address) ?? address;
}
