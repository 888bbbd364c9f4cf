import { defineModule } from '../core/module.js';
import { registerMamHandlers } from '../muc/archive/mam.js';
import { ArchiveRetention } from '../mam/retention.js';
import { roomLookup } from '../muc/archive/rooms.js';
import { ROOM_ARCHIVES } from '../muc/features/archive.js';
import { MUC } from '../muc/service.js';

/**
 * XEP-0313 on rooms (server/muc/archive/): queries with paging, filters and full-text search
 * on the room's bare JID, and the retention job. The archive room feature (muc/features/archive.ts)
 * appends messages.
 *
 * Options: [muc].archive (default true) turns the archive on; [muc].archive_expires_after
 * (default 7d) is how long messages are kept; [muc].archive_max_messages (default 10000) how
 * many per room. Retention runs even with the archive off, so that turning it off never
 * leaves old messages behind for ever. Temporary rooms' archive (in memory) expires alike.
 */
export default defineModule({
  name: 'muc-archive',
  hostKinds: ['muc'],
  load(host, server) {
    const { archive: enabled, archive_expires_after: maxAge } = server.config.muc;
    const { storage } = server;
    if (enabled) registerMamHandlers(host, server, roomLookup(server.services.get(MUC, host), server.services.get(ROOM_ARCHIVES, host)));
    const stores = enabled ? [storage.archive, storage.temporaryArchive] : [storage.archive];
    const retentions = stores.map((store) => new ArchiveRetention(store, { maxAge, now: server.now, log: server.log }));
    for (const retention of retentions) retention.start();
    const stop = () => {
      for (const retention of retentions) retention.stop();
    };
    server.events.on('shutdown', stop);
    // Closing the storage writes the last turn's messages.
    return stop;
  },
});
