import type { ServerContext } from '../core/context.js';
import { MUC, type MucService } from '../muc/service.js';

/** One public room as the statistics show it; nicknames only when the admin opted in. */
export interface PublicRoomCount {
  room: string;
  title: string;
  occupants: number;
  nicks?: string[];
}

export interface RoomCounts {
  /** Every room on this node, public or not. */
  rooms: number;
  /** Occupants in every room together. */
  occupants: number;
  publicRooms: PublicRoomCount[];
}

/** The MUC service of each MUC host (one today; the config could grow more). */
function mucServices(server: ServerContext): MucService[] {
  return server.hosts.all()
    .filter((host) => host.kind === 'muc')
    .flatMap((host) => server.services.find(MUC, host) ?? []);
}

/** Rooms and occupants from the MUC services; nicknames of public rooms only when asked for. */
export function countRooms(server: ServerContext, withNicks: boolean): RoomCounts {
  const counts: RoomCounts = { rooms: 0, occupants: 0, publicRooms: [] };
  for (const service of mucServices(server)) {
    counts.rooms += service.rooms.size;
    for (const room of service.rooms.values()) counts.occupants += room.occupants.size;
    for (const room of service.publicRooms()) {
      const entry: PublicRoomCount = { room: room.jid.toString(), title: room.title, occupants: room.occupants.size };
      if (withNicks) entry.nicks = [...room.occupants.values()].map((occupant) => occupant.nick).sort();
      counts.publicRooms.push(entry);
    }
  }
  return counts;
}

/**
 * The same counts for /api/statistics: on a cluster, every node's rooms (each MUC service asks
 * the cluster's room list), so that any node behind a balancer gives the same answer.
 */
export async function countRoomsAcrossCluster(server: ServerContext, withNicks: boolean): Promise<RoomCounts> {
  const counts: RoomCounts = { rooms: 0, occupants: 0, publicRooms: [] };
  for (const service of mucServices(server)) {
    const census = await service.census();
    counts.rooms += census.rooms;
    counts.occupants += census.occupants;
    for (const room of census.listed) {
      const entry: PublicRoomCount = { room: `${room.name}@${service.host.name}`, title: room.title, occupants: room.occupants };
      if (withNicks) entry.nicks = room.nicks ?? [];
      counts.publicRooms.push(entry);
    }
  }
  return counts;
}
