/**
 * What `palaver rooms` shows of a room, the same whether it is read from the database (no
 * server running) or from the running server (which also knows who is in it now).
 */
import type { StoredAffiliation, StoredAffiliationKind, StoredRoom } from '../storage/rooms.js';
import type { ArchiveStore } from '../storage/archive.js';
import type { Room } from './room.js';
import type { RoomConfig } from './types.js';

export interface RoomSummary {
  /** The localpart. */
  name: string;
  jid: string;
  /** The configured name, or the localpart. */
  title: string;
  description: string;
  subject: string;
  public: boolean;
  persistent: boolean;
  owners: string[];
  admins: string[];
  members: string[];
  bans: number;
  /** Messages in the room's archive. */
  archived: number;
  /** People in the room now; null when read from the database (only a running server knows). */
  occupants: number | null;
  createdAt: number;
  creator: string | null;
}

type AffiliationLists = Pick<RoomSummary, 'owners' | 'admins' | 'members' | 'bans'>;

function affiliationLists(entries: Iterable<{ jid: string; affiliation: StoredAffiliationKind }>): AffiliationLists {
  const lists: AffiliationLists = { owners: [], admins: [], members: [], bans: 0 };
  for (const { jid, affiliation } of entries) {
    if (affiliation === 'outcast') lists.bans++;
    else lists[`${affiliation}s`].push(jid);
  }
  for (const list of [lists.owners, lists.admins, lists.members]) list.sort();
  return lists;
}

export async function archivedCount(archive: ArchiveStore | null, roomJid: string): Promise<number> {
  return archive === null ? 0 : (await archive.query(roomJid, {}, { max: 0 })).count;
}

/** A room as the database keeps it; `config` is its stored configuration, already read with defaults. */
export function storedRoomSummary(roomJid: string, stored: StoredRoom, config: RoomConfig, affiliations: readonly StoredAffiliation[], archived: number): RoomSummary {
  return {
    name: stored.name,
    jid: roomJid,
    title: config.name || stored.name,
    description: config.description,
    subject: stored.subject,
    public: config.public,
    persistent: true,
    ...affiliationLists(affiliations),
    archived,
    occupants: null,
    createdAt: stored.createdAt,
    creator: stored.creator,
  };
}

/** A room of the running server. */
export function liveRoomSummary(room: Room, archived: number): RoomSummary {
  return {
    name: room.name,
    jid: room.jid.toString(),
    title: room.title,
    description: room.config.description,
    subject: room.subject.text,
    public: room.config.public,
    persistent: room.config.persistent,
    ...affiliationLists([...room.affiliations].map(([jid, entry]) => ({ jid, affiliation: entry.affiliation }))),
    archived,
    occupants: room.occupants.size,
    createdAt: room.createdAt,
    creator: room.creator,
  };
}
