import { serviceKey } from './services.js';
import type { StanzaContext } from './host.js';

/**
 * What a room's serving node last wrote so that another node can take the room over: opaque
 * fields (the room's state, one per occupant resource) that only the rooms' feature reads.
 */
export type SavedRoom = Record<string, string>;

/**
 * What the other nodes may read of a room served here: its line in the public room list and
 * in the statistics, and whose creation it counts against ([muc].max_rooms_per_user).
 */
export interface RoomListing {
  title: string;
  /** Public and open: listed in disco#items and the statistics. */
  listed: boolean;
  occupants: number;
  /** Nicknames, for the statistics of a listed room when the admin opted in; else absent. */
  nicks?: string[];
  /** Who the room counts against, as RoomHosting names creators; null for nobody (a channel). */
  creator: string | null;
}

/** Where the rooms' feature reports what a cluster needs; with no cluster there is none. */
export interface RoomPlacement {
  /** The room is served here and its state is now this (written for a takeover), listed so. */
  save(host: string, room: string, saved: SavedRoom, listing: RoomListing): void;
  /** The room ended here (destroyed, or temporary and empty): nobody serves it any more. */
  ended(host: string, room: string): void;
  /** The rooms served now anywhere in the cluster, by localpart, as their serving nodes last listed them. */
  servedRooms(host: string): Promise<Map<string, RoomListing>>;
  /** The localparts of the rooms served now anywhere in the cluster that count against this creator. */
  roomsCreatedBy(host: string, creator: string): Promise<Set<string>>;
}

/**
 * The rooms of one host as a cluster sees them (the MUC service): one node serves a room at
 * a time, and the others carry its stanzas there (Host.divert).
 */
export interface RoomHosting {
  /** Set by a cluster: told what another node needs to take a room over. Null on one node. */
  placement: RoomPlacement | null;
  /**
   * This node serves the room from now on. `saved` is what the node that served it before
   * left (it died or stopped), or null. Stanzas for the room wait until this resolves.
   */
  claimed(room: string, saved: SavedRoom | null): Promise<void>;
  /**
   * The stanzas that waited for the claim of a room this node does not have are about to be
   * handled, one of them perhaps creating it: what that needs to know of the cluster (how many
   * rooms their senders created) is fetched now, since handling them cannot wait. `settled`
   * follows once they were handled.
   */
  beforeCreation(room: string, waiting: readonly StanzaContext[]): Promise<void>;
  settled(room: string): void;
  /** A stanza to the service itself (the cluster-wide room list); true when it was answered here. */
  serviceStanza(ctx: StanzaContext): boolean;
  /** Whether the room exists here (a stanza for a room nobody made claims no lease for long). */
  has(room: string): boolean;
  /** Another node serves the room now: what this node kept of it in memory is stale. */
  lost(room: string): void;
}

export const ROOM_HOSTING = serviceKey<RoomHosting>('room hosting');
