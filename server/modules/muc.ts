import { defineModule } from '../core/module.js';
import { createRoomArchive } from '../muc/archive/index.js';
import { registerMucHandlers } from '../muc/handlers.js';
import { MucService } from '../muc/service.js';
import { SqliteRoomStore } from '../storage/sqlite/rooms.js';

/**
 * XEP-0045 multi-user chat on the [muc] domain. Rooms keep their history in the room
 * archive when [muc].archive is on (the archive module serves it over MAM), else in memory.
 */
export default defineModule({
  name: 'muc',
  hostKinds: ['muc'],
  load(host, server) {
    const archive = server.config.muc.archive ? createRoomArchive(server) : null;
    const service = new MucService(host, server, new SqliteRoomStore(server.database), archive);
    registerMucHandlers(host, service);
    service.ensureChannels();
    server.events.on('shutdown', () => service.shutdown());
    server.events.on('session-closed', (session) => {
      try {
        service.sessionClosed(session);
      } catch (error) {
        server.log.error({ err: error }, 'leaving rooms for a closed session failed');
      }
    });
  },
});
