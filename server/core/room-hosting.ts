import { serviceKey } from './services.js';

/**
 * What a room's serving node last wrote so that another node can take the room over: opaque
 * fields (the room's state, one per occupant resource) that only the rooms' feature reads.
 */
export type SavedRoom = Record<string, string>;

/** Where the rooms' feature reports what a cluster needs; with no cluster there is none. */
export interface RoomPlacement {
  /** The room is served here and its state is now this (written for a takeover). */
  save(host: string, room: string, saved: SavedRoom): void;
  /** The room ended here (destroyed, or temporary and empty): nobody serves it any more. */
  ended(host: string, room: string): void;
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
  /** Whether the room exists here (a stanza for a room nobody made claims no lease for long). */
  has(room: string): boolean;
  /** Another node serves the room now: what this node kept of it in memory is stale. */
  lost(room: string): void;
}

export const ROOM_HOSTING = serviceKey<RoomHosting>('room hosting');
