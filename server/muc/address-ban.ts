import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { normaliseAddress } from '../access/address.js';

/**
 * Keeps banned guests out after a reload (which gives them a new JID) without keeping their
 * address: what is stored with the ban is an HMAC of the room and the address under a random
 * server key (docs/privacy.md). IPv6 clients are matched on their /64, which a single home
 * or phone usually owns entirely, so that hopping between addresses of it does not help.
 */
export function addressHash(serverSecret: Buffer, room: string, remoteAddress: string): Buffer {
  return createHmac('sha256', serverSecret).update(`${room}\0${addressKey(remoteAddress)}`).digest();
}

function addressKey(remoteAddress: string): string {
  const address = normaliseAddress(remoteAddress);
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() !== 'ipv6') return parsed.toString();
  return (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16)).join(':') + '::/64';
}
