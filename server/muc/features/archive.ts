/**
 * The room archive (XEP-0313 on rooms): a room that archives keeps its messages in the
 * server's archive store instead of memory, persistent rooms on disk and temporary rooms in
 * memory only, so that nothing a temporary room said outlives the process. This is the only
 * room feature that knows the archive; server/muc/archive/ holds its MAM side, served by the
 * muc-archive module.
 */
import { serviceKey } from '../../core/services.js';
import type { ArchiveStore } from '../../storage/archive.js';
import { NS } from '../../xml/namespaces.js';
import { ArchiveHistory } from '../archive/index.js';
import { NS_FULLTEXT, NS_MAM_EXTENDED } from '../../mam/query.js';
import { bool, parseBoolean } from '../config-form.js';
import { STATUS } from '../outgoing-presence.js';
import { isBoolean, storedOr } from '../room-config.js';
import type { Room } from '../room.js';
import type { RoomFeature } from './feature.js';

declare module '../types.js' {
  interface RoomConfig {
    /** Messages go to the archive (MAM) as well as to history. */
    archive: boolean;
  }
}

/** Where a room's messages are archived, for the MAM handlers (modules/muc-archive.ts). */
export interface RoomArchives {
  /** On disk for persistent rooms, in memory for temporary ones; null when the room does not archive. */
  archiveOf(room: Room): ArchiveStore | null;
}

export const ROOM_ARCHIVES = serviceKey<RoomArchives>('muc room archives');

const ARCHIVE_FEATURES: readonly string[] = [NS.mam, NS_MAM_EXTENDED, NS_FULLTEXT];

/** Above memory history: a room that archives keeps its messages here alone. */
const BEFORE_MEMORY = 10;

export const archive: RoomFeature = {
  name: 'archive',
  defaults: (policy) => ({ archive: policy.archive }),
  readStored: (stored, defaults) => storedOr(stored, defaults, 'archive', isBoolean),
  install(service) {
    const { server, host, events } = service;
    const { storage } = server;
    // Messages of rooms that are not stored: left by a crash, or by releases that archived
    // temporary rooms on disk. Whatever [muc].archive says now, they must not stay.
    // A store that writes behind queues this before any message a room appends from now on.
    storage.archive.deleteRoomsExcept(host.name, service.storedRoomJids()).then((leftovers) => {
      if (leftovers > 0) server.log.info({ deleted: leftovers }, 'archived messages of rooms that are not persistent deleted');
    }, (err: unknown) => server.log.error({ err }, 'could not delete the archive of rooms that are not persistent'));

    const enabled = server.config.muc.archive;
    const stores = { lasting: storage.archive, temporary: storage.temporaryArchive };
    const histories = { lasting: new ArchiveHistory(stores.lasting, server.now), temporary: new ArchiveHistory(stores.temporary, server.now) };
    const archives: RoomArchives = {
      archiveOf: (room) => (!enabled || !room.config.archive ? null : room.config.persistent ? stores.lasting : stores.temporary),
    };
    server.services.provide(ROOM_ARCHIVES, archives, host);
    events.on('config-form', ({ fields }) => {
      fields.push({
        var: 'muc#roomconfig_enablearchiving',
        // XEP-0045's own name for the switch, which some clients send instead.
        aliases: ['muc#roomconfig_enablelogging'],
        type: 'boolean',
        label: 'Archive messages (searchable history)',
        position: 150,
        get: (config) => bool(config.archive),
        // Without an archive on the server ([muc].archive = false) it stays off.
        set: (config, value) => ({ ...config, archive: parseBoolean('enablearchiving', value) && enabled }),
      });
    });

    events.on('config-changed', ({ previous, next, codes }) => {
      if (next.archive !== previous.archive) codes.push(next.archive ? STATUS.logging : STATUS.loggingOff);
    });
    if (!enabled) return;
    const historyOf = (room: Room) => (!room.config.archive ? null : room.config.persistent ? histories.lasting : histories.temporary);

    events.on('history-append', (kept) => {
      const history = historyOf(kept.room);
      if (history) {
        const committed = history.append(kept.room.jid.toString(), kept.entry);
        if (committed) kept.committed = committed;
        server.events.emit('archive-append', history === histories.lasting ? 'lasting' : 'temporary');
      }
      return kept.room.config.archive;
    }, BEFORE_MEMORY);
    events.on('history-get', (request) => {
      const history = historyOf(request.room);
      if (history) request.messages = history.recent(request.room.jid.toString(), request.max);
      return history !== null;
    }, BEFORE_MEMORY);
    events.on('history-retract', ({ room, id, by, reason }) => {
      historyOf(room)?.retract(room.jid.toString(), id, by, reason);
      return room.config.archive;
    }, BEFORE_MEMORY);

    events.on('join-status-codes', ({ room, codes }) => {
      if (room.config.archive) codes.push(STATUS.logging);
    });
    events.on('disco-info', ({ room, features }) => {
      if (room.config.archive) features.push(...ARCHIVE_FEATURES);
    });
    /**
     * A room that becomes persistent archives on disk from then on; what it said while
     * temporary was said under the promise of memory only, and is forgotten rather than
     * written. A persistent room made temporary loses its stored archive (temporary rooms keep
     * nothing on disk). Either way its history starts afresh.
     */
    events.on('persistence-changed', ({ room, persistent }) => {
      (persistent ? stores.temporary : stores.lasting).deleteRoom(room.jid.toString());
    });
    events.on('room-destroyed', ({ room, serverStopping }) => {
      stores.temporary.deleteRoom(room.jid.toString());
      if (!serverStopping) stores.lasting.deleteRoom(room.jid.toString());
    });
  },
};
