import { defineModule } from '../core/module.js';
import { createRoomArchive, temporaryRoomArchive } from '../muc/archive/index.js';
import { registerMucHandlers } from '../muc/handlers.js';
import { MucService } from '../muc/service.js';
import { SqliteRoomStore } from '../storage/sqlite/rooms.js';

/**
 * XEP-0045 multi-user chat on the [muc] domain. Rooms keep their history in the room
 * archive when [muc].archive is on (the archive module serves it over MAM), else in memory.
 * Only persistent rooms archive to the database; temporary rooms archive in memory.
 */
export default defineModule({
  name: 'muc',
  hostKinds: ['muc'],
  load(host, server) {
    const archives = server.config.muc.archive
      ? { lasting: createRoomArchive(server), temporary: temporaryRoomArchive(server) }
      : null;
    const service = new MucService(host, server, new SqliteRoomStore(server.database), archives);
    // Messages of rooms that are not stored: left by a crash, or by releases that archived
    // temporary rooms on disk. Whatever [muc].archive says now, they must not stay.
    const leftovers = createRoomArchive(server).deleteRoomsExcept(host.name, service.storedRoomJids());
    if (leftovers > 0) server.log.info({ deleted: leftovers }, 'archived messages of rooms that are not persistent deleted');
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
