import { tryParseJid } from '../jid/jid.js';
import { defineModule } from '../core/module.js';
import { CONTROL_COMMANDS, ControlRefusal } from '../core/control-commands.js';
import { MUC } from '../muc/service.js';
import { destroyRoom } from '../muc/owner.js';
import { ROOM_ARCHIVES } from '../muc/features/archive.js';
import { archivedCount, liveRoomSummary, type RoomSummary } from '../muc/room-summary.js';
import type { Room } from '../muc/room.js';

/** Longest reason given with a destroy from the command line. */
const MAX_REASON_LENGTH = 1000;

/**
 * `palaver rooms list|show|destroy` against the running server (through the control socket):
 * the rooms in memory, temporary ones included, with who is in them; a destroy tells the
 * occupants (XEP-0045 §10.9) and removes the room from memory, the database and the archive.
 */
export default defineModule({
  name: 'muc-control',
  hostKinds: ['muc'],
  load(host, server) {
    const commands = server.services.find(CONTROL_COMMANDS);
    if (!commands) return;
    const service = server.services.get(MUC, host);
    const archives = server.services.find(ROOM_ARCHIVES, host);
    const summary = async (room: Room): Promise<RoomSummary> => liveRoomSummary(room, await archivedCount(archives?.archiveOf(room) ?? null, room.jid.toString()));
    const roomNamed = (request: Readonly<Record<string, unknown>>): Room => {
      const name = typeof request.room === 'string' ? request.room : '';
      const localpart = tryParseJid(`${name}@${host.name}`)?.local;
      const room = localpart ? service.getRoom(localpart) : undefined;
      if (!room) throw new ControlRefusal(`there is no room "${name}" on ${host.name}`);
      return room;
    };
    commands.add('rooms.list', () => Promise.all([...service.rooms.values()].sort((a, b) => a.name.localeCompare(b.name)).map(summary)));
    commands.add('rooms.show', (request) => summary(roomNamed(request)));
    commands.add('rooms.destroy', (request) => {
      const room = roomNamed(request);
      const reason = typeof request.reason === 'string' && request.reason !== '' ? request.reason.slice(0, MAX_REASON_LENGTH) : undefined;
      const told = room.occupants.size;
      destroyRoom(service, room, reason === undefined ? {} : { reason });
      return { destroyed: room.jid.toString(), occupantsTold: told };
    });
  },
});
