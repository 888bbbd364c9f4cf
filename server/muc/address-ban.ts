import { createHmac } from 'node:crypto';
import { keyedAddressHash } from '../access/address-hash.js';
import { StateKey } from '../core/keyed-state.js';
import type { Jid } from '../jid/jid.js';
import type { Room } from './room.js';

/** What a ban check needs of a client session: guests are also banned by address. */
export interface BanSubject {
  isGuest: boolean;
  /** Empty for a session another cluster node holds: its network token stands for it. */
  remoteAddress: string;
  get<T>(key: StateKey<T>): T;
}

const NETWORK_SCOPE = 'guest-network';

/**
 * A guest's network as the other nodes of a cluster know it (replicated with the session,
 * never the address): by MUC domain, the keyed hash of the address under that service's key.
 */
export const GUEST_NETWORK = new StateKey<Record<string, string>>('muc guest network', () => ({}), { shared: true });

/** A guest's network, keyed under the MUC service's secret (see GUEST_NETWORK). */
export function networkToken(serverSecret: Buffer, remoteAddress: string): string {
  return keyedAddressHash(serverSecret, NETWORK_SCOPE, remoteAddress).toString('hex');
}

/**
 * Keeps banned guests out after a reload (which gives them a new JID) without keeping their
 * address: what is stored with the ban is an HMAC of the room and the guest's network token
 * under a random server key (docs/privacy.md). IPv6 clients are matched on their /64, which a
 * single home or phone usually owns entirely, so that hopping between addresses of it does
 * not help. The token, not the address, goes in, so that any node of a cluster can check it.
 */
function roomBanHash(serverSecret: Buffer, room: Room, token: string): Buffer {
  return createHmac('sha256', serverSecret).update(`${room.jid.toString()}\0${token}`).digest();
}

/** The hash a ban of this guest stores, or null when nothing is known of their network. */
export function guestBanHash(serverSecret: Buffer, room: Room, subject: BanSubject): Buffer | null {
  const token = subject.remoteAddress !== '' ? networkToken(serverSecret, subject.remoteAddress)
    : subject.get(GUEST_NETWORK)[room.jid.domain];
  return token === undefined ? null : roomBanHash(serverSecret, room, token);
}

/**
 * Whether a user is kept out of a room, whichever way they come in (join, MAM queries, the
 * landing page's questions): banned by JID, or a guest whose network a ban covers.
 */
export function isBanned(serverSecret: Buffer, room: Room, jid: Jid, session: BanSubject | undefined): boolean {
  if (room.affiliationOf(jid) === 'outcast') return true;
  if (session?.isGuest !== true) return false;
  if (session.remoteAddress !== '') return isAddressBanned(serverSecret, room, session.remoteAddress);
  const hash = guestBanHash(serverSecret, room, session);
  return hash !== null && hasAddressBan(room, hash);
}

/** Whether a guest at this address is banned from the room. */
export function isAddressBanned(serverSecret: Buffer, room: Room, remoteAddress: string): boolean {
  return hasAddressBan(room, roomBanHash(serverSecret, room, networkToken(serverSecret, remoteAddress)))
    // Bans written before the network token went in hashed the address with the room.
    || hasAddressBan(room, keyedAddressHash(serverSecret, room.jid.toString(), remoteAddress));
}

/** Whether a guest of this network (its token, which another node of a cluster sends for it) is banned from the room. */
export function isNetworkBanned(serverSecret: Buffer, room: Room, token: string): boolean {
  return hasAddressBan(room, roomBanHash(serverSecret, room, token));
}

function hasAddressBan(room: Room, hash: Buffer): boolean {
  for (const entry of room.affiliations.values()) {
    if (entry.affiliation === 'outcast' && entry.addressHash?.equals(hash)) return true;
  }
  return false;
}
