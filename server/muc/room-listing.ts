import { createHmac } from 'node:crypto';
import type { RoomListing } from '../core/room-hosting.js';
import type { StoredRoom } from '../storage/rooms.js';
import { GUEST_NETWORK, networkToken, type BanSubject } from './address-ban.js';
import { isListed } from './disco.js';
import type { Room } from './room.js';
import type { RoomConfig } from './types.js';

/** The scope of the keyed hash that counts the rooms a guest's network created (no '@': never a room's JID). */
const CREATOR_SCOPE = 'rooms-created';
/** Starts a guest's creator name: a bare JID never does. */
const GUEST_CREATOR = '~';

/**
 * What a guest's rooms are counted by ([muc].max_rooms_per_user), since every sign-in is a new
 * JID: a keyed hash of their network token, which every node of a cluster knows of a guest
 * (GUEST_NETWORK), so that all nodes count a guest's rooms alike. Null when nothing is known.
 */
export function guestCreatorKey(serverSecret: Buffer, domain: string, guest: BanSubject): Buffer | null {
  const token = guest.remoteAddress !== '' ? networkToken(serverSecret, guest.remoteAddress) : guest.get(GUEST_NETWORK)[domain];
  return token === undefined ? null : createHmac('sha256', serverSecret).update(`${CREATOR_SCOPE}\0${token}`).digest();
}

/** Whom a room counts against, as a cluster names it: a guest's network key, else the creator's bare JID. */
export function creatorName(creator: string | null, creatorAddress: Buffer | null): string | null {
  return creatorAddress ? `${GUEST_CREATOR}${creatorAddress.toString('hex')}` : creator;
}

/** What the other nodes of a cluster read of a room served here; nicknames only when asked for. */
export function roomListing(room: Room, withNicks: boolean): RoomListing {
  const listed = isListed(room);
  const listing: RoomListing = { title: room.title, listed, occupants: room.occupants.size, creator: creatorName(room.creator, room.creatorAddress) };
  if (listed && withNicks) listing.nicks = [...room.occupants.values()].map((occupant) => occupant.nick).sort();
  return listing;
}

export interface ListedRoom {
  name: string;
  title: string;
  occupants: number;
  nicks?: string[];
}

/** Every room of a service (public or not), the people in them, and the public ones by name. */
export interface RoomCensus {
  rooms: number;
  occupants: number;
  listed: ListedRoom[];
}

/** This node's rooms, as one node without a cluster counts them. */
export function censusOf(rooms: Iterable<Room>): RoomCensus {
  const census: RoomCensus = { rooms: 0, occupants: 0, listed: [] };
  for (const room of rooms) {
    census.rooms++;
    census.occupants += room.occupants.size;
    if (isListed(room)) {
      census.listed.push({ name: room.name, title: room.title, occupants: room.occupants.size, nicks: [...room.occupants.values()].map((occupant) => occupant.nick).sort() });
    }
  }
  census.listed.sort((a, b) => a.name.localeCompare(b.name));
  return census;
}

/**
 * A cluster's rooms: those served now as their nodes listed them, and the kept (persistent)
 * rooms nobody serves now, empty, from the store every node shares.
 */
export function censusAcrossCluster(served: ReadonlyMap<string, RoomListing>, stored: readonly StoredRoom[], configOf: (stored: StoredRoom) => RoomConfig): RoomCensus {
  const census: RoomCensus = { rooms: served.size, occupants: 0, listed: [] };
  for (const [name, listing] of served) {
    census.occupants += listing.occupants;
    if (!listing.listed) continue;
    const room: ListedRoom = { name, title: listing.title, occupants: listing.occupants };
    if (listing.nicks) room.nicks = listing.nicks;
    census.listed.push(room);
  }
  for (const room of stored) {
    if (served.has(room.name)) continue;
    census.rooms++;
    const config = configOf(room);
    if (config.public) census.listed.push({ name: room.name, title: config.name || room.name, occupants: 0, nicks: [] });
  }
  census.listed.sort((a, b) => a.name.localeCompare(b.name));
  return census;
}
