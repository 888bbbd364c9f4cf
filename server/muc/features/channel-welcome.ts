import { NS } from '../../xml/namespaces.js';
import { xml } from '../../xml/element.js';
import type { RoomFeature } from './feature.js';

/**
 * A [[channels]] entry's `welcome`: a message from the room itself, the last thing a joiner
 * gets, read at each join, so that a reloaded config's welcome applies to the next joiner. Its shape is one every client shows: a groupchat message from the bare room JID
 * (XEP-0045 lets the room speak for itself) carrying a `<delay/>` stamped by the room
 * (XEP-0203): exactly the shape of the room's history (XEP-0045 §7.2.15), which every client
 * lists, rather than a live line from nobody (the undelayed form made Gajim 1.7.3 fail,
 * issue 16). nbxmpp reads it as room history (test/interop/welcome-nbxmpp.test.ts). It has
 * no `stanza-id`: it is not in the archive, and a client that catches up from the last
 * stanza-id it saw must not be handed one MAM does not know.
 */
export const channelWelcome: RoomFeature = {
  name: 'channel-welcome',
  install(service) {
    service.events.on('room-state-sent', ({ room, to }) => {
      const welcome = service.server.config.channels.find((channel) => channel.name === room.name)?.welcome;
      if (!welcome) return;
      const from = room.jid.toString();
      const stamp = new Date(service.server.now()).toISOString();
      service.deliver(to, xml('message', { type: 'groupchat', from, to: to.toString() },
        xml('body', {}, welcome),
        xml('delay', { xmlns: NS.delay, from, stamp })));
    });
  },
};
