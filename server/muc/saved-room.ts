import type { SavedRoom } from '../core/room-hosting.js';
import type { Element } from '../xml/element.js';
import { parseElement } from '../xml/parse-element.js';
import { tryParseJid, type Jid } from '../jid/jid.js';
import type { StoredAffiliationKind } from '../storage/rooms.js';
import type { AffiliationEntry, Room } from './room.js';
import type { Role, RoomConfig } from './types.js';

/**
 * A room as its serving node saves it on a cluster, for the node that takes it over: one field
 * for the room's own state (what a temporary room keeps nowhere else) and one per occupant
 * resource, named by its real full JID, so that a change of one occupant rewrites one field.
 */
const ROOM_FIELD = '~room';
/** Far above what a room's state or an occupant's presence can be: anything longer was not written by a node. */
const MAX_FIELD_LENGTH = 1024 * 1024;
const ROLES = new Set<string>(['moderator', 'participant', 'visitor', 'none']);

export interface SavedRoomState {
  config: RoomConfig;
  secret: Buffer;
  creator: string | null;
  createdAt: number;
  subject: { text: string; nick: string | null };
  affiliations: [string, AffiliationEntry][];
  creatorAddress: Buffer | null;
}

export interface SavedOccupant {
  jid: Jid;
  nick: string;
  role: Role;
  presence: Element[];
}

export function saveRoom(room: Room): SavedRoom {
  const saved: SavedRoom = {
    [ROOM_FIELD]: JSON.stringify({
      c: room.config,
      s: room.secret.toString('base64'),
      cr: room.creator,
      at: room.createdAt,
      sub: room.subject,
      a: [...room.affiliations].map(([jid, entry]) => [jid, { ...entry, addressHash: entry.addressHash?.toString('base64') ?? null }]),
      ca: room.creatorAddress?.toString('base64') ?? null,
    }),
  };
  for (const occupant of room.occupants.values()) {
    for (const [jid, entry] of occupant.sessions) {
      saved[jid] = JSON.stringify({ n: occupant.nick, r: occupant.role, p: entry.presence.map(String) });
    }
  }
  return saved;
}

interface RoomJson {
  c: RoomConfig;
  s: string;
  cr: string | null;
  at: number;
  sub: { text: string; nick: string | null };
  a: [string, Omit<AffiliationEntry, 'addressHash'> & { addressHash: string | null }][];
  ca: string | null;
}

/** The room's own state, or null when the saved room has none that reads (the caller uses the store). */
export function savedRoomState(saved: SavedRoom, defaults: RoomConfig): SavedRoomState | null {
  const text = saved[ROOM_FIELD];
  if (text === undefined || text.length > MAX_FIELD_LENGTH) return null;
  let json: RoomJson;
  try {
    json = JSON.parse(text) as RoomJson;
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || typeof json.s !== 'string' || !Array.isArray(json.a)) return null;
  return {
    config: { ...defaults, ...json.c },
    secret: Buffer.from(json.s, 'base64'),
    creator: typeof json.cr === 'string' ? json.cr : null,
    createdAt: typeof json.at === 'number' ? json.at : 0,
    subject: { text: String(json.sub?.text ?? ''), nick: typeof json.sub?.nick === 'string' ? json.sub.nick : null },
    affiliations: json.a.map(([jid, entry]) => [String(jid), {
      affiliation: entry.affiliation as StoredAffiliationKind,
      nick: entry.nick ?? null,
      reason: entry.reason ?? null,
      addressHash: entry.addressHash ? Buffer.from(entry.addressHash, 'base64') : null,
    }]),
    creatorAddress: typeof json.ca === 'string' ? Buffer.from(json.ca, 'base64') : null,
  };
}

/** The occupant resources of a saved room (those that do not read are left out). */
export function savedOccupants(saved: SavedRoom): SavedOccupant[] {
  const occupants: SavedOccupant[] = [];
  for (const [field, text] of Object.entries(saved)) {
    if (field === ROOM_FIELD || text.length > MAX_FIELD_LENGTH) continue;
    const jid = tryParseJid(field);
    if (!jid || jid.resource === null) continue;
    try {
      const json = JSON.parse(text) as { n?: unknown; r?: unknown; p?: unknown };
      if (typeof json.n !== 'string' || typeof json.r !== 'string' || !ROLES.has(json.r) || !Array.isArray(json.p)) continue;
      const presence = json.p.map((item) => (typeof item === 'string' ? parseElement(item) : null));
      occupants.push({ jid, nick: json.n, role: json.r as Role, presence: presence.filter((element): element is Element => element !== null) });
    } catch {
      continue;
    }
  }
  return occupants;
}
