import { StateKey } from '../core/keyed-state.js';
import type { Room } from './room.js';

/**
 * A room's messages go out in the order they were sent, also when some wait for the archive
 * to commit them first (an archive that writes over the network, storage/postgres/archive.ts):
 * the room keeps the delivery that is still waiting, and every later one goes after it. A
 * room with nothing waiting delivers at once, on the caller's stack, as it always did.
 */
const WAITING = new StateKey<Promise<void> | null>('deliveries waiting for the archive', () => null);

/**
 * Runs `send` once `committed` (if any) has resolved and every earlier waiting delivery of
 * the room has gone out. Returns nothing when it sent at once; else a Promise that resolves
 * once sent, or rejects with the commit's error (the message is then not sent at all: the
 * caller tells its sender).
 */
export function deliverInOrder(room: Room, committed: Promise<void> | undefined, send: () => void): void | Promise<void> {
  const waiting = room.state.get(WAITING);
  if (!committed && !waiting) {
    send();
    return;
  }
  const ready = waiting ? waiting.then(() => committed) : committed!;
  const sent = ready.then(send);
  // Later deliveries wait for this one to be settled, whether it went out or was refused.
  const settled = sent.catch(() => {});
  room.state.set(WAITING, settled);
  void settled.then(() => {
    if (room.state.get(WAITING) === settled) room.state.set(WAITING, null);
  });
  return sent;
}
