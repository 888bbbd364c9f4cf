import { keyedAddressHash } from '../access/address-hash.js';
import type { Jid } from '../jid/jid.js';
import type { Room } from './room.js';

/** What a ban check needs of a client session: guests are also banned by address. */
export interface BanSubject {
  isGuest: boolean;
  remoteAddress: string;
}

/**
 * Keeps banned guests out after a reload (which gives them a new JID) without keeping their
 * address: what is stored with the ban is an HMAC of the room and the address under a random
 * server key (docs/privacy.md). IPv6 clients are matched on their /64, which a single home
 * or phone usually owns entirely, so that hopping between addresses of it does not help.
 */
export function addressHash(serverSecret: Buffer, room: string, remoteAddress: string): Buffer {
  return keyedAddressHash(serverSecret, room, remoteAddress);
}

/**
 * Whether a user is kept out of a room, whichever way they come in (join, MAM queries, the
 * landing page's questions): banned by JID, or a guest whose address a ban covers.
 */
export function isBanned(serverSecret: Buffer, room: Room, jid: Jid, session: BanSubject | undefined): boolean {
  if (room.affiliationOf(jid) === 'outcast') return true;
  return session?.isGuest === true && isAddressBanned(serverSecret, room, session.remoteAddress);
}

/** Whether a guest at this address is banned from the room. */
export function isAddressBanned(serverSecret: Buffer, room: Room, remoteAddress: string): boolean {
  const hash = addressHash(serverSecret, room.jid.toString(), remoteAddress);
  for (const entry of room.affiliations.values()) {
    if (entry.affiliation === 'outcast' && entry.addressHash?.equals(hash)) return true;
  }
  return false;
}
