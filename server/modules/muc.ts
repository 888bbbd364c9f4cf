import { defineModule } from '../core/module.js';
import { registerMucHandlers } from '../muc/handlers.js';
import { MUC, MucService } from '../muc/service.js';

/**
 * XEP-0045 multi-user chat on the [muc] domain. Rooms keep their history in the room
 * archive when [muc].archive is on (the archive module serves it over MAM), else in memory.
 * Only persistent rooms archive to the database; temporary rooms archive in memory.
 */
export default defineModule({
  name: 'muc',
  hostKinds: ['muc'],
  load(host, server) {
    const { storage } = server;
    const archives = server.config.muc.archive ? { lasting: storage.archive, temporary: storage.temporaryArchive } : null;
    const service = new MucService(host, server, storage.rooms, archives);
    server.services.provide(MUC, service, host);
    // Messages of rooms that are not stored: left by a crash, or by releases that archived
    // temporary rooms on disk. Whatever [muc].archive says now, they must not stay.
    const leftovers = storage.archive.deleteRoomsExcept(host.name, service.storedRoomJids());
    if (leftovers > 0) server.log.info({ deleted: leftovers }, 'archived messages of rooms that are not persistent deleted');
    registerMucHandlers(host, service);
    service.ensureChannels();
    server.events.on('shutdown', () => service.shutdown());
    // A failure here is logged by ServerEvents.emit, which still runs the other listeners.
    server.events.on('session-closed', (session) => service.sessionClosed(session));
  },
});
