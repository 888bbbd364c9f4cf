import { xml } from '../../xml/element.js';
import type { RoomFeature } from './feature.js';

/** A [[channels]] entry's `welcome`: a message from the room itself, the last thing a joiner gets. */
export const channelWelcome: RoomFeature = {
  name: 'channel-welcome',
  install(service) {
    const welcomes = new Map<string, string>();
    for (const channel of service.server.config.channels) {
      if (channel.welcome) welcomes.set(channel.name, channel.welcome);
    }
    if (welcomes.size === 0) return;
    service.events.on('room-state-sent', ({ room, to }) => {
      const welcome = welcomes.get(room.name);
      if (welcome) service.deliver(to, xml('message', { type: 'groupchat', from: room.jid.toString(), to: to.toString() }, xml('body', {}, welcome)));
    });
  },
};
