/**
 * The archive's view of a room, taken from the MUC service (server/muc/service.ts): which
 * key its messages are stored under, whether it archives, and who may read the archive.
 * This is the only file that knows the MUC service's shape.
 */
import type { Jid } from '../../jid/jid.js';
import type { ArchiveStore } from '../../storage/archive.js';
import type { MucService } from '../service.js';
import type { RoomArchives } from '../features/archive.js';

export interface ArchiveRoom {
  /** The room's bare JID, as results carry it in 'from'. */
  jid: string;
  /** What the room's messages are appended under. */
  key: string;
  /** Where the room's messages are: on disk for persistent rooms, in memory for temporary ones; null when it does not archive. */
  store: ArchiveStore | null;
  /** XEP-0313 §6.1.2: whoever may enter the room may read its archive. */
  mayQuery(requester: Jid): boolean;
}

export type RoomLookup = (room: Jid) => ArchiveRoom | undefined;

const AFFILIATED = new Set(['owner', 'admin', 'member']);

/**
 * Who reads a room's archive: its occupants; owners, admins and members; and, in a room
 * that is neither members-only nor password-protected, anyone who is not banned, since they
 * could join and read along. Outcasts never, nor guests whose address a ban covers: the
 * ban of a guest outlives their JID (address-ban.ts).
 */
export function roomLookup(service: Pick<MucService, 'getRoom' | 'isBanned'>, archives: RoomArchives): RoomLookup {
  return (jid) => {
    const room = jid.local === null ? undefined : service.getRoom(jid.local);
    if (!room) return undefined;
    const bare = room.jid.toString();
    return {
      jid: bare,
      key: bare,
      store: archives.archiveOf(room),
      mayQuery(requester) {
        if (service.isBanned(room, requester)) return false;
        const affiliation = room.affiliationOf(requester.bare());
        if (room.canRead(requester) || AFFILIATED.has(affiliation)) return true;
        return !room.config.membersOnly && !room.config.password;
      },
    };
  };
}
