import type { Jid } from '../../jid/jid.js';
import { NS } from '../../xml/namespaces.js';
import { xml } from '../../xml/element.js';
import { channelWelcomeText, isWelcomeNick, WELCOME_NICK, WELCOME_NICK_TEXT } from '../channel-welcome-nick.js';
import { usedByRoom } from '../nick-refusal.js';
import type { Room } from '../room.js';
import type { MucService } from '../service.js';
import type { RoomFeature } from './feature.js';

/**
 * A [[channels]] entry's `welcome`: the last thing a joiner gets, read at each join (not on a
 * rename), so that a reloaded config's welcome applies to the next joiner. Its shape is one
 * every client shows: a groupchat message from an occupant JID, `room/Welcome`, carrying a
 * `<delay/>` stamped by the room (XEP-0203), exactly as the room's history comes (XEP-0045
 * §7.2.15), which clients list without the author being present. Two shapes failed Gajim
 * 1.7.3 (issue 16): from the bare room JID it throws (GroupchatContact.get_resource('')),
 * and undelayed it is a live line from nobody. test/interop/welcome-nbxmpp.test.ts checks the
 * shape as nbxmpp parses it. No presence is sent for the author, so no client lists it as a
 * participant, and nobody may join or rename under its name. It has no `stanza-id`: it is not
 * in the archive, and a client that catches up from the last stanza-id it saw must not be
 * handed one MAM does not know.
 */
export const channelWelcome: RoomFeature = {
  name: 'channel-welcome',
  install(service) {
    service.events.on('room-state-sent', ({ room, to }) => sendWelcome(service, room, to));
    service.events.on('pre-join', ({ room, nick }) => refuseWelcomeNick(service, room, nick));
    service.events.on('nick-change', ({ room, nick }) => refuseWelcomeNick(service, room, nick));
  },
};

function sendWelcome(service: MucService, room: Room, to: Jid): void {
  const welcome = channelWelcomeText(service.server.config, room.name);
  if (!welcome) return;
  const stamp = new Date(service.server.now()).toISOString();
  service.deliver(to, xml('message', { type: 'groupchat', from: `${room.jid.toString()}/${WELCOME_NICK}`, to: to.toString() },
    xml('body', {}, welcome),
    xml('delay', { xmlns: NS.delay, from: room.jid.toString(), stamp })));
}

function refuseWelcomeNick(service: MucService, room: Room, nick: string): void {
  if (isWelcomeNick(service.server.config, room.name, nick)) throw usedByRoom(WELCOME_NICK_TEXT);
}
