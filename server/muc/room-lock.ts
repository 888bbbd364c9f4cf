/**
 * XEP-0045 §10.1: a room created by a join is locked: nobody but its owners may enter
 * (others are told it does not exist, `item-not-found`) until an owner submits the
 * configuration form (an empty submit makes an instant room, §10.1.2) or cancels it, which
 * destroys the room (§10.1.3). [muc] lock_new_rooms turns this off; a room still locked after
 * [muc] room_lock_timeout is destroyed, so that a client that never configures does not hold
 * a room name closed for good. Locked rooms are not listed in disco#items.
 */
import { StanzaError } from '../xml/errors.js';
import type { Jid } from '../jid/jid.js';
import { StateKey } from '../core/keyed-state.js';
import type { MucContext } from './context.js';
import type { Room } from './room.js';

/** A locked room's timer that destroys it if it stays locked; null when the room is open. */
const LOCK = new StateKey<NodeJS.Timeout | null>('lock timer', () => null);

/**
 * Locks a room its first joiner just created. `destroy` ends the room when the timeout passes;
 * it is passed in because destruction (owner.ts) depends on this module.
 */
export function lockNewRoom(muc: MucContext, room: Room, destroy: (room: Room) => void): void {
  const config = muc.server.config.muc;
  if (!config.lock_new_rooms) return;
  const timer = setTimeout(() => {
    if (!isLocked(room)) return;
    room.state.set(LOCK, null);
    if (!room.isEmpty) destroy(room);
  }, config.room_lock_timeout);
  timer.unref();
  room.state.set(LOCK, timer);
  muc.roomChanged(room);
}

export function isLocked(room: Room): boolean {
  return room.state.get(LOCK) !== null;
}

/** The owner accepted a configuration: the room opens. */
export function unlock(room: Room): void {
  clearTimeout(room.state.get(LOCK) ?? undefined);
  room.state.set(LOCK, null);
}

/** A joiner who is not an owner does not learn that a locked room exists. */
export function checkNotLocked(room: Room, joiner: Jid): void {
  if (isLocked(room) && room.affiliationOf(joiner) !== 'owner') {
    throw new StanzaError('cancel', 'item-not-found', 'there is no such room (yet): its creator has not finished setting it up');
  }
}
