import { defineModule } from '../core/module.js';
import { registerMamHandlers } from '../muc/archive/mam.js';
import { ArchiveRetention } from '../muc/archive/retention.js';
import { roomLookup } from '../muc/archive/rooms.js';
import { MUC } from '../muc/service.js';

/**
 * XEP-0313 on rooms (server/muc/archive/): queries with paging, filters and full-text search
 * on the room's bare JID, and the retention job. The MUC service itself appends messages.
 *
 * Options: [muc].archive (default true) turns the archive on; [muc].archive_expires_after
 * (default 7d) is how long messages are kept. Retention runs even with the archive off, so
 * that turning it off never leaves old messages behind for ever.
 */
export default defineModule({
  name: 'muc-archive',
  hostKinds: ['muc'],
  load(host, server) {
    const { archive: enabled, archive_expires_after: maxAge } = server.config.muc;
    const archive = server.storage.archive;
    if (enabled) registerMamHandlers(host, server, archive, roomLookup(server.services.get(MUC, host)));
    const retention = new ArchiveRetention(archive, { maxAge, now: server.now, log: server.log });
    retention.start();
    server.events.on('shutdown', () => retention.stop());
    // Closing the storage writes the last turn's messages.
    return () => retention.stop();
  },
});
