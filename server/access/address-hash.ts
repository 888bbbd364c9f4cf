import { createHmac } from 'node:crypto';
import { addressLimitKey } from './address.js';

/**
 * Recognises a client's network (its IPv4 address or IPv6 /64, see addressLimitKey) without
 * keeping its address: an HMAC-SHA-256 under a random server key, mixed with a scope (a room,
 * a purpose) so that one address gives unrelated values in different scopes. Without the
 * key, the hash cannot be turned back into the address by trying every address.
 * Room bans (muc/address-ban.ts), the guests' room-creation cap and upload quota all use it.
 */
export function keyedAddressHash(secret: Buffer, scope: string, address: string): Buffer {
  return createHmac('sha256', secret).update(`${scope}\0${addressLimitKey(address)}`).digest();
}

/** A key given as such, or asked for at each use. */
export function secretOf(secret: Buffer | (() => Buffer)): Buffer {
  return typeof secret === 'function' ? secret() : secret;
}
