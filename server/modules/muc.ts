import { defineModule } from '../core/module.js';
import { registerMucHandlers } from '../muc/handlers.js';
import { ROOM_FEATURES } from '../muc/features/index.js';
import { MUC, MucService } from '../muc/service.js';
import { ROOM_HOSTING } from '../core/room-hosting.js';

/**
 * XEP-0045 multi-user chat on the [muc] domain. Rooms keep their history in the room
 * archive when [muc].archive is on (the archive module serves it over MAM), else in memory.
 * Only persistent rooms archive to the database; temporary rooms archive in memory.
 */
export default defineModule({
  name: 'muc',
  hostKinds: ['muc'],
  load(host, server) {
    const service = new MucService(host, server, server.storage.rooms, ROOM_FEATURES);
    server.services.provide(MUC, service, host);
    // A cluster serves each room on one node at a time (cluster/room-leases.ts).
    server.services.provide(ROOM_HOSTING, service, host);
    registerMucHandlers(host, service);
    service.ensureChannels();
    // New [[channels]] open at once; a channel taken out of the file stays a persistent room.
    server.events.on('config-reloaded', ({ applied }) => {
      if (applied.includes('channels')) service.ensureChannels();
    });
    server.events.on('shutdown', () => service.shutdown());
    // A failure here is logged by ServerEvents.emit, which still runs the other listeners.
    server.events.on('session-bound', (session) => service.sessionBound(session));
    server.events.on('session-closed', (session) => service.sessionClosed(session));
    // Occupants whose connection another node holds, in the rooms this node serves.
    server.events.on('remote-session-closed', (session) => service.sessionClosed(session));
  },
});
