import { defineModule } from '../core/module.js';
import { ArchiveHistory } from '../muc/archive/index.js';
import { registerMucHandlers } from '../muc/handlers.js';
import { MUC, MucService } from '../muc/service.js';

/**
 * XEP-0045 multi-user chat on the [muc] domain. Rooms keep their history in the room
 * archive when [muc].archive is on (the archive module serves it over MAM), else in memory.
 */
export default defineModule({
  name: 'muc',
  hostKinds: ['muc'],
  load(host, server) {
    const archive = server.config.muc.archive ? new ArchiveHistory(server.storage.archive, server.now) : null;
    const service = new MucService(host, server, server.storage.rooms, archive);
    server.services.provide(MUC, service, host);
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
