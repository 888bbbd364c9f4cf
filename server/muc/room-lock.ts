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
import type { MucContext } from './context.js';
import type { Room } from './room.js';

/** Locked rooms and the timer that destroys each if it stays locked. */
const locks = new WeakMap<Room, NodeJS.Timeout>();

/**
 * Locks a room its first joiner just created. `destroy` ends the room when the timeout passes;
 * it is passed in because destruction (owner.ts) depends on this module.
 */
export function lockNewRoom(muc: MucContext, room: Room, destroy: (room: Room) => void): void {
  const config = muc.server.config.muc;
  if (!config.lock_new_rooms) return;
  const timer = setTimeout(() => {
    if (!locks.has(room)) return;
    locks.delete(room);
    if (!room.isEmpty) destroy(room);
  }, config.room_lock_timeout);
  timer.unref();
  locks.set(room, timer);
  muc.roomChanged(room);
}

export function isLocked(room: Room): boolean {
  return locks.has(room);
}

/** The owner accepted a configuration: the room opens. */
export function unlock(room: Room): void {
  clearTimeout(locks.get(room));
  locks.delete(room);
}

/** A joiner who is not an owner does not learn that a locked room exists. */
export function checkNotLocked(room: Room, joiner: Jid): void {
  if (isLocked(room) && room.affiliationOf(joiner) !== 'owner') {
    throw new StanzaError('cancel', 'item-not-found', 'there is no such room (yet): its creator has not finished setting it up');
  }
}
