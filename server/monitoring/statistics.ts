import type { ServerContext } from '../core/context.js';
import type { TransportKind } from '../core/events.js';
import { countOnline } from './online.js';
import { countRoomsAcrossCluster, type PublicRoomCount } from './rooms.js';

/**
 * GET /api/statistics (DESIGN.md "Operations and site sign-in"): counts only, so that a site
 * can say "12 people are chatting". Never an address or a JID of a person; nicknames of
 * public rooms only with [api].statistics_list_nicks.
 */
export interface Statistics {
  version: string;
  /** Seconds since this server started. */
  uptime: number;
  online: { guests: number; accounts: number; by_transport: Record<TransportKind, number> };
  rooms: number;
  occupants: number;
  public_rooms: PublicRoomCount[];
}

export async function collectStatistics(server: ServerContext, started: { at: number; version: string }): Promise<Statistics> {
  const online = countOnline(server.sessions);
  const rooms = await countRoomsAcrossCluster(server, server.config.api.statistics_list_nicks);
  return {
    version: started.version,
    uptime: Math.max(0, Math.floor((server.now() - started.at) / 1000)),
    online: { guests: online.guests, accounts: online.accounts, by_transport: online.sessionsByTransport },
    rooms: rooms.rooms,
    occupants: rooms.occupants,
    public_rooms: rooms.publicRooms,
  };
}
