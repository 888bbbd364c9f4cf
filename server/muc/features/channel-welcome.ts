import { xml } from '../../xml/element.js';
import type { RoomFeature } from './feature.js';

/**
 * A [[channels]] entry's `welcome`: a message from the room itself, the last thing a joiner
 * gets. Read at each join, so that a reloaded config's welcome applies to the next joiner.
 */
export const channelWelcome: RoomFeature = {
  name: 'channel-welcome',
  install(service) {
    service.events.on('room-state-sent', ({ room, to }) => {
      const welcome = service.server.config.channels.find((channel) => channel.name === room.name)?.welcome;
      if (welcome) service.deliver(to, xml('message', { type: 'groupchat', from: room.jid.toString(), to: to.toString() }, xml('body', {}, welcome)));
    });
  },
};
